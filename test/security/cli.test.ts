// `strata users` and `strata acls` as a user runs them (real child processes), against a running
// `strata serve --sasl-mechanisms …` that picks the changes up without a restart.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connected, disconnectAll } from '../support/kafkajs-clients.js';
import { tempDir } from '../support/temp-dir.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'dist', 'src', 'cli', 'main.js');

beforeAll(() => {
  execFileSync(process.execPath, [join(root, 'tools', 'ensure-built.mjs')], { stdio: 'inherit' });
}, 120_000);

const children: ChildProcess[] = [];
afterEach(async () => {
  await disconnectAll();
  for (const child of children.splice(0)) {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
  }
});

function strata(args: string[], input = ''): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(input);
  });
}

async function startServe(args: string[]): Promise<number> {
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${output}`)), 20_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on 127\.0\.0\.1:(\d+)/.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${output}`)));
  });
}

describe('strata users and strata acls', () => {
  it('adds a user from stdin, serves SCRAM with it, and applies ACL changes to the running server', async () => {
    const dataDir = tempDir();
    const added = await strata(['users', 'add', 'alice', '--data-dir', dataDir, '--mechanism', 'SCRAM-SHA-512'], 's3cret-from-stdin\n');
    expect(added.status, added.stderr).toBe(0);
    expect(readFileSync(join(dataDir, 'meta', 'credentials.json'), 'utf8')).not.toContain('s3cret-from-stdin');
    expect((await strata(['users', 'list', '--data-dir', dataDir])).stdout).toBe('alice\tSCRAM-SHA-512\n');

    const port = await startServe(['--data-dir', dataDir, '--sasl-mechanisms', 'SCRAM-SHA-512']);
    const kafka = new Kafka({ clientId: 'cli', brokers: [`127.0.0.1:${port}`], sasl: { mechanism: 'scram-sha-512', username: 'alice', password: 's3cret-from-stdin' }, logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    const producer = await connected(kafka.producer());
    await producer.send({ topic: 'events', messages: [{ value: 'before' }] });

    const denied = await strata(['acls', 'add', '--data-dir', dataDir, '--deny-principal', 'User:alice', '--operation', 'Write', '--topic', 'ev', '--resource-pattern-type', 'prefixed']);
    expect(denied.status, denied.stderr).toBe(0);
    expect((await strata(['acls', 'list', '--data-dir', dataDir])).stdout).toBe('DENY\tUser:alice\tWrite\tTopic:PREFIXED:ev\thost=*\n');
    const deadline = Date.now() + 15_000;
    let refusal: unknown = null;
    while (refusal === null && Date.now() < deadline) {
      refusal = await producer.send({ topic: 'events', messages: [{ value: 'after' }] }).then(() => null, (error: unknown) => error);
      if (refusal === null) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(((refusal as { cause?: { type?: string } }).cause ?? (refusal as { type?: string }))?.type).toBe('TOPIC_AUTHORIZATION_FAILED');

    expect((await strata(['acls', 'remove', '--data-dir', dataDir, '--deny-principal', 'User:alice', '--operation', 'Write', '--topic', 'ev', '--resource-pattern-type', 'prefixed'])).status).toBe(0);
    expect((await strata(['acls', 'list', '--data-dir', dataDir])).stdout).toBe('');

    const removed = await strata(['users', 'remove', 'alice', '--data-dir', dataDir]);
    expect(removed.status, removed.stderr).toBe(0);
    const late = new Kafka({ clientId: 'late', brokers: [`127.0.0.1:${port}`], sasl: { mechanism: 'scram-sha-512', username: 'alice', password: 's3cret-from-stdin' }, logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
    await expect(late.connect()).rejects.toThrow(/SASL|authentication/i);
  });

  it('answers bad input with one line and exit code 1', async () => {
    const dataDir = tempDir();
    const badMechanism = await strata(['users', 'add', 'bob', '--data-dir', dataDir, '--mechanism', 'MD5', '--password', 'x']);
    expect(badMechanism.status).toBe(1);
    expect(badMechanism.stderr).toMatch(/^strata: unknown SASL mechanism "MD5"/);
    const noPassword = await strata(['users', 'add', 'bob', '--data-dir', dataDir], '');
    expect(noPassword.status).toBe(1);
    const badPrincipal = await strata(['acls', 'add', '--data-dir', dataDir, '--allow-principal', 'bob', '--operation', 'Read', '--topic', 't']);
    expect(badPrincipal.stderr).toMatch(/^strata: principal must look like User:<name>/);
    expect(badPrincipal.status).toBe(1);
    const badFlag = await strata(['serve', '--data-dir', dataDir, '--port', '0', '--tls-cert', join(dataDir, 'missing.pem'), '--tls-key', join(dataDir, 'missing.key')]);
    expect(badFlag.status).toBe(1);
    expect(badFlag.stderr).toMatch(/cannot read the TLS certificate/);
  });
});
