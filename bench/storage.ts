/**
 * Storage benchmark: the partition log (src/storage/partition-log.ts) on this machine's disk, in
 * temporary directories under os.tmpdir() that are removed afterwards.
 *
 *   append          16 KiB batches of 100 B and 1 KiB records, no fsync: 64 appends in flight (a
 *                   broker with many producers) and one awaited appender. Baseline (same run):
 *                   fs.writeSync of the same bytes in 1 MiB chunks, the most Node can write.
 *   group commit    8 appenders, each `await append(); await flush()`; vs the no-fsync figure.
 *   sequential read read(offset, 1 MiB) over the whole log from the page cache; baseline
 *                   fs.readSync of the .log files in 1 MiB chunks.
 *   random read     read(randomOffset, 64 KiB): p50/p99 latency; baseline fs.readSync of 64 KiB at
 *                   random positions.
 *   recovery        reopen after an unclean stop (small unflushed tail; full scan) and after a
 *                   clean shutdown.
 *   many segments   open after a clean shutdown of a log of 10,000 small segments.
 *   RSS             process RSS after opening and reading a 1 GiB log vs a 10 GiB log (4 GiB or less
 *                   when the disk has under 25 GiB free), each in a
 *                   fresh child process (`node --expose-gc`), so earlier work does not count.
 *
 * Figures that are times rather than throughputs (opens, recovery) are medians of a few runs,
 * shown in the p50 column. RSS rows: growth of a fresh child's RSS after opening the log and
 * reading it twice (median of 3 children, then min..max); "mmap pinned" is the same with glibc's
 * mmap threshold fixed at 128 KiB (no freed read buffers kept in the heap); "JS-held" is V8 heap
 * plus ArrayBuffers (index buffers) in MB; MB/s is the child's read rate, p50 its open time.
 * Noisy machines: every append/read throughput is a median of alternating rounds, each next to its
 * baseline.
 */

