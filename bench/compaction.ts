/**
 * Compaction benchmark: the log cleaner (src/storage/cleaner/) on this machine's disk, in temporary
 * directories under os.tmpdir() that are removed afterwards.
 *
 *   partition      `COMPACTION_BENCH_MB` MiB of sealed segments (default 1024; 64 with --quick) of
 *                  1 KiB records in 16 KiB uncompressed batches; every key written 10 times, in a
 *                  scattered order, so 10% of the records are live (the newest of their key).
 *   clean alone    one cleaner pass over the whole partition; MB/s of log read (input cleaned).
 *   key map        bytes the map allocates (log.cleaner.dedupe.buffer.size used) and the bytes its
 *                  entries actually fill (16 B per key; the pass also holds 4 B per key of used
 *                  slots and 8 B per key of sorted newest offsets).
 *   produce        appends of 16 KiB batches (encoded once, copied per append, as a broker
 *                  appends what clients sent), 32 in flight, to another partition of the same
 *                  process, while the cleaner cleans another copy of the partition: in its worker
 *                  thread (as the broker runs it) at log.cleaner.thread.nice 0, at the default and
 *                  at 19 (`COMPACTION_BENCH_NICE`, a comma list, replaces these), capped by
 *                  log.cleaner.io.max.bytes.per.second (Kafka's knob for this trade: reads +
 *                  writes, ~2.1× the MB cleaned at 10% live) at nice 0 and at the default, and
 *                  in-process. Each run's baseline is produce alone just before it (the machine
 *                  is shared: its load moves between runs); records/s as a share of it.
 *   clean + produce the cleaner's MB/s in those concurrent runs.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { definitionOf } from '../src/broker/config-values.js';
import { encodeRecordBatch } from '../src/codec/record-batch.js';
import { CleanerThread } from '../src/storage/cleaner/cleaner-worker.js';
import { cleanLog, type CleanedSegmentsWriter } from '../src/storage/cleaner/log-cleaner.js';
import { OFFSET_MAP_ENTRY_BYTES, OffsetMap } from '../src/storage/cleaner/offset-map.js';
import { nodeFileIO } from '../src/storage/file-io.js';
import type { LogConfig } from '../src/storage/log-config.js';
import { PartitionLog } from '../src/storage/partition-log.js';
import { makeValues, MEGABYTE, resultFor, type BenchResult, type Throughput } from './measure.js';

const SUITE = 'compaction';
const MIB = 1024 * 1024;
const VALUE_BYTES = 1024;
const RECORDS_PER_BATCH = 16;
const WRITES_PER_KEY = 10;
const IN_FLIGHT = 32;
const MAP_BYTES = 64 * MIB;
const CONFIG: Partial<LogConfig> = { segmentBytes: 128 * MIB, retentionMs: -1, compact: true };
const result = resultFor(SUITE);

const suiteStart = performance.now();
function progress(message: string): void {
  console.error(`  compaction [${((performance.now() - suiteStart) / 1000).toFixed(1)} s]: ${message}`);
}

/** Batches of a partition of about `totalBytes` where every key is written WRITES_PER_KEY times. */
function* partitionBatches(totalBytes: number): Generator<Buffer> {
  const values = makeValues(VALUE_BYTES, 97);
  const recordCount = Math.ceil(totalBytes / (VALUE_BYTES + 40));
  const keyCount = Math.max(1, Math.floor(recordCount / WRITES_PER_KEY));
  for (let first = 0; first < recordCount; first += RECORDS_PER_BATCH) {
    const records = [];
    for (let index = first; index < Math.min(recordCount, first + RECORDS_PER_BATCH); index++) {
      // A multiplicative step scatters each key's 10 writes over the whole log.
      const key = (index * 2_654_435_761) % keyCount;
      records.push({ key: `key-${key}`, value: values[index % values.length]!, timestamp: 1_700_000_000_000 + index });
    }
    yield encodeRecordBatch(records);
  }
}

