// With SASL on, the web console and its API ask for the broker's users (HTTP Basic), checked
// against the credentials file whatever mechanisms a user has; /metrics and health stay open.
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp-dir.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const dataDir = tempDir();
let child: ReturnType<typeof spawn> | null = null;
let base = '';

beforeAll(async () => {
  execFileSync(process.execPath, [join(root, 'tools', 'ensure-built.mjs')], { stdio: 'inherit' });
  execFileSync(process.execPath, [cli, 'users', 'add', 'alice', '--data-dir', dataDir, '--password', 'alice-secret']);
  execFileSync(process.execPath, [cli, 'users', 'add', 'bob', '--mechanism', 'SCRAM-SHA-512', '--data-dir', dataDir, '--password', 'bob-secret']);
  const serve = spawn(process.execPath, [cli, 'serve', '--data-dir', dataDir, '--port', '0', '--sasl-mechanisms', 'SCRAM-SHA-256,SCRAM-SHA-512', '--metrics-port', '0', '--console'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child = serve;
  let output = '';
  base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${output}`)), 30_000);
    serve.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const address = /"event":"http-listening","address":"([^"]+)"/.exec(output)?.[1];
      if (address !== undefined && /listening on 127\.0\.0\.1:\d+/.test(output)) {
        clearTimeout(timer);
        resolve(`http://${address}`);
      }
    });
    serve.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${output}`)));
  });
}, 120_000);

afterAll(async () => {
  if (child === null || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child!.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
});

const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

describe('console under SASL', () => {
  it('refuses the console API without credentials or with a wrong password, and admits PLAIN- and SCRAM-only users', async () => {
    expect((await fetch(`${base}/api/topics`)).status).toBe(401);
    expect((await fetch(`${base}/api/topics`, { headers: basic('alice', 'wrong') })).status).toBe(401);
    expect((await fetch(`${base}/api/topics`, { headers: basic('nobody', 'alice-secret') })).status).toBe(401);
    expect((await fetch(`${base}/api/topics`, { headers: basic('alice', 'alice-secret') })).status).toBe(200);
    expect((await fetch(`${base}/api/topics`, { headers: basic('bob', 'bob-secret') })).status).toBe(200); // SCRAM-SHA-512 only
    expect((await fetch(`${base}/console/`)).status).toBe(401);
  });

  it('keeps /metrics and the health endpoints open for scrapers and probes', async () => {
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});