import { spawnSync } from 'node:child_process';
import { closeSync, fdatasyncSync, fstatSync, mkdtempSync, openSync, readdirSync, readSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { batchSizeAt, lastOffsetAt } from '../src/codec/record-batch-header.js';
import { encodeRecordBatch } from '../src/codec/record-batch.js';
import type { RecordInput } from '../src/codec/record.js';
import { nodeFileIO, type FileIO, type StorageFile } from '../src/storage/file-io.js';
import type { LogConfig } from '../src/storage/log-config.js';
import { PartitionLog } from '../src/storage/partition-log.js';
import { median, MEGABYTE, quantile, throughputOf, type BenchResult, type Transfer } from './measure.js';

export interface StorageBenchOptions {
  quick: boolean;
}

const SUITE = 'storage';
const KIB = 1024;
const MIB = 1024 * KIB;
const GIB = 1024 * MIB;
const BATCH_BYTES = 16 * KIB;
const RECORD_COUNT_FIELD = 57;
const RSS_CHILD_COMMAND = 'strata-storage-bench-rss-child';

// ---- helpers --------------------------------------------------------------------------------

const suiteStart = performance.now();

function progress(message: string): void {
  console.error(`  storage [${((performance.now() - suiteStart) / 1000).toFixed(1)} s]: ${message}`);
}

function formatBytes(bytes: number): string {
  if (bytes >= GIB) return `${(bytes / GIB).toFixed(2)} GiB`;
  return `${(bytes / MIB).toFixed(0)} MiB`;
}

function recordCountOf(batch: Buffer): number {
  return batch.readInt32BE(RECORD_COUNT_FIELD);
}

/** Log-line-like values, as in the codec bench; `seed` makes distinct batches. */
function makeRecords(valueBytes: number, count: number, seed: number): RecordInput[] {
  const words = ['GET', 'POST', '/api/v1/orders', '/health', '200', '404', 'user=', 'latency_ms=', 'ok', 'error'];
  return Array.from({ length: count }, (_, index) => {
    const timestamp = 1_700_000_000_000 + seed * 100_000 + index;
    let text = `${new Date(timestamp).toISOString()} host-${(index + seed) % 13} `;
    for (let word = index + seed * 7919; text.length < valueBytes; word = (word * 31 + 7) % 9973) text += `${words[word % words.length]}${word} `;
    return { key: `key-${(index + seed) % 100}`, value: text.slice(0, valueBytes), timestamp };
  });
}

/** The largest batch of `valueBytes` records that fits in `batchBytes`. */
function makeBatch(valueBytes: number, batchBytes: number, seed: number): Buffer {
  for (let count = Math.max(1, Math.floor(batchBytes / (valueBytes + 16))); ; count--) {
    const batch = encodeRecordBatch(makeRecords(valueBytes, count, seed));
    if (batch.length <= batchBytes || count === 1) return batch;
  }
}

interface Shape {
  label: string;
  batches: Buffer[];
}

function makeShape(valueBytes: number): Shape {
  const batches = Array.from({ length: 4 }, (_, seed) => makeBatch(valueBytes, BATCH_BYTES, seed));
  const label = `${valueBytes >= KIB ? `${valueBytes / KIB} KiB` : `${valueBytes} B`} records, 16 KiB batches`;
  return { label, batches };
}

/** A 1 MiB chunk made of the shape's batches back to back (the bytes the log would hold). */
function chunkOf(batches: readonly Buffer[]): Buffer {
  const chunk = Buffer.allocUnsafe(MIB);
  for (let position = 0, index = 0; position < chunk.length; index++) position += batches[index % batches.length]!.copy(chunk, position);
  return chunk;
}

interface IoCounters {
  datasyncs: number;
  directorySyncs: number;
}

/**
 * nodeFileIO, counting fsyncs; with `skipSync` the fsyncs are skipped — used only to build large
 * logs quickly (the files are the same ones a broker writes, just not forced to disk).
 */
function countingIO(options: { skipSync: boolean }): { io: FileIO; counters: IoCounters } {
  const counters: IoCounters = { datasyncs: 0, directorySyncs: 0 };
  const wrap = (file: StorageFile): StorageFile => ({
    path: file.path,
    write: (buffers, position) => file.write(buffers, position),
    read: (target, targetOffset, length, position) => file.read(target, targetOffset, length, position),
    datasync: async () => {
      if (options.skipSync) return;
      counters.datasyncs++;
      await file.datasync();
    },
    truncate: (sizeBytes) => file.truncate(sizeBytes),
    sizeBytes: () => file.sizeBytes(),
    close: () => file.close(),
  });
  const io: FileIO = {
    ...nodeFileIO,
    open: async (path, openOptions) => wrap(await nodeFileIO.open(path, openOptions)),
    syncDirectory: async (directory) => {
      if (options.skipSync) return;
      counters.directorySyncs++;
      await nodeFileIO.syncDirectory(directory);
    },
  };
  return { io, counters };
}

function megabytesPerSecond(transfer: Transfer): number {
  return transfer.bytes / MEGABYTE / transfer.seconds;
}

function recordsPerSecond(transfer: Transfer): number {
  return transfer.records / transfer.seconds;
}

/**
 * Appends `batchCount` batches with `window` appends outstanding. Each in-flight slot owns its
 * buffer until its append resolves: append() rewrites baseOffset in the caller's buffer when the
 * writer takes its group, so one buffer queued twice would get the later offset in both copies.
 */
async function appendBatches(log: PartitionLog, sources: readonly Buffer[], batchCount: number, window: number): Promise<Transfer> {
  let issued = 0;
  let bytes = 0;
  let records = 0;
  const slot = async (slotIndex: number): Promise<void> => {
    const mine = window === 1 ? sources : [Buffer.from(sources[slotIndex % sources.length]!)];
    for (let turn = 0; issued < batchCount; turn++) {
      issued++;
      const batch = mine[turn % mine.length]!;
      await log.append(batch);
      bytes += batch.length;
      records += recordCountOf(batch);
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: Math.min(window, batchCount) }, (_, index) => slot(index)));
  return { bytes, records, seconds: (performance.now() - start) / 1000 };
}

function writeSyncFile(path: string, chunk: Buffer, chunkCount: number, recordsPerChunk: number): Transfer {
  const start = performance.now();
  const fd = openSync(path, 'w');
  try {
    for (let index = 0; index < chunkCount; index++) {
      for (let written = 0; written < chunk.length; ) written += writeSync(fd, chunk, written, chunk.length - written);
    }
  } finally {
    closeSync(fd);
  }
  return { bytes: chunk.length * chunkCount, records: recordsPerChunk * chunkCount, seconds: (performance.now() - start) / 1000 };
}

/** Records in `bytes` (whole batches) and the offset after the last one. */
function walkBatches(bytes: Buffer): { records: number; nextOffset: number } {
  let records = 0;
  let nextOffset = -1;
  for (let position = 0; position < bytes.length; position += batchSizeAt(bytes, position)) {
    records += recordCountOf(bytes.subarray(position));
    nextOffset = lastOffsetAt(bytes, position) + 1;
  }
  return { records, nextOffset };
}

/** Reads the whole log front to back with read(offset, maxBytes). */
async function readWholeLog(log: PartitionLog, maxBytes: number): Promise<Transfer> {
  let bytes = 0;
  let records = 0;
  const end = log.logEndOffset;
  const start = performance.now();
  for (let offset = log.logStartOffset; offset < end; ) {
    const chunk = await log.read(offset, maxBytes);
    if (chunk.length === 0) throw new Error(`empty read at offset ${offset} before the log end ${end}`);
    const walked = walkBatches(chunk);
    bytes += chunk.length;
    records += walked.records;
    offset = walked.nextOffset;
  }
  return { bytes, records, seconds: (performance.now() - start) / 1000 };
}

