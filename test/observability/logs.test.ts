// Structured logs: `strata serve` as a child process (stdout not a terminal, so JSON) logs a crash
// recovery's truncation as one line with the file and the bytes cut; events never carry payloads;
// the pretty format for terminals.
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { Broker } from '../../src/client/broker.js';
import { createLogger, formatPretty } from '../../src/observability/logger.js';
import { connected } from '../support/kafkajs-clients.js';
import { tempDir } from '../support/temp-dir.js';
import { startObservedServer } from './support.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const SECRET_PAYLOAD = 'payload-that-must-never-be-logged';

beforeAll(() => {
  execFileSync(process.execPath, [join(root, 'tools', 'ensure-built.mjs')], { stdio: 'inherit' });
}, 120_000);

/** Runs `strata serve` until it listens, then stops it with SIGTERM; returns its stdout and stderr. */
async function serveOnce(dataDir: string): Promise<{ stdout: string; stderr: string; exitCode: number | null }> {
  const child = spawn(process.execPath, [cli, 'serve', '--data-dir', dataDir, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${stdout}${stderr}`)), 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (/listening on 127\.0\.0\.1:\d+/.test(stdout)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => reject(new Error(`serve exited with ${code}: ${stdout}${stderr}`)));
  });
  child.kill('SIGTERM');
  const exitCode = await exited;
  return { stdout, stderr, exitCode };
}

describe('structured logs', () => {
  it('a recovery truncation logs one JSON line naming the file and the bytes cut', async () => {
    const dataDir = tempDir();
    const broker = await Broker.open({ dataDir });
    await broker.admin.createTopic('torn', { partitions: 1 });
    await broker.producer().send('torn', [{ value: SECRET_PAYLOAD }, { value: 'second' }]);
    await broker.close();
    // Make it a crash with a torn tail: no clean-shutdown marker, and half a batch at the end.
    rmSync(join(dataDir, 'clean-shutdown'));
    const segment = join(dataDir, 'torn-0', readdirSync(join(dataDir, 'torn-0')).find((name) => name.endsWith('.log'))!);
    const validBytes = statSync(segment).size;
    appendFileSync(segment, Buffer.alloc(37, 0xab));

    const { stdout, exitCode } = await serveOnce(dataDir);
    expect(exitCode).toBe(0);
    const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>); // every line is JSON
    const truncations = lines.filter((line) => line.event === 'recovery-truncated');
    expect(truncations).toHaveLength(1);
    expect(truncations[0]).toMatchObject({ level: 'warn', file: segment, position: validBytes, truncatedBytes: 37 });
    expect(typeof truncations[0]!.time).toBe('string');
    expect(lines.find((line) => line.event === 'startup')).toMatchObject({ dataDir, port: 0, http: null });
    expect(lines.some((line) => line.event === 'stopped')).toBe(true);
    expect(stdout).not.toContain(SECRET_PAYLOAD);
    expect(statSync(segment).size).toBe(validBytes);
  });

  it('topic changes, group rebalances and client errors are logged with client id and address, never payloads', async () => {
    const { kafka, logs } = await startObservedServer();
    const admin = await connected(kafka.admin());
    await admin.createTopics({ topics: [{ topic: 'audited', numPartitions: 1 }] });
    await admin.createTopics({ topics: [{ topic: 'audited' }] }); // TOPIC_ALREADY_EXISTS: routine, logged at debug
    await expect(admin.createTopics({ topics: [{ topic: 'bad-count', numPartitions: -5 }] })).rejects.toThrow();
    const producer = await connected(kafka.producer());
    await producer.send({ topic: 'audited', messages: [{ value: SECRET_PAYLOAD }] });
    await admin.deleteTopics({ topics: ['audited'] });

    expect(logs.filter((line) => line.event === 'topic-created' && line.topic === 'audited')).toEqual([expect.objectContaining({ level: 'info', partitions: 1, msg: 'topic created' })]);
    expect(logs.filter((line) => line.event === 'topic-deleted' && line.topic === 'audited')).toHaveLength(1);
    const clientErrors = logs.filter((line) => line.event === 'client-error' && line.api === 'CreateTopics');
    expect(clientErrors.map((line) => line.error).sort()).toEqual(['INVALID_PARTITIONS', 'TOPIC_ALREADY_EXISTS']);
    for (const line of clientErrors) {
      expect(line.clientId).toBe('observability-test');
      expect(line.address).toMatch(/^(::ffff:)?127\.0\.0\.1:\d+$/);
    }
    expect(JSON.stringify(logs)).not.toContain(SECRET_PAYLOAD);
  });

  it('pretty format: one readable line per event, level names in JSON', () => {
    const lines: string[] = [];
    const pretty = createLogger({ format: 'pretty', destination: { write: (line: string) => void lines.push(line) } });
    pretty.info({ event: 'topic-created', topic: 'orders', partitions: 3 }, 'topic created');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO  topic created event=topic-created topic=orders partitions=3\n$/);
    expect(formatPretty('{"level":"warn","time":"2026-01-02T03:04:05.678Z","msg":"m","file":"/a b"}')).toBe('03:04:05.678 WARN  m file="/a b"\n');

    const json: string[] = [];
    const quiet = createLogger({ format: 'json', level: 'warn', destination: { write: (line: string) => void json.push(line) } });
    quiet.info('not shown');
    quiet.error({ code: 7 }, 'shown');
    expect(json.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([expect.objectContaining({ level: 'error', code: 7, msg: 'shown' })]);
  });
});
