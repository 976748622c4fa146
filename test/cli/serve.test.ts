// `strata serve` as a user runs it: a real child process, real sockets, a real Kafka client.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp-dir.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'dist', 'src', 'cli', 'main.js');

beforeAll(() => {
  execFileSync(process.execPath, [join(root, 'tools', 'ensure-built.mjs')], { stdio: 'inherit' });
}, 120_000);

/** Starts `strata serve` on a free port; resolves once it prints where it listens. */
async function startServe(dataDir: string): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  const child = spawn(process.execPath, [cli, 'serve', '--data-dir', dataDir, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${output}`)), 20_000);
    child.stdout!.on('data', () => {
      const match = /listening on 127\.0\.0\.1:(\d+)/.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${output}`)));
  });
  return { child, port, output: () => output };
}

describe('strata serve', () => {
  it('serves a Kafka client, refuses a second broker on the same directory, and shuts down cleanly on SIGTERM', async () => {
    const dataDir = tempDir();
    const { child, port, output } = await startServe(dataDir);
    expect(output()).toContain(`data in ${dataDir}`);
    const kafka = new Kafka({ clientId: 'cli-test', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const [result] = await producer.send({ topic: 'hello', messages: [{ value: 'world' }] });
    expect(result!.errorCode).toBe(0);
    await producer.disconnect();

    const second = spawnSync(process.execPath, [cli, 'serve', '--data-dir', dataDir, '--port', '0'], { encoding: 'utf8', timeout: 20_000 });
    expect(second.status).toBe(1);
    expect(second.stderr.trim().split('\n')).toHaveLength(1);
    expect(second.stderr).toContain(`data directory ${dataDir} is in use`);

    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output()).toContain('stopped cleanly');
    expect(existsSync(join(dataDir, 'clean-shutdown'))).toBe(true);
  });

  it('bad flags give one readable line and a non-zero exit', () => {
    const result = spawnSync(process.execPath, [cli, 'serve', '--port', 'lots'], { encoding: 'utf8', timeout: 20_000 });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('--port must be a port number');
    const unknownSetting = spawnSync(process.execPath, [cli, 'serve', '--data-dir', tempDir(), '--port', '0', '--set', 'no.such.key=1'], { encoding: 'utf8', timeout: 20_000 });
    expect(unknownSetting.status).toBe(1);
    expect(unknownSetting.stderr).toContain('no.such.key');
  });
});