function logFiles(directory: string): string[] {
  return readdirSync(directory)
    .filter((name) => name.endsWith('.log'))
    .sort()
    .map((name) => join(directory, name));
}

/** Sequential fs.readSync of every .log file in 1 MiB chunks. */
function readSyncFiles(files: readonly string[], recordsPerByte: number): Transfer {
  const buffer = Buffer.allocUnsafe(MIB);
  let bytes = 0;
  const start = performance.now();
  for (const file of files) {
    const fd = openSync(file, 'r');
    try {
      for (let position = 0, bytesRead = -1; bytesRead !== 0; position += bytesRead) {
        bytesRead = readSync(fd, buffer, 0, MIB, position);
        bytes += bytesRead;
      }
    } finally {
      closeSync(fd);
    }
  }
  return { bytes, records: bytes * recordsPerByte, seconds: (performance.now() - start) / 1000 };
}

function makeTempRoot(): string {
  return mkdtempSync(join(tmpdir(), 'strata-bench-storage-'));
}

function result(name: string, transfer: { megabytesPerSecond: number; recordsPerSecond: number }, baseline: number | null, baselineName: string | null, extra: Partial<BenchResult> = {}): BenchResult {
  return {
    suite: SUITE,
    name,
    megabytesPerSecond: transfer.megabytesPerSecond,
    recordsPerSecond: transfer.recordsPerSecond,
    ratioToBaseline: baseline === null ? null : transfer.megabytesPerSecond / baseline,
    baselineName,
    ...extra,
  };
}

// ---- 1-2: append without fsync ----------------------------------------------------------------

interface AppendFigures {
  window64: number;
  single: number;
}

async function benchAppend(root: string, shape: Shape, totalBytes: number, rounds: number, results: BenchResult[]): Promise<AppendFigures> {
  const batchCount = Math.ceil(totalBytes / shape.batches[0]!.length);
  const chunk = chunkOf(shape.batches);
  const recordsPerChunk = (chunk.length / shape.batches[0]!.length) * recordCountOf(shape.batches[0]!);
  const chunkCount = Math.ceil(totalBytes / MIB);
  const baseline: Transfer[] = [];
  const window64: Transfer[] = [];
  const single: Transfer[] = [];
  // Untimed warm-up: on a VM, the first writes into never-touched page-cache memory are much slower.
  const warmUpFile = join(root, 'warm-up.bin');
  writeSyncFile(warmUpFile, chunk, chunkCount, recordsPerChunk);
  rmSync(warmUpFile, { force: true });
  for (let round = 0; round < rounds; round++) {
    progress(`append ${shape.label}: round ${round + 1}/${rounds} (${formatBytes(totalBytes)} each)`);
    const file = join(root, `baseline-${round}.bin`);
    baseline.push(writeSyncFile(file, chunk, chunkCount, recordsPerChunk));
    rmSync(file, { force: true });
    for (const [window, into] of [
      [64, window64],
      [1, single],
    ] as const) {
      const directory = join(root, `append-${window}-${round}`);
      const log = await PartitionLog.open(directory, {});
      into.push(await appendBatches(log, shape.batches, batchCount, window));
      await log.close();
      rmSync(directory, { recursive: true, force: true });
    }
  }
  const base = throughputOf(baseline);
  const figures = { window64: throughputOf(window64), single: throughputOf(single) };
  results.push(result(`baseline: fs.writeSync 1 MiB chunks, ${shape.label}`, base, null, null));
  results.push(result(`append no fsync, 64 in flight, ${shape.label}`, figures.window64, base.megabytesPerSecond, 'writeSync'));
  results.push(result(`append no fsync, 1 awaited appender, ${shape.label}`, figures.single, base.megabytesPerSecond, 'writeSync'));
  return { window64: figures.window64.megabytesPerSecond, single: figures.single.megabytesPerSecond };
}

/**
 * Untimed: appends 512 MiB once, so that the timed rounds see the append path compiled: in a
 * process's first ~30,000 appends V8 recompiles it on background threads, which compete for the 2
 * cores (a driver appending 256 MiB rounds ran 0.54, 0.47, 0.34, then 0.31 ms of main-thread CPU
 * per MiB with writes stubbed out, and whichever record size it ran first measured about half).
 */
async function warmUpAppendPath(root: string, shape: Shape): Promise<void> {
  progress('append warm-up: 512 MiB, untimed');
  const directory = join(root, 'append-warm-up');
  const log = await PartitionLog.open(directory, {});
  await appendBatches(log, shape.batches, Math.ceil((512 * MIB) / shape.batches[0]!.length), 64);
  await log.close();
  rmSync(directory, { recursive: true, force: true });
}

