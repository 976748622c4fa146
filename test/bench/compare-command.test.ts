// `npm run bench` as a user runs it, on a tiny workload, with the peers made unreachable: the
// command must skip them (and unknown or absent suites) with a line saying how to install them,
// still measure Strata and the physical limit, and write the same rows to --json. Only the shape
// of the output is asserted, never a figure (timings belong in bench/, not in tests).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp-dir.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bench = join(root, 'dist', 'bench', 'main.js');

beforeAll(() => {
  execFileSync(process.execPath, [join(root, 'tools', 'ensure-built.mjs')], { stdio: 'inherit' });
}, 120_000);

interface Row {
  suite: string;
  name: string;
  recordsPerSecond: number;
  megabytesPerSecond: number;
  ratioToBaseline: number | null;
  baselineName: string | null;
  p50Ms?: number;
  p99Ms?: number;
}

function runBench(args: readonly string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bench, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run bench -- compare', () => {
  it('skips missing peers and unknown suites with a line each, and writes every row to --json', async () => {
    const directory = tempDir('strata-bench-test-');
    const json = join(directory, 'figures.json');
    const missing = join(directory, 'not-installed');
    const run = await runBench(['compare', 'no-such-suite', '--quick', '--records', '2000', '--json', json], {
      STRATA_BENCH_REDIS_SERVER: join(missing, 'redis-server'),
      STRATA_BENCH_NATS_SERVER: join(missing, 'nats-server'),
      KCAT: join(missing, 'kcat'),
    });
    expect(run.code, run.stderr).toBe(0);

    const hint = 'install the peers with: bash tools/install-bench-peers.sh';
    expect(run.stderr).toContain(`skipping Redis Streams: ${join(missing, 'redis-server')} not found; ${hint}`);
    expect(run.stderr).toContain(`skipping NATS JetStream: ${join(missing, 'nats-server')} not found; ${hint}`);
    expect(run.stderr).toContain(`skipping kcat rows: ${join(missing, 'kcat')} not found`);
    expect(run.stderr).toContain('skipping: unknown suite "no-such-suite" (known: codec, storage, embedded, wire, compaction, observability, compare)');
    // The suite's temporary directory is gone afterwards.
    const temp = /temp directory (\S+);/.exec(run.stderr)?.[1];
    expect(temp, run.stderr).toBeDefined();
    expect(existsSync(temp!)).toBe(false);

    const rows = JSON.parse(readFileSync(json, 'utf8')) as Row[];
    const names = rows.map((row) => row.name);
    for (const shape of ['2 k × 100 B', '2 k × 1 KiB']) {
      for (const name of [
        `physical: fs.writeSync 1 MiB chunks, ${shape}`,
        `physical: fs.readSync 1 MiB chunks, ${shape}`,
        `Strata embedded: produce acks=1, batchSizeBytes 1,000,000, ${shape}`,
        `Strata embedded: produce acks=all, batchSizeBytes 1,000,000, ${shape}`,
        `Strata embedded: consume, iterator, ${shape}`,
        `Strata wire: produce minimal client, acks=1, ${shape}`,
      ]) {
        expect(names).toContain(name);
      }
    }
    expect(names.some((name) => /Redis|NATS|kcat/.test(name))).toBe(false);
    for (const row of rows) {
      expect(row.suite).toBe('compare');
      expect(row.recordsPerSecond).toBeGreaterThan(0);
      if (row.name.startsWith('physical: fs.writeSync 1 MiB chunks,') || row.name.startsWith('physical: fs.readSync')) expect(row.ratioToBaseline).toBeNull();
    }
    const produce = rows.find((row) => row.name.startsWith('Strata embedded: produce acks=1, batchSizeBytes 1,000,000, 2 k × 100 B'))!;
    const limit = rows.find((row) => row.name === 'physical: fs.writeSync 1 MiB chunks, 2 k × 100 B')!;
    expect(produce.baselineName).toBe('physical write');
    expect(produce.ratioToBaseline).toBeCloseTo(produce.recordsPerSecond / limit.recordsPerSecond, 6);
    const latency = rows.find((row) => row.name.startsWith('end-to-end latency Strata embedded'));
    expect(latency?.p50Ms).toBeGreaterThan(0);
    expect(latency!.p99Ms).toBeGreaterThanOrEqual(latency!.p50Ms!);
    expect(rows.find((row) => row.name.startsWith('recovery: Strata Broker.open after SIGKILL'))?.p50Ms).toBeGreaterThan(0);

    // The printed table has the same rows.
    expect(run.stdout).toMatch(/suite\s+benchmark\s+MB\/s\s+records\/s\s+p50 ms\s+p99 ms\s+vs baseline \(same run\)/);
    for (const row of rows) expect(run.stdout).toContain(row.name);
  }, 120_000);
});