async function buildPartition(directory: string, totalBytes: number): Promise<PartitionLog> {
  const log = await PartitionLog.open(directory, { config: CONFIG });
  let inFlight: Promise<unknown>[] = [];
  for (const batch of partitionBatches(totalBytes)) {
    inFlight.push(log.append(batch));
    if (inFlight.length >= IN_FLIGHT) {
      await Promise.all(inFlight);
      inFlight = [];
    }
  }
  await Promise.all(inFlight);
  await log.roll(); // everything sealed: the cleaner never touches the active segment
  await log.flush();
  return log;
}

/** Appends to `log` until `shouldStop()`, IN_FLIGHT at a time; throughput of what was appended. */
async function produceUntil(log: PartitionLog, shouldStop: () => boolean): Promise<Throughput> {
  const values = makeValues(VALUE_BYTES, 97);
  // Encoded once, copied per append (a broker appends the bytes a client sent; it encodes nothing).
  const templates = Array.from({ length: IN_FLIGHT }, (_, seed) => encodeRecordBatch(Array.from({ length: RECORDS_PER_BATCH }, (_, index) => ({ key: `p-${seed}-${index}`, value: values[(seed + index) % values.length]! }))));
  let records = 0;
  let bytes = 0;
  const start = performance.now();
  const appender = async (seed: number) => {
    while (!shouldStop()) {
      const batch = Buffer.from(templates[seed]!);
      await log.append(batch);
      records += RECORDS_PER_BATCH;
      bytes += batch.length;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, (_, seed) => appender(seed)));
  const seconds = (performance.now() - start) / 1000;
  return { megabytesPerSecond: bytes / MEGABYTE / seconds, recordsPerSecond: records / seconds };
}

async function timedClean(log: PartitionLog, map: OffsetMap, write?: CleanedSegmentsWriter, maxIoBytesPerSecond = -1): Promise<{ throughput: Throughput; mapEntries: number }> {
  const start = performance.now();
  const pass = await cleanLog(log, { map, io: nodeFileIO, nowMs: Date.now(), maxIoBytesPerSecond, ...(write ? { write } : {}) });
  const seconds = (performance.now() - start) / 1000;
  return { throughput: { megabytesPerSecond: pass.bytesRead / MEGABYTE / seconds, recordsPerSecond: pass.recordsRead / seconds }, mapEntries: pass.mapEntries };
}

/** The capped run's cleaner I/O: about 110 MB/s of log cleaned (map pass + rewrite + 10% written). */
const THROTTLE_IO_BYTES_PER_SECOND = 240 * MEGABYTE;
/** log.cleaner.thread.nice's default. */
const DEFAULT_NICE = definitionOf('log.cleaner.thread.nice').defaultValue as number;

/** One cleaner run while producing: where it runs, at what nice increment, under what I/O cap. */
interface ConcurrentRun {
  name: string;
  /** Null: in-process, on the event loop. */
  niceIncrement: number | null;
  maxIoBytesPerSecond: number;
}

function concurrentRuns(): ConcurrentRun[] {
  const nices = (process.env.COMPACTION_BENCH_NICE ?? `0,${DEFAULT_NICE},19`).split(',').map(Number);
  const capped = `log.cleaner.io.max.bytes.per.second=${THROTTLE_IO_BYTES_PER_SECOND / MEGABYTE} MB`;
  return [
    ...nices.map((nice) => ({ name: `worker thread, log.cleaner.thread.nice=${nice}`, niceIncrement: nice, maxIoBytesPerSecond: -1 })),
    { name: `worker thread, log.cleaner.thread.nice=0, ${capped}`, niceIncrement: 0, maxIoBytesPerSecond: THROTTLE_IO_BYTES_PER_SECOND },
    { name: `worker thread, log.cleaner.thread.nice=${DEFAULT_NICE}, ${capped}`, niceIncrement: DEFAULT_NICE, maxIoBytesPerSecond: THROTTLE_IO_BYTES_PER_SECOND },
    { name: 'in-process', niceIncrement: null, maxIoBytesPerSecond: -1 },
  ];
}