// ---- 3: group commit --------------------------------------------------------------------------

/**
 * The fsync-bound limit for 8 appenders that each wait for their fsync: writeSync of 8 batches
 * (one per appender) then fdatasync, in a loop, for the same time budget.
 */
function fsyncBoundBaseline(root: string, shape: Shape, budgetMs: number): Transfer & { syncLatenciesMs: number[] } {
  const round = Buffer.concat(Array.from({ length: 8 }, (_, index) => shape.batches[index % shape.batches.length]!));
  const recordsPerRound = 8 * recordCountOf(shape.batches[0]!);
  const file = join(root, 'fsync-baseline.bin');
  const fd = openSync(file, 'w');
  const syncLatenciesMs: number[] = [];
  let bytes = 0;
  let records = 0;
  const start = performance.now();
  try {
    for (let position = 0; performance.now() - start < budgetMs; position += round.length) {
      writeSync(fd, round, 0, round.length, position);
      const syncStart = performance.now();
      fdatasyncSync(fd);
      syncLatenciesMs.push(performance.now() - syncStart);
      bytes += round.length;
      records += recordsPerRound;
    }
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
  return { bytes, records, seconds: (performance.now() - start) / 1000, syncLatenciesMs };
}

async function benchGroupCommit(root: string, shape: Shape, noFsyncMegabytesPerSecond: number, budgetMs: number, results: BenchResult[]): Promise<void> {
  progress(`group commit ${shape.label}: fsync-bound baseline (writeSync 8 batches + fdatasync), ${budgetMs} ms`);
  const bound = fsyncBoundBaseline(root, shape, budgetMs);
  const boundMegabytesPerSecond = bound.bytes / MEGABYTE / bound.seconds;
  bound.syncLatenciesMs.sort((a, b) => a - b);
  results.push(
    result(`baseline: writeSync 8 batches + fdatasync, loop (the fsync-bound limit), ${shape.label}`, { megabytesPerSecond: boundMegabytesPerSecond, recordsPerSecond: bound.records / bound.seconds }, null, null, {
      p50Ms: quantile(bound.syncLatenciesMs, 0.5),
      p99Ms: quantile(bound.syncLatenciesMs, 0.99),
    }),
  );
  progress(`group commit ${shape.label}: 8 appenders, ${budgetMs} ms`);
  const directory = join(root, 'group-commit');
  const { io, counters } = countingIO({ skipSync: false });
  const log = await PartitionLog.open(directory, { io });
  const warmUpMs = Math.min(300, budgetMs / 5);
  const start = performance.now();
  const measureFrom = start + warmUpMs;
  const deadline = measureFrom + budgetMs;
  const latencies: number[] = [];
  let bytes = 0;
  let records = 0;
  let syncsAtStart = -1;
  const appender = async (index: number): Promise<void> => {
    const batch = Buffer.from(shape.batches[index % shape.batches.length]!);
    const batchRecords = recordCountOf(batch);
    for (;;) {
      const began = performance.now();
      if (began >= deadline) return;
      if (began >= measureFrom && syncsAtStart < 0) syncsAtStart = counters.datasyncs;
      await log.append(batch);
      await log.flush();
      if (began >= measureFrom) {
        latencies.push(performance.now() - began);
        bytes += batch.length;
        records += batchRecords;
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, (_, index) => appender(index)));
  const seconds = (performance.now() - measureFrom) / 1000;
  const fsyncs = counters.datasyncs - Math.max(0, syncsAtStart);
  await log.close();
  rmSync(directory, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  const transfer = { bytes, records, seconds };
  const appendsPerFsync = latencies.length / Math.max(1, fsyncs);
  results.push(
    result(`group commit: 8 appenders, append+flush (${appendsPerFsync.toFixed(1)} appends/fsync), ${shape.label}`, { megabytesPerSecond: megabytesPerSecond(transfer), recordsPerSecond: recordsPerSecond(transfer) }, noFsyncMegabytesPerSecond, 'append 64 no fsync', {
      p50Ms: quantile(latencies, 0.5),
      p99Ms: quantile(latencies, 0.99),
    }),
    result(`group commit vs the fsync-bound limit, ${shape.label}`, { megabytesPerSecond: megabytesPerSecond(transfer), recordsPerSecond: recordsPerSecond(transfer) }, boundMegabytesPerSecond, 'writeSync+fdatasync'),
  );
}

// ---- 4-6: reads and recovery on one multi-segment log ---------------------------------------------

interface MainLog {
  directory: string;
  flushedPoint: number;
  logEndOffset: number;
  bytes: number;
  records: number;
  segments: number;
}

async function buildMainLog(root: string, shape: Shape, totalBytes: number, segmentBytes: number, tailBytes: number): Promise<MainLog> {
  const directory = join(root, 'main-log');
  const config: Partial<LogConfig> = { segmentBytes };
  progress(`building a ${formatBytes(totalBytes)} log (${formatBytes(segmentBytes)} segments, fsynced) + ${formatBytes(tailBytes)} unflushed tail`);
  const log = await PartitionLog.open(directory, { config });
  const batchBytes = shape.batches[0]!.length;
  const body = await appendBatches(log, shape.batches, Math.ceil(totalBytes / batchBytes), 64);
  await log.flush();
  const flushedPoint = log.recoveryPoint;
  const tail = await appendBatches(log, shape.batches, Math.ceil(tailBytes / batchBytes), 64);
  const logEndOffset = log.logEndOffset;
  const segments = log.segmentInfos().length;
  const bytes = log.sizeBytes;
  await log.close();
  return { directory, flushedPoint, logEndOffset, bytes, records: body.records + tail.records, segments };
}

async function benchSequentialRead(main: MainLog, rounds: number, results: BenchResult[]): Promise<number> {
  const recordsPerByte = main.records / main.bytes;
  const files = logFiles(main.directory);
  const log = await PartitionLog.open(main.directory, { cleanShutdown: true });
  const baseline: Transfer[] = [];
  const viaLog: Transfer[] = [];
  try {
    await readWholeLog(log, MIB); // warm-up: loads the sealed segments' indexes once, as a broker would
    for (let round = 0; round < rounds; round++) {
      progress(`sequential read of ${formatBytes(main.bytes)}: round ${round + 1}/${rounds}`);
      baseline.push(readSyncFiles(files, recordsPerByte));
      const transfer = await readWholeLog(log, MIB);
      if (transfer.bytes !== main.bytes) throw new Error(`read ${transfer.bytes} bytes of a ${main.bytes}-byte log`);
      viaLog.push(transfer);
    }
  } finally {
    await log.close();
  }
  const base = throughputOf(baseline);
  const label = `${formatBytes(main.bytes)} in ${main.segments} segments, page cache`;
  results.push(result(`baseline: fs.readSync .log files, 1 MiB chunks, ${label}`, base, null, null));
  results.push(result(`sequential read(offset, 1 MiB), ${label}`, throughputOf(viaLog), base.megabytesPerSecond, 'readSync'));
  return base.megabytesPerSecond;
}

async function benchRandomRead(main: MainLog, samples: number, results: BenchResult[]): Promise<void> {
  progress(`random reads: ${samples} × read(randomOffset, 64 KiB) and ${samples} × fs.readSync 64 KiB`);
  const maxBytes = 64 * KIB;
  // Baseline: 64 KiB at a random byte position of a random .log file (weighted by size).
  const files = logFiles(main.directory).map((path) => {
    const fd = openSync(path, 'r');
    return { fd, size: fstatSync(fd).size };
  });
  const totalSize = files.reduce((sum, file) => sum + file.size, 0);
  const buffer = Buffer.allocUnsafe(maxBytes);
  const baseLatencies: number[] = [];
  let baseBytes = 0;
  const baseStart = performance.now();
  try {
    for (let sample = 0; sample < samples; sample++) {
      let position = Math.floor(Math.random() * Math.max(1, totalSize - maxBytes));
      let file = files[0]!;
      for (const candidate of files) {
        file = candidate;
        if (position < candidate.size) break;
        position -= candidate.size;
      }
      const began = performance.now();
      baseBytes += readSync(file.fd, buffer, 0, maxBytes, position);
      baseLatencies.push(performance.now() - began);
    }
  } finally {
    for (const file of files) closeSync(file.fd);
  }
  const baseSeconds = (performance.now() - baseStart) / 1000;

  const log = await PartitionLog.open(main.directory, { cleanShutdown: true });
  const latencies: number[] = [];
  let bytes = 0;
  let records = 0;
  let start = 0;
  try {
    for (let sample = -Math.min(200, samples); sample < samples; sample++) {
      if (sample === 0) start = performance.now(); // the negative samples warm up (index loads)
      const offset = log.logStartOffset + Math.floor(Math.random() * (log.logEndOffset - log.logStartOffset));
      const began = performance.now();
      const chunk = await log.read(offset, maxBytes);
      const elapsed = performance.now() - began;
      if (sample < 0) continue;
      latencies.push(elapsed);
      bytes += chunk.length;
      records += walkBatches(chunk).records;
    }
  } finally {
    await log.close();
  }
  const seconds = (performance.now() - start) / 1000;
  baseLatencies.sort((a, b) => a - b);
  latencies.sort((a, b) => a - b);
  const recordsPerByte = main.records / main.bytes;
  const base = { megabytesPerSecond: baseBytes / MEGABYTE / baseSeconds, recordsPerSecond: (baseBytes * recordsPerByte) / baseSeconds };
  results.push(result('baseline: fs.readSync 64 KiB at random positions, page cache', base, null, null, { p50Ms: quantile(baseLatencies, 0.5), p99Ms: quantile(baseLatencies, 0.99) }));
  results.push(
    result(`random read(randomOffset, 64 KiB), ${formatBytes(main.bytes)} log`, { megabytesPerSecond: bytes / MEGABYTE / seconds, recordsPerSecond: records / seconds }, base.megabytesPerSecond, 'readSync random', {
      p50Ms: quantile(latencies, 0.5),
      p99Ms: quantile(latencies, 0.99),
    }),
  );
}

interface OpenTiming {
  wallMs: number[];
  segmentsScanned: number;
  bytesScanned: number;
}

async function timeOpens(directory: string, repetitions: number, options: { cleanShutdown: boolean; recoveryPoint: number }): Promise<OpenTiming> {
  const timing: OpenTiming = { wallMs: [], segmentsScanned: 0, bytesScanned: 0 };
  for (let repetition = 0; repetition < repetitions; repetition++) {
    const start = performance.now();
    const log = await PartitionLog.open(directory, options);
    timing.wallMs.push(performance.now() - start);
    timing.segmentsScanned = log.recovery.segmentsScanned;
    timing.bytesScanned = log.recovery.bytesScanned;
    if (log.recovery.truncatedBytes > 0) throw new Error(`recovery truncated ${log.recovery.truncatedBytes} bytes of a valid log`);
    await log.close();
  }
  return timing;
}

async function benchRecovery(main: MainLog, repetitions: number, readBaselineMegabytesPerSecond: number, results: BenchResult[]): Promise<void> {
  const recordsPerByte = main.records / main.bytes;
  const describe = (timing: OpenTiming): { megabytesPerSecond: number; recordsPerSecond: number } => {
    const seconds = median(timing.wallMs) / 1000;
    return { megabytesPerSecond: timing.bytesScanned / MEGABYTE / seconds, recordsPerSecond: (timing.bytesScanned * recordsPerByte) / seconds };
  };
  progress(`recovery: unclean reopen from the recovery point (${repetitions}×)`);
  const tail = await timeOpens(main.directory, repetitions, { cleanShutdown: false, recoveryPoint: main.flushedPoint });
  results.push(
    result(`recovery, unclean, small unflushed tail: scanned ${tail.segmentsScanned} segment(s), ${formatBytes(tail.bytesScanned)} of ${formatBytes(main.bytes)}`, describe(tail), null, null, {
      p50Ms: median(tail.wallMs),
    }),
  );
  progress(`recovery: unclean reopen, full scan (${repetitions}×)`);
  const full = await timeOpens(main.directory, repetitions, { cleanShutdown: false, recoveryPoint: 0 });
  results.push(
    result(`recovery, unclean, full scan (recoveryPoint 0): ${full.segmentsScanned} segments, ${formatBytes(full.bytesScanned)}`, describe(full), readBaselineMegabytesPerSecond, 'readSync seq', {
      p50Ms: median(full.wallMs),
    }),
  );
  progress(`open after clean shutdown (${repetitions * 2}×)`);
  const clean = await timeOpens(main.directory, repetitions * 2, { cleanShutdown: true, recoveryPoint: main.logEndOffset });
  results.push(result(`open after clean shutdown: ${main.segments} segments, ${formatBytes(main.bytes)}`, { megabytesPerSecond: 0, recordsPerSecond: 0 }, null, null, { p50Ms: median(clean.wallMs) }));
}

// ---- 7: many segments -------------------------------------------------------------------------

async function benchManySegments(root: string, shape: Shape, segmentCount: number, repetitions: number, results: BenchResult[]): Promise<void> {
  const directory = join(root, 'many-segments');
  const segmentBytes = 64 * KIB;
  const batchBytes = shape.batches[0]!.length;
  const batchesPerSegment = Math.floor(segmentBytes / batchBytes);
  progress(`building ${segmentCount.toLocaleString('en-US')} segments of ${segmentBytes / KIB} KiB (fsyncs skipped, 64 KiB index preallocation while building)`);
  const { io } = countingIO({ skipSync: true });
  const buildStart = performance.now();
  // segmentIndexBytes only sizes the active segment's preallocated index (sealed indexes are trimmed
  // to their entries), so the files are the same as with the default; the default 10 MiB costs two
  // zeroed 10 MiB Buffers per roll, which made building 10,000 segments take minutes.
  const builder = await PartitionLog.open(directory, { io, config: { segmentBytes, segmentIndexBytes: 64 * KIB } });
  await appendBatches(builder, shape.batches, segmentCount * batchesPerSegment, 64);
  const openDescriptors = countOpenDescriptors();
  const segments = builder.segmentInfos().length;
  const bytes = builder.sizeBytes;
  const logEndOffset = builder.logEndOffset;
  await builder.close();
  progress(`built ${segments} segments, ${formatBytes(bytes)} in ${((performance.now() - buildStart) / 1000).toFixed(1)} s; the writer held ${openDescriptors} open file descriptors`);
  // Timed opens use the default config, as a broker would.
  const clean = await timeOpens(directory, repetitions, { cleanShutdown: true, recoveryPoint: logEndOffset });
  const label = `${segments.toLocaleString('en-US')} segments, ${formatBytes(bytes)}`;
  results.push(result(`open after clean shutdown: ${label} (the writer had held ${openDescriptors.toLocaleString('en-US')} fds)`, { megabytesPerSecond: 0, recordsPerSecond: 0 }, null, null, { p50Ms: median(clean.wallMs) }));
  const unclean = await timeOpens(directory, repetitions, { cleanShutdown: false, recoveryPoint: logEndOffset });
  results.push(
    result(`open after unclean stop, recovery point in the last segment: ${label}`, { megabytesPerSecond: 0, recordsPerSecond: 0 }, null, null, { p50Ms: median(unclean.wallMs) }),
  );
  rmSync(directory, { recursive: true, force: true });
}

function countOpenDescriptors(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return -1;
  }
}

// ---- 8: RSS -----------------------------------------------------------------------------------

interface RssReport {
  rssStartMb: number;
  rssOpenMb: number;
  rssReadMb: number;
  heapUsedMb: number;
  arrayBuffersMb: number;
  openMs: number;
  readMegabytesPerSecond: number;
  bytes: number;
  segments: number;
}

/** In a child process: open the log, read all of it, report RSS (after a full GC). */
async function rssChild(directory: string): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const rssMb = (): number => {
    gc?.();
    gc?.();
    return process.memoryUsage().rss / MEGABYTE;
  };
  const rssStartMb = rssMb();
  const start = performance.now();
  const log = await PartitionLog.open(directory, { cleanShutdown: true });
  const openMs = performance.now() - start;
  const rssOpenMb = rssMb();
  // Twice: RSS after one pass still grows with allocator warm-up; the second pass shows the plateau.
  await readWholeLog(log, MIB);
  const transfer = await readWholeLog(log, MIB);
  const rssReadMb = rssMb();
  const memory = process.memoryUsage();
  const report: RssReport = {
    rssStartMb,
    rssOpenMb,
    rssReadMb,
    heapUsedMb: memory.heapUsed / MEGABYTE,
    arrayBuffersMb: memory.arrayBuffers / MEGABYTE,
    openMs,
    readMegabytesPerSecond: megabytesPerSecond(transfer),
    bytes: log.sizeBytes,
    segments: log.segmentInfos().length,
  };
  await log.close();
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

function measureRssInChild(directory: string, environment: Record<string, string> = {}): RssReport {
  const child = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), RSS_CHILD_COMMAND, directory], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    timeout: 240_000,
    env: { ...process.env, ...environment },
  });
  if (child.status !== 0) throw new Error(`RSS child failed (status ${child.status}, signal ${child.signal})`);
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as RssReport;
}

