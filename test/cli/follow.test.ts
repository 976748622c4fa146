// `strata consume --follow` against a spawned server: it prints records produced after it started
// (LZ4, acks=1 over the wire), and on Ctrl-C (SIGINT) stops cleanly and commits for its group.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp-dir.js';
import { cli, ok, startServe } from './support.js';

async function until(condition: () => boolean, what: () => string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('strata consume --follow', () => {
  it('prints records as they arrive and commits its group on SIGINT', async () => {
    const { bootstrap } = await startServe(tempDir('strata-cli-'));
    ok(['topics', 'create', 'live', '--partitions', '2', '--bootstrap', bootstrap]);
    ok(['produce', 'live', '--key-separator', '=', '--bootstrap', bootstrap], { input: 'a=before\n' });

    const consumer = spawn(process.execPath, [cli, 'consume', 'live', '--follow', '--group', 'tail', '--format', '%k=%s\\n', '--bootstrap', bootstrap], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    consumer.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    consumer.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => consumer.once('exit', resolve));
    try {
      await until(() => stdout.includes('a=before'), () => stdout + stderr);
      ok(['produce', 'live', '--key-separator', '=', '--compression', 'lz4', '--acks', '1', '--bootstrap', bootstrap], { input: 'b=after-1\nc=after-2\n' });
      await until(() => stdout.includes('b=after-1') && stdout.includes('c=after-2'), () => stdout + stderr);
    } finally {
      consumer.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(stderr).toBe('consumed 3 records from live, committed for group tail\n');

    const described = JSON.parse(ok(['groups', 'describe', 'tail', '--json', '--bootstrap', bootstrap])) as { offsets: { lag: number; committedOffset: number }[] };
    expect(described.offsets.length).toBeGreaterThan(0);
    expect(described.offsets.every((row) => row.lag === 0)).toBe(true);
    expect(described.offsets.reduce((sum, row) => sum + row.committedOffset, 0)).toBe(3);
  });

  it('produce sends a line from a pipe that stays open (it does not wait for a full batch)', async () => {
    const { bootstrap } = await startServe(tempDir('strata-cli-'));
    ok(['topics', 'create', 'stream', '--partitions', '1', '--bootstrap', bootstrap]);
    const producer = spawn(process.execPath, [cli, 'produce', 'stream', '--bootstrap', bootstrap], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    producer.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => producer.once('exit', resolve));
    try {
      producer.stdin.write('first line\n');
      let seen = '';
      await until(() => (seen = ok(['consume', 'stream', '--bootstrap', bootstrap])) === 'first line\n', () => seen);
    } finally {
      producer.stdin.end('second line\n');
    }
    expect(await exited).toBe(0);
    expect(stdout).toBe('produced 2 records to stream in 2 batches\n  partition 0: 2 records, offsets 0–1\n');
  });
});