export async function runCompactionBench(options: { quick: boolean }): Promise<BenchResult[]> {
  const sizeMiB = Number(process.env.COMPACTION_BENCH_MB ?? (options.quick ? 64 : 1024));
  if (!Number.isFinite(sizeMiB) || sizeMiB <= 0) throw new Error(`COMPACTION_BENCH_MB must be a positive number of MiB, got ${process.env.COMPACTION_BENCH_MB}`);
  const root = mkdtempSync(join(tmpdir(), 'strata-bench-compaction-'));
  const results: BenchResult[] = [];
  const runs = concurrentRuns();
  const logs: PartitionLog[] = [];
  try {
    progress(`writing ${runs.length + 1} ${sizeMiB} MiB partitions (10% live keys)`);
    const alone = await buildPartition(join(root, 'alone-0'), sizeMiB * MIB);
    logs.push(alone);
    for (let index = 0; index < runs.length; index++) logs.push(await buildPartition(join(root, `run-${index}`), sizeMiB * MIB));
    const map = new OffsetMap(MAP_BYTES);

    progress('cleaning alone (in-process)');
    const cleanedAlone = await timedClean(alone, map);
    results.push(result(`clean ${sizeMiB} MiB, 10% live keys (alone, in-process)`, cleanedAlone.throughput, null, null));
    results.push(
      result(`key map: ${(map.memoryBytes / MIB).toFixed(0)} MiB allocated, ${((cleanedAlone.mapEntries * OFFSET_MAP_ENTRY_BYTES) / MIB).toFixed(1)} MiB used (${cleanedAlone.mapEntries.toLocaleString('en-US')} keys), + ${((cleanedAlone.mapEntries * 12) / MIB).toFixed(1)} MiB of slot and offset lists`, { megabytesPerSecond: 0, recordsPerSecond: 0 }, null, null),
    );

    // Other processes share the machine: each concurrent run is compared with produce alone
    // measured just before it, so a change of load between runs does not read as the cleaner's.
    const baselineMs = (options.quick ? 1 : 2) * 1000;
    for (const [index, run] of runs.entries()) {
      const log = logs[index + 1]!;
      const thread = run.niceIncrement === null ? null : CleanerThread.start(run.niceIncrement);
      if (run.niceIncrement !== null && thread === null) throw new Error('the cleaner worker is not built (run npm run build)');
      const write: CleanedSegmentsWriter | undefined = thread === null ? undefined : (compactable, settings) => thread.write(compactable, settings, log.segmentConfig, MAP_BYTES);
      progress(`producing alone, then while the cleaner runs (${run.name})`);
      // A fresh partition per run, removed after it: gigabytes of appends stay out of the page cache.
      const producedDirectory = join(root, `produce-${index}`);
      const producedTo = await PartitionLog.open(producedDirectory, { config: { ...CONFIG, compact: false } });
      const deadline = performance.now() + baselineMs;
      const produceAlone = await produceUntil(producedTo, () => performance.now() > deadline);
      let cleaning = true;
      const [cleaned, produced] = await Promise.all([timedClean(log, map, write, run.maxIoBytesPerSecond).finally(() => (cleaning = false)), produceUntil(producedTo, () => !cleaning)]);
      await thread?.close();
      await producedTo.close();
      rmSync(producedDirectory, { recursive: true, force: true });
      results.push(result(`produce alone, before the run below`, produceAlone, null, null));
      results.push(result(`produce while the cleaner runs (${run.name})`, produced, produceAlone, 'produce alone'));
      results.push(result(`clean ${sizeMiB} MiB while producing (${run.name})`, cleaned.throughput, cleanedAlone.throughput, 'clean alone'));
    }
  } finally {
    for (const log of logs) await log.close();
    rmSync(root, { recursive: true, force: true });
  }
  return results;
}