/**
 * glibc's malloc raises its mmap threshold after the first 1 MiB read buffer is freed, so later
 * ones come from (and stay in) the heap: RSS then carries tens of MB of freed memory, varying from
 * run to run. A second set of children pins the threshold to show RSS without that effect.
 */
const PINNED_MMAP_THRESHOLD = { MALLOC_MMAP_THRESHOLD_: String(128 * KIB) };

interface RssFigures {
  bytes: number;
  segments: number;
  openMs: number;
  readMegabytesPerSecond: number;
  /** RSS after open+read minus RSS at the child's start: median over children, and range. */
  growthMb: number;
  growthMinMb: number;
  growthMaxMb: number;
  pinnedGrowthMb: number;
  heldMb: number;
}

function rssFigures(directory: string, children: number): RssFigures {
  const reports = Array.from({ length: children }, () => measureRssInChild(directory));
  const pinned = measureRssInChild(directory, PINNED_MMAP_THRESHOLD);
  const growth = reports.map((report) => report.rssReadMb - report.rssStartMb);
  const first = reports[0]!;
  return {
    bytes: first.bytes,
    segments: first.segments,
    openMs: median(reports.map((report) => report.openMs)),
    readMegabytesPerSecond: median(reports.map((report) => report.readMegabytesPerSecond)),
    growthMb: median(growth),
    growthMinMb: Math.min(...growth),
    growthMaxMb: Math.max(...growth),
    pinnedGrowthMb: pinned.rssReadMb - pinned.rssStartMb,
    heldMb: median(reports.map((report) => report.heapUsedMb + report.arrayBuffersMb)),
  };
}

