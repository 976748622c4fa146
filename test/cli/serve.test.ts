// `strata serve` as a user runs it: a real child process, real sockets, a real Kafka client.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI as cli, ensureBuilt, startServe } from '../support/serve-child.js';
import { tempDir } from '../support/temp-dir.js';

beforeAll(() => ensureBuilt(), 120_000);

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
