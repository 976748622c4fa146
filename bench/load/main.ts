/**
 * The load run (issue 8; not in CI): a `strata serve` child under many concurrent connections
 * and many partitions with steady produce and consume, sampled over time: server RSS, its open
 * file descriptors (/proc/<pid>/fd), connections, records produced and consumed, produce latency
 * (p50/p99/max per sample). At the end: peak and final RSS, fd growth, overall latency, errors,
 * and what each partition and each connection cost in file descriptors.
 *
 *   npm run build && node dist/bench/load/main.js [--connections 1000] [--partitions 1000]
 *     [--duration-s 600] [--sample-s 10] [--acks 1|-1] [--batches-per-s 2] [--records-per-batch 10]
 *     [--record-bytes 100] [--segment-bytes 262144] [--json out.json]
 *
 * Half the connections produce (each to its own share of the partitions, one batch at a time, at
 * --batches-per-s), half consume (long-poll Fetch over their share, from the start). Small
 * segments (--segment-bytes) make partitions roll during the run, so a descriptor leak per segment
 * shows up as fd growth.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeRecordBatch } from '../../src/codec/record-batch.js';
import type { WireConnection } from '../../src/protocol/wire-connection.js';
import { connectTo, createTopic, fetchOnce, produce } from '../wire-client.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const TOPIC = 'load';
/** Connections opened at once while ramping up (the listen backlog is 511). */
const CONNECT_BATCH = 50;

interface LoadOptions {
  connections: number;
  partitions: number;
  durationS: number;
  sampleS: number;
  acks: -1 | 1;
  batchesPerS: number;
  recordsPerBatch: number;
  recordBytes: number;
  segmentBytes: number;
  json: string | null;
}

interface Sample {
  atS: number;
  rssMiB: number;
  fds: number;
  connections: number;
  produced: number;
  consumed: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
}

function parseOptions(argv: readonly string[]): LoadOptions {
  const options: LoadOptions = { connections: 1000, partitions: 1000, durationS: 600, sampleS: 10, acks: 1, batchesPerS: 2, recordsPerBatch: 10, recordBytes: 100, segmentBytes: 256 * 1024, json: null };
  const numeric: Record<string, keyof LoadOptions> = {
    '--connections': 'connections', '--partitions': 'partitions', '--duration-s': 'durationS', '--sample-s': 'sampleS', '--acks': 'acks',
    '--batches-per-s': 'batchesPerS', '--records-per-batch': 'recordsPerBatch', '--record-bytes': 'recordBytes', '--segment-bytes': 'segmentBytes',
  };
  for (let index = 0; index < argv.length; index += 2) {
    const flag = argv[index]!;
    const value = argv[index + 1];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--json') options.json = value;
    else if (numeric[flag] !== undefined && Number.isFinite(Number(value))) (options as unknown as Record<string, number>)[numeric[flag]] = Number(value);
    else throw new Error(`unknown flag or bad number: ${flag} ${value}`);
  }
  if (options.acks !== 1 && options.acks !== -1) throw new Error('--acks must be 1 or -1');
  if (options.connections < 2 || options.partitions < 1) throw new Error('--connections must be ≥ 2 and --partitions ≥ 1');
  return options;
}

// ---- the server and /proc -----------------------------------------------------------------

async function startServer(dataDir: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--data-dir', dataDir, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 100_000) output = output.slice(-50_000);
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on [^:]+:(\d+)/.exec(output);
      if (match !== null) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`strata serve exited with ${code}: ${output}`)));
  });
  return { child, port };
}

function rssMiBOf(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match === null ? NaN : Number(match[1]) / 1024;
}