async function benchRss(root: string, shape: Shape, smallBytes: number, largeBytes: number, segmentBytes: number, children: number, results: BenchResult[]): Promise<void> {
  const directory = join(root, 'rss-log');
  const batchBytes = shape.batches[0]!.length;
  const { io } = countingIO({ skipSync: true });
  const figures: RssFigures[] = [];
  let written = 0;
  for (const target of [smallBytes, largeBytes]) {
    progress(`RSS: growing the log to ${formatBytes(target)} (${formatBytes(segmentBytes)} segments, fsyncs skipped), then open+read ×2 in ${children + 1} child processes`);
    const log = await PartitionLog.open(directory, { io, cleanShutdown: written > 0, config: { segmentBytes } });
    written += (await appendBatches(log, shape.batches, Math.ceil((target - written) / batchBytes), 64)).bytes;
    await log.close();
    figures.push(rssFigures(directory, children));
  }
  rmSync(directory, { recursive: true, force: true });
  const signed = (value: number): string => `${value >= 0 ? '+' : ''}${value.toFixed(1)}`;
  for (const figure of figures) {
    results.push(
      result(
        `RSS: open + read ×2 of ${formatBytes(figure.bytes)}, ${figure.segments} segments: ${signed(figure.growthMb)} MB (${figure.growthMinMb.toFixed(1)}..${figure.growthMaxMb.toFixed(1)}; mmap pinned ${signed(figure.pinnedGrowthMb)}; JS-held ${figure.heldMb.toFixed(1)})`,
        { megabytesPerSecond: figure.readMegabytesPerSecond, recordsPerSecond: 0 },
        null,
        null,
        { p50Ms: figure.openMs },
      ),
    );
  }
  const [small, large] = figures as [RssFigures, RssFigures];
  results.push(
    result(
      `RSS difference ${formatBytes(small.bytes)} → ${formatBytes(large.bytes)} log: ${signed(large.growthMb - small.growthMb)} MB (mmap pinned ${signed(large.pinnedGrowthMb - small.pinnedGrowthMb)}; JS-held ${signed(large.heldMb - small.heldMb)})`,
      { megabytesPerSecond: 0, recordsPerSecond: 0 },
      null,
      null,
    ),
  );
}

