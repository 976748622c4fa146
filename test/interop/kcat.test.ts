// kcat (librdkafka), unmodified, against `strata serve`. CI installs it (tools/install-system-deps.sh).
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { StrataServer } from '../../src/protocol/serve.js';
import { tempDir } from '../support/temp-dir.js';

const servers: StrataServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

/** Runs kcat asynchronously (the server shares this event loop: a sync spawn would starve it). */
function kcat(port: number, args: string[], input?: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', ['-b', `127.0.0.1:${port}`, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('error', (error) => reject(new Error(`kcat could not run (${error.message}): install it with tools/install-system-deps.sh`)));
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

describe('kcat against strata serve', () => {
  it('lists metadata, produces keyed lines with compression, and consumes them back from the beginning', async () => {
    const server = await StrataServer.start({ host: '127.0.0.1', port: 0, broker: { dataDir: tempDir() } });
    servers.push(server);
    const lines = Array.from({ length: 50 }, (_, index) => `key${index % 5}:value ${index}`).join('\n');
    for (const codec of ['none', 'gzip', 'lz4']) {
      const produced = await kcat(server.port, ['-P', '-t', `logs-${codec}`, '-K:', '-z', codec], `${lines}\n`);
      expect(produced.status, produced.stderr).toBe(0);
      const consumed = await kcat(server.port, ['-C', '-t', `logs-${codec}`, '-o', 'beginning', '-e', '-f', '%k|%s|%o\\n']);
      expect(consumed.status, consumed.stderr).toBe(0);
      expect(consumed.stdout.trim().split('\n')).toEqual(Array.from({ length: 50 }, (_, index) => `key${index % 5}|value ${index}|${index}`));
    }
    const metadata = await kcat(server.port, ['-L', '-J']);
    expect(metadata.status, metadata.stderr).toBe(0);
    const parsed = JSON.parse(metadata.stdout) as { brokers: { id: number; name: string }[]; topics: { topic: string; partitions: unknown[] }[] };
    expect(parsed.brokers).toEqual([{ id: 0, name: `127.0.0.1:${server.port}` }]);
    expect(parsed.topics.map((topic) => topic.topic).sort()).toEqual(['logs-gzip', 'logs-lz4', 'logs-none']);
  });

  it('reads from an offset and stops at the end (-o N -e)', async () => {
    const server = await StrataServer.start({ host: '127.0.0.1', port: 0, broker: { dataDir: tempDir() } });
    servers.push(server);
    expect((await kcat(server.port, ['-P', '-t', 'seq'], 'a\nb\nc\nd\n')).status).toBe(0);
    const tail = await kcat(server.port, ['-C', '-t', 'seq', '-p', '0', '-o', '2', '-e', '-f', '%s@%o\\n']);
    expect(tail.stdout.trim().split('\n')).toEqual(['c@2', 'd@3']);
  });
});