function fdCountOf(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

function openFilesLimitOf(pid: number): string {
  const line = readFileSync(`/proc/${pid}/limits`, 'utf8').split('\n').find((candidate) => candidate.startsWith('Max open files'));
  return line?.replace(/\s+/g, ' ').trim() ?? '?';
}

function quantileOf(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!;
}

// ---- load ---------------------------------------------------------------------------------

interface Counters {
  produced: number;
  consumed: number;
  errors: Map<string, number>;
  latenciesMs: number[];
  allLatenciesMs: number[];
}

function countError(counters: Counters, error: unknown): void {
  const message = (error instanceof Error ? error.message : String(error)).replace(/\d+/g, 'N');
  counters.errors.set(message, (counters.errors.get(message) ?? 0) + 1);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The partitions connection `index` of `count` works on: index, index + count, … */
function shareOf(index: number, count: number, partitions: number): number[] {
  const share: number[] = [];
  for (let partition = index % partitions; partition < partitions; partition += count) share.push(partition);
  return share.length > 0 ? share : [index % partitions];
}

async function produceLoop(client: WireConnection, partitions: number[], options: LoadOptions, counters: Counters, running: () => boolean): Promise<void> {
  const value = Buffer.alloc(options.recordBytes, 'x');
  const intervalMs = 1000 / options.batchesPerS;
  await sleep(Math.random() * intervalMs); // spread the connections over the interval
  for (let turn = 0; running(); turn++) {
    const startMs = performance.now();
    const partition = partitions[turn % partitions.length]!;
    try {
      await produce(client, TOPIC, partition, encodeRecordBatch(Array.from({ length: options.recordsPerBatch }, () => ({ value }))), options.acks);
      const latencyMs = performance.now() - startMs;
      counters.latenciesMs.push(latencyMs);
      counters.allLatenciesMs.push(latencyMs);
      counters.produced += options.recordsPerBatch;
    } catch (error) {
      countError(counters, error);
      if (!running()) return;
      await sleep(1000);
    }
    await sleep(Math.max(0, intervalMs - (performance.now() - startMs)));
  }
}

async function consumeLoop(client: WireConnection, partitions: number[], counters: Counters, running: () => boolean): Promise<void> {
  const offsets = partitions.map(() => 0);
  for (let turn = 0; running(); turn++) {
    const index = turn % partitions.length;
    try {
      const { records, nextOffset } = await fetchOnce(client, TOPIC, partitions[index]!, offsets[index]!, 500);
      counters.consumed += records;
      offsets[index] = nextOffset;
    } catch (error) {
      countError(counters, error);
      if (!running()) return;
      await sleep(1000);
    }
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const dataDir = mkdtempSync(join(tmpdir(), 'strata-load-'));
  const { child, port } = await startServer(dataDir);
  const pid = child.pid!;
  const log = (line: string) => console.log(line);
  try {
    log(`load: strata serve pid ${pid} on port ${port}, data in ${dataDir}; ${openFilesLimitOf(pid)}`);
    const admin = await connectTo(port);
    const fdsIdle = fdCountOf(pid);
    await createTopic(admin, TOPIC, options.partitions, { 'segment.bytes': String(options.segmentBytes) });
    const fdsWithPartitions = fdCountOf(pid);
    log(`load: ${options.partitions} partitions created: fds ${fdsIdle} → ${fdsWithPartitions} (${((fdsWithPartitions - fdsIdle) / options.partitions).toFixed(2)} per partition)`);

    const clients: WireConnection[] = [];
    for (let opened = 0; opened < options.connections; opened += CONNECT_BATCH) {
      const batch = Math.min(CONNECT_BATCH, options.connections - opened);
      clients.push(...(await Promise.all(Array.from({ length: batch }, () => connectTo(port)))));
    }
    const fdsWithConnections = fdCountOf(pid);
    log(`load: ${options.connections} connections open: fds ${fdsWithPartitions} → ${fdsWithConnections} (${((fdsWithConnections - fdsWithPartitions) / options.connections).toFixed(2)} per connection)`);

    const counters: Counters = { produced: 0, consumed: 0, errors: new Map(), latenciesMs: [], allLatenciesMs: [] };
    let running = true;
    const producers = Math.ceil(options.connections / 2);
    const consumers = options.connections - producers;
    const loops = clients.map((client, index) =>
      index < producers
        ? produceLoop(client, shareOf(index, producers, options.partitions), options, counters, () => running)
        : consumeLoop(client, shareOf(index - producers, consumers, options.partitions), counters, () => running),
    );

    const samples: Sample[] = [];
    const startMs = performance.now();
    log('   t(s)  RSS(MiB)    fds  produced/s  consumed/s  p50(ms)  p99(ms)  max(ms)  errors');
    let last = { produced: 0, consumed: 0, atMs: startMs };
    while (performance.now() - startMs < options.durationS * 1000) {
      await sleep(Math.min(options.sampleS * 1000, options.durationS * 1000 - (performance.now() - startMs)));
      const nowMs = performance.now();
      const latencies = counters.latenciesMs.splice(0).sort((a, b) => a - b);
      const errors = [...counters.errors.values()].reduce((sum, count) => sum + count, 0);
      const sample: Sample = {
        atS: Math.round((nowMs - startMs) / 1000),
        rssMiB: rssMiBOf(pid),
        fds: fdCountOf(pid),
        connections: options.connections,
        produced: counters.produced,
        consumed: counters.consumed,
        p50Ms: quantileOf(latencies, 0.5),
        p99Ms: quantileOf(latencies, 0.99),
        maxMs: latencies[latencies.length - 1] ?? NaN,
        errors,
      };
      samples.push(sample);
      const seconds = (nowMs - last.atMs) / 1000;
      log(
        `${String(sample.atS).padStart(7)}  ${sample.rssMiB.toFixed(0).padStart(8)}  ${String(sample.fds).padStart(5)}  ${((sample.produced - last.produced) / seconds).toFixed(0).padStart(10)}  ` +
          `${((sample.consumed - last.consumed) / seconds).toFixed(0).padStart(10)}  ${sample.p50Ms.toFixed(1).padStart(7)}  ${sample.p99Ms.toFixed(1).padStart(7)}  ${sample.maxMs.toFixed(0).padStart(7)}  ${String(errors).padStart(6)}`,
      );
      last = { produced: sample.produced, consumed: sample.consumed, atMs: nowMs };
    }
    running = false;
    await Promise.all(loops);
    for (const client of clients) void client.close();
    void admin.close();
    await sleep(500);
    const fdsAfterClose = fdCountOf(pid);

    const all = counters.allLatenciesMs.sort((a, b) => a - b);
    const summary = {
      options,
      peakRssMiB: Math.max(...samples.map((sample) => sample.rssMiB)),
      firstRssMiB: samples[0]?.rssMiB,
      lastRssMiB: samples[samples.length - 1]?.rssMiB,
      fds: { idle: fdsIdle, withPartitions: fdsWithPartitions, withConnections: fdsWithConnections, peak: Math.max(...samples.map((sample) => sample.fds)), afterClientsClosed: fdsAfterClose },
      produced: counters.produced,
      consumed: counters.consumed,
      produceLatencyMs: { p50: quantileOf(all, 0.5), p99: quantileOf(all, 0.99), p999: quantileOf(all, 0.999), max: all[all.length - 1] },
      errors: Object.fromEntries(counters.errors),
      samples,
    };
    log(
      `load summary: ${options.connections} connections, ${options.partitions} partitions, ${options.durationS} s, acks=${options.acks}: ` +
        `${summary.produced} records produced, ${summary.consumed} consumed; produce latency p50 ${summary.produceLatencyMs.p50.toFixed(1)} ms, ` +
        `p99 ${summary.produceLatencyMs.p99.toFixed(1)} ms, p99.9 ${summary.produceLatencyMs.p999.toFixed(1)} ms, max ${summary.produceLatencyMs.max?.toFixed(0)} ms; ` +
        `RSS first/peak/last ${summary.firstRssMiB?.toFixed(0)}/${summary.peakRssMiB.toFixed(0)}/${summary.lastRssMiB?.toFixed(0)} MiB; ` +
        `fds idle ${fdsIdle}, with partitions ${fdsWithPartitions}, with connections ${fdsWithConnections}, peak ${summary.fds.peak}, after clients closed ${fdsAfterClose}; ` +
        `errors ${JSON.stringify(summary.errors)}`,
    );
    if (options.json !== null) writeFileSync(options.json, JSON.stringify(summary, null, 2));
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const stopMs = performance.now();
    child.kill('SIGTERM');
    await exited;
    log(`load: clean shutdown took ${((performance.now() - stopMs) / 1000).toFixed(1)} s`);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`load: ${error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
});