// ---- the suite --------------------------------------------------------------------------------

function freeBytes(directory: string): number {
  try {
    const stats = statfsSync(directory);
    return stats.bavail * stats.bsize;
  } catch {
    return Infinity;
  }
}

export async function runStorageBench(options: StorageBenchOptions): Promise<BenchResult[]> {
  const quick = options.quick;
  const results: BenchResult[] = [];
  const root = makeTempRoot();
  const shapes = [makeShape(100), makeShape(1024)];
  const free = freeBytes(root);
  progress(`temp directory ${root}, ${formatBytes(free)} free`);
  // Disk budget: the RSS logs are the largest (up to 10 GiB at once); everything else is removed as it goes.
  const rssLarge = quick ? GIB : free > 25 * GIB ? 10 * GIB : free > 10 * GIB ? 4 * GIB : free > 5 * GIB ? 2 * GIB : 512 * MIB;
  const rssSmall = Math.min(quick ? 256 * MIB : GIB, rssLarge / 2);
  try {
    const noFsync: AppendFigures[] = [];
    await warmUpAppendPath(root, shapes[0]!);
    for (const shape of shapes) noFsync.push(await benchAppend(root, shape, quick ? 64 * MIB : 256 * MIB, quick ? 2 : 3, results));
    for (const [index, shape] of shapes.entries()) await benchGroupCommit(root, shape, noFsync[index]!.window64, quick ? 1000 : 3000, results);

    const main = await buildMainLog(root, shapes[1]!, quick ? 128 * MIB : GIB, quick ? 16 * MIB : 128 * MIB, MIB);
    const readBaseline = await benchSequentialRead(main, quick ? 2 : 3, results);
    await benchRandomRead(main, quick ? 500 : 3000, results);
    await benchRecovery(main, quick ? 1 : 3, readBaseline, results);
    rmSync(main.directory, { recursive: true, force: true });

    await benchManySegments(root, shapes[1]!, quick ? 1000 : 10_000, quick ? 2 : 3, results);
    await benchRss(root, shapes[1]!, rssSmall, rssLarge, quick ? 128 * MIB : GIB, quick ? 1 : 3, results);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return results;
}

// Child-process entry for the RSS measurement (see measureRssInChild).
if (process.argv[2] === RSS_CHILD_COMMAND && process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await rssChild(process.argv[3]!);
}
