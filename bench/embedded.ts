/**
 * Embedded benchmark: produce → consume in this process through `Broker.open` (src/client/), on
 * this machine's disk, in temporary data directories under os.tmpdir() that are removed afterwards.
 * Each topic has one partition; records have no key and log-line-like values of 100 B or 1 KiB.
 * MB/s counts value bytes (the payload), so every row of a shape counts the same bytes per record.
 *
 *   raw append      baseline (same run): PartitionLog.append of the same records pre-encoded in
 *                   16 KiB batches, 64 appends in flight (each with its own buffer), no fsync.
 *   produce acks=1  one producer, lingerMs 0, batchSizeBytes 16 KiB (the default, as the baseline's
 *                   batches) and 256 KiB, 8 `send(1000 records)` calls outstanding; vs raw append.
 *   produce acks=all 8 producers, 2 `send(1000 records)` outstanding each (group commit); vs the
 *                   acks=1 figure (its ratio to raw append is in the name).
 *   consume         a consumer without a group, `subscribe(topic, { from: 'earliest' })`, reading
 *                   the acks=1 topic back with the async iterator; vs PartitionLog.read(1 MiB) +
 *                   decodeRecordBatches of the same log (what the consumer does under the hood).
 *   latency         measured first, on the fresh broker: a producer (acks=1) sends 100 B records at
 *                   a fixed 10,000 records/s (a 1 ms timer sends what is due), each carrying
 *                   process.hrtime.bigint() at its send() call in its first 8 bytes; a consumer
 *                   (iterator) records now − send time. After a 0.5 s warm-up, for 10 s (2 s with
 *                   --quick). p50/p99 in their columns, p99.9 and max in the name.
 *
 * Throughputs run for a time budget and are medians of rounds; each round measures its baselines
 * next to the figures they divide (noisy machines). Progress goes to stderr.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker } from '../src/client/broker.js';
import type { Producer, ProducerRecord } from '../src/client/producer.js';
import { decodeRecordBatches, encodeRecordBatch } from '../src/codec/record-batch.js';
import { StrataMetrics } from '../src/observability/metrics.js';
import type { PartitionLog } from '../src/storage/partition-log.js';
import { count, makeValues, MEGABYTE, quantile, resultFor, throughputOf, type BenchResult, type Transfer } from './measure.js';

export interface EmbeddedBenchOptions {
  quick: boolean;
}

const SUITE = 'embedded';
const KIB = 1024;
const MIB = 1024 * KIB;
const BATCH_BYTES = 16 * KIB;
/** A second producer batch size: fewer, larger appends (at most max.message.bytes, 1 MiB). */
const LARGE_BATCH_BYTES = 256 * KIB;
const RECORD_COUNT_FIELD = 57;
/** Records per send() call, and sends outstanding: one acks=1 producer; each of the acks=all producers. */
const SEND_RECORDS = 1000;
const SENDS_IN_FLIGHT_ACKS_1 = 8;
const ALL_PRODUCERS = 8;
const SENDS_IN_FLIGHT_PER_ALL_PRODUCER = 2;
const RAW_APPENDS_IN_FLIGHT = 64;
const LATENCY_RATE = 10_000;
const LATENCY_VALUE_BYTES = 100;

// ---- helpers --------------------------------------------------------------------------------

const suiteStart = performance.now();

function progress(message: string): void {
  console.error(`  ${SUITE} [${((performance.now() - suiteStart) / 1000).toFixed(1)} s]: ${message}`);
}

function sizeLabel(valueBytes: number): string {
  return valueBytes >= KIB ? `${valueBytes / KIB} KiB` : `${valueBytes} B`;
}

const result = resultFor(SUITE);

interface Shape {
  valueBytes: number;
  label: string;
  /** SEND_RECORDS distinct records, sent as one chunk (the producer copies them when it encodes). */
  records: ProducerRecord[];
  /** The same records pre-encoded in batches of at most 16 KiB, for the raw-append baseline. */
  batches: Buffer[];
}

function makeShape(valueBytes: number): Shape {
  const values = makeValues(valueBytes, SEND_RECORDS);
  const records = values.map((value) => ({ value }));
  const perBatch = largestBatchCount(values, BATCH_BYTES);
  const batches: Buffer[] = [];
  for (let start = 0; start + perBatch <= values.length && batches.length < 4; start += perBatch) {
    batches.push(encodeRecordBatch(values.slice(start, start + perBatch).map((value) => ({ value }))));
  }
  return { valueBytes, label: `${sizeLabel(valueBytes)} records`, records, batches };
}

function largestBatchCount(values: readonly Buffer[], batchBytes: number): number {
  for (let count = Math.min(values.length, Math.floor(batchBytes / values[0]!.length)); ; count--) {
    if (count <= 1 || encodeRecordBatch(values.slice(0, count).map((value) => ({ value }))).length <= batchBytes) return Math.max(1, count);
  }
}

function recordCountOf(batch: Buffer): number {
  return batch.readInt32BE(RECORD_COUNT_FIELD);
}

let topicSerial = 0;

async function freshTopic(broker: Broker, prefix: string): Promise<string> {
  const name = `${prefix}-${topicSerial++}`;
  await broker.admin.createTopic(name, { partitions: 1 });
  return name;
}

// ---- raw append (baseline) --------------------------------------------------------------------

/**
 * Appends the shape's batches to `log` until `budgetMs` has passed, RAW_APPENDS_IN_FLIGHT at a
 * time. Each slot appends its own copy: append() rewrites baseOffset in the buffer it is given, and
 * a buffer may not be appended again before its append settles.
 */
async function rawAppend(log: PartitionLog, shape: Shape, budgetMs: number): Promise<Transfer> {
  let records = 0;
  let bytes = 0;
  const start = performance.now();
  const deadline = start + budgetMs;
  const slot = async (index: number): Promise<void> => {
    const mine = Buffer.from(shape.batches[index % shape.batches.length]!);
    const batchRecords = recordCountOf(mine);
    const batchValueBytes = batchRecords * shape.valueBytes;
    while (performance.now() < deadline) {
      await log.append(mine);
      records += batchRecords;
      bytes += batchValueBytes;
    }
  };
  await Promise.all(Array.from({ length: RAW_APPENDS_IN_FLIGHT }, (_, index) => slot(index)));
  return { records, bytes, seconds: (performance.now() - start) / 1000 };
}

// ---- produce --------------------------------------------------------------------------------

/** `lanes` loops of `await producer.send(topic, records)` until `deadline`; returns records acknowledged. */
async function sendUntil(producer: Producer, topic: string, records: readonly ProducerRecord[], lanes: number, deadline: number): Promise<number> {
  let acknowledged = 0;
  const lane = async (): Promise<void> => {
    while (performance.now() < deadline) {
      await producer.send(topic, records);
      acknowledged += records.length;
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  return acknowledged;
}

async function produce(broker: Broker, topic: string, shape: Shape, acks: 1 | 'all', producerCount: number, lanesEach: number, batchSizeBytes: number, budgetMs: number): Promise<Transfer> {
  const producers = Array.from({ length: producerCount }, () => broker.producer({ acks, lingerMs: 0, batchSizeBytes }));
  // Untimed: each producer's first send fetches its producer id.
  await Promise.all(producers.map((producer) => producer.send(topic, shape.records.slice(0, 1))));
  const start = performance.now();
  const deadline = start + budgetMs;
  const acknowledged = await Promise.all(producers.map((producer) => sendUntil(producer, topic, shape.records, lanesEach, deadline)));
  const seconds = (performance.now() - start) / 1000;
  await Promise.all(producers.map((producer) => producer.close()));
  const records = acknowledged.reduce((sum, value) => sum + value, 0);
  return { records, bytes: records * shape.valueBytes, seconds };
}

// ---- consume --------------------------------------------------------------------------------

/** Reads the whole partition with the consumer's async iterator. */
async function consumeAll(broker: Broker, topic: string): Promise<Transfer> {
  const log = broker.core.topics.partition(topic, 0);
  const total = log.logEndOffset - log.logStartOffset;
  const consumer = broker.consumer();
  await consumer.subscribe(topic, { from: 'earliest' });
  let records = 0;
  let bytes = 0;
  const start = performance.now();
  for await (const message of consumer) {
    bytes += message.value?.length ?? 0;
    if (++records >= total) break;
  }
  const seconds = (performance.now() - start) / 1000;
  await consumer.close();
  return { records, bytes, seconds };
}

/** The same partition through PartitionLog.read(1 MiB) + decodeRecordBatches: the consumer minus its own work. */
async function readAndDecode(log: PartitionLog): Promise<Transfer> {
  let records = 0;
  let bytes = 0;
  const end = log.logEndOffset;
  const start = performance.now();
  for (let offset = log.logStartOffset; offset < end; ) {
    const chunk = await log.read(offset, MIB);
    let next = offset;
    for (const batch of decodeRecordBatches(chunk)) {
      for (const record of batch.records) {
        if (record.offset < offset) continue;
        records++;
        bytes += record.value?.length ?? 0;
      }
      next = batch.header.baseOffset + batch.header.lastOffsetDelta + 1;
    }
    if (next === offset) throw new Error(`no progress reading at offset ${offset} (log end ${end})`);
    offset = next;
  }
  return { records, bytes, seconds: (performance.now() - start) / 1000 };
}

// ---- end-to-end latency ---------------------------------------------------------------------

interface LatencyFigures {
  samples: number;
  achievedRecordsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

async function endToEndLatency(broker: Broker, warmUpMs: number, measureMs: number): Promise<LatencyFigures> {
  const topic = await freshTopic(broker, 'latency');
  const filler = makeValues(LATENCY_VALUE_BYTES, 1)[0]!;
  const totalRecords = Math.round(((warmUpMs + measureMs) / 1000) * LATENCY_RATE);
  const latencies = new Float64Array(totalRecords);
  let samples = 0;
  let received = 0;

  const consumer = broker.consumer({ maxWaitMs: 100 });
  await consumer.subscribe(topic, { from: 'earliest' });
  const producer = broker.producer({ acks: 1, lingerMs: 0 });
  await producer.send(topic, [{ value: 'warm-up: producer id' }]);
  const skip = 1; // the record above
  const startNs = process.hrtime.bigint();
  const measureFromNs = startNs + BigInt(Math.round(warmUpMs * 1e6));
  let measureStart = 0;

  const consuming = (async () => {
    let seen = 0;
    for await (const message of consumer) {
      if (++seen <= skip) continue;
      const nowNs = process.hrtime.bigint();
      const sentNs = message.value!.readBigUInt64BE(0);
      if (sentNs >= measureFromNs) latencies[samples++] = Number(nowNs - sentNs) / 1e6;
      if (++received >= totalRecords) break;
    }
  })();

  // Paced sender: every tick (a 1 ms timer) sends the records that are due by now in one call.
  const sends: Promise<unknown>[] = [];
  let sent = 0;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const elapsedMs = performance.now() - started;
      const due = Math.min(totalRecords, Math.floor((elapsedMs / 1000) * LATENCY_RATE));
      if (due > sent) {
        const nowNs = process.hrtime.bigint();
        if (measureStart === 0 && nowNs >= measureFromNs) measureStart = performance.now();
        const batch: ProducerRecord[] = [];
        for (; sent < due; sent++) {
          const value = Buffer.allocUnsafe(LATENCY_VALUE_BYTES);
          filler.copy(value);
          value.writeBigUInt64BE(nowNs, 0);
          batch.push({ value });
        }
        sends.push(producer.send(topic, batch));
      }
      if (sent < totalRecords) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  await Promise.all(sends);
  await Promise.race([consuming, new Promise((_, reject) => setTimeout(() => reject(new Error(`latency consumer stalled at ${received}/${totalRecords}`)), 30_000).unref())]);
  const measuredSeconds = (performance.now() - measureStart) / 1000;
  await producer.close();
  await consumer.close();
  await broker.admin.deleteTopic(topic);

  const sorted = latencies.subarray(0, samples).sort();
  return {
    samples,
    achievedRecordsPerSecond: samples / measuredSeconds,
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    p999Ms: quantile(sorted, 0.999),
    maxMs: sorted[sorted.length - 1]!,
  };
}

// ---- the suite --------------------------------------------------------------------------------

interface ShapeRounds {
  raw: Transfer[];
  acks1: Transfer[];
  acksAll: Transfer[];
  acks1Large: Transfer[];
  readDecode: Transfer[];
  consume: Transfer[];
}

async function runShapeRound(broker: Broker, shape: Shape, budgetMs: number, into: ShapeRounds | null): Promise<void> {
  const rawTopic = await freshTopic(broker, `raw-${shape.valueBytes}`);
  const raw = await rawAppend(broker.core.topics.partition(rawTopic, 0), shape, budgetMs);
  await broker.admin.deleteTopic(rawTopic);

  const acks1Topic = await freshTopic(broker, `acks1-${shape.valueBytes}`);
  const acks1 = await produce(broker, acks1Topic, shape, 1, 1, SENDS_IN_FLIGHT_ACKS_1, BATCH_BYTES, budgetMs);
  const readDecode = await readAndDecode(broker.core.topics.partition(acks1Topic, 0));
  const consume = await consumeAll(broker, acks1Topic);
  await broker.admin.deleteTopic(acks1Topic);

  const allTopic = await freshTopic(broker, `acksall-${shape.valueBytes}`);
  const acksAll = await produce(broker, allTopic, shape, 'all', ALL_PRODUCERS, SENDS_IN_FLIGHT_PER_ALL_PRODUCER, BATCH_BYTES, budgetMs);
  await broker.admin.deleteTopic(allTopic);

  const largeTopic = await freshTopic(broker, `acks1-large-${shape.valueBytes}`);
  const acks1Large = await produce(broker, largeTopic, shape, 1, 1, SENDS_IN_FLIGHT_ACKS_1, LARGE_BATCH_BYTES, budgetMs);
  await broker.admin.deleteTopic(largeTopic);

  if (into === null) return;
  into.raw.push(raw);
  into.acks1.push(acks1);
  into.acksAll.push(acksAll);
  into.acks1Large.push(acks1Large);
  into.readDecode.push(readDecode);
  into.consume.push(consume);
  const rate = (transfer: Transfer) => `${count(transfer.records / transfer.seconds)}/s`;
  progress(`  raw ${rate(raw)}, acks=1 ${rate(acks1)}, acks=all ${rate(acksAll)}, acks=1 256 KiB ${rate(acks1Large)}, read+decode ${rate(readDecode)}, consume ${rate(consume)} (${count(consume.records)} records)`);
}

export async function runEmbeddedBench(options: EmbeddedBenchOptions): Promise<BenchResult[]> {
  const quick = options.quick;
  const budgetMs = quick ? 1000 : 3000;
  const rounds = quick ? 2 : 3;
  const results: BenchResult[] = [];
  const root = mkdtempSync(join(tmpdir(), 'strata-bench-embedded-'));
  progress(`data directory ${root}; ${rounds} rounds of ${budgetMs} ms per figure`);
  // STRATA_BENCH_METRICS=1: the same run with Prometheus metrics on (their hot-path cost).
  const observer = process.env.STRATA_BENCH_METRICS === '1' ? { observer: new StrataMetrics().brokerObserver } : {};
  const broker = await Broker.open({ dataDir: join(root, 'data'), groupInitialRebalanceDelayMs: 0, ...observer });
  const targets: string[] = [];
  try {
    // Latency first, on a fresh broker: the throughput runs below leave GBs of dirty pages being
    // written back and a grown heap, which would be measured here too.
    const warmUpMs = 500;
    const measureMs = quick ? 2000 : 10_000;
    progress(`end-to-end latency: ${count(LATENCY_RATE)} records/s of ${LATENCY_VALUE_BYTES} B, ${warmUpMs} ms warm-up + ${measureMs} ms`);
    const latency = await endToEndLatency(broker, warmUpMs, measureMs);
    progress(`  p50 ${latency.p50Ms.toFixed(3)} ms, p99 ${latency.p99Ms.toFixed(3)} ms, p99.9 ${latency.p999Ms.toFixed(3)} ms, max ${latency.maxMs.toFixed(3)} ms`);

    for (const shape of [makeShape(100), makeShape(1024)]) {
      const batchRecords = recordCountOf(shape.batches[0]!);
      progress(`${shape.label}: warm-up round (untimed, ${budgetMs / 3} ms per figure)`);
      await runShapeRound(broker, shape, budgetMs / 3, null);
      const figures: ShapeRounds = { raw: [], acks1: [], acksAll: [], acks1Large: [], readDecode: [], consume: [] };
      for (let round = 0; round < rounds; round++) {
        progress(`${shape.label}: round ${round + 1}/${rounds}`);
        await runShapeRound(broker, shape, budgetMs, figures);
      }
      const raw = throughputOf(figures.raw);
      const acks1 = throughputOf(figures.acks1);
      const acksAll = throughputOf(figures.acksAll);
      const acks1Large = throughputOf(figures.acks1Large);
      const readDecode = throughputOf(figures.readDecode);
      const consume = throughputOf(figures.consume);
      const label = shape.label;
      results.push(result(`baseline: PartitionLog.append, ${RAW_APPENDS_IN_FLIGHT} in flight, no fsync, 16 KiB batches (${batchRecords} records), ${label}`, raw, null, null));
      results.push(result(`produce acks=1: 1 producer, ${SENDS_IN_FLIGHT_ACKS_1} × send(${SEND_RECORDS}) in flight, ${label}`, acks1, raw, 'raw append'));
      results.push(
        result(
          `produce acks=all: ${ALL_PRODUCERS} producers × ${SENDS_IN_FLIGHT_PER_ALL_PRODUCER} send(${SEND_RECORDS}) in flight, ${label} (${(acksAll.recordsPerSecond / raw.recordsPerSecond).toFixed(2)}× raw append)`,
          acksAll,
          acks1,
          'acks=1',
        ),
      );
      results.push(result(`produce acks=1: 1 producer, ${SENDS_IN_FLIGHT_ACKS_1} × send(${SEND_RECORDS}) in flight, batchSizeBytes ${LARGE_BATCH_BYTES / KIB} KiB, ${label}`, acks1Large, raw, 'raw append'));
      results.push(result(`baseline: PartitionLog.read 1 MiB + decodeRecordBatches, ${label}`, readDecode, null, null));
      results.push(result(`consume: iterator, no group, from earliest, ${label}`, consume, readDecode, 'read+decode'));
      if (shape.valueBytes === 100) {
        targets.push(`produce acks=1 100 B: ${count(acks1.recordsPerSecond)} records/s (target ≥ 3,000,000) = ${(acks1.recordsPerSecond / raw.recordsPerSecond).toFixed(2)}× raw append (target ≥ 0.5)`);
        targets.push(`produce acks=1 100 B, ${LARGE_BATCH_BYTES / KIB} KiB batches: ${count(acks1Large.recordsPerSecond)} records/s = ${(acks1Large.recordsPerSecond / raw.recordsPerSecond).toFixed(2)}× raw append`);
        targets.push(`consume 100 B: ${count(consume.recordsPerSecond)} records/s (target ≥ 3,000,000)`);
      }
      targets.push(`produce acks=all ×${ALL_PRODUCERS} ${shape.label}: ${(acksAll.recordsPerSecond / acks1.recordsPerSecond).toFixed(2)}× acks=1 (target ≥ 0.5)`);
    }

    results.push(
      result(
        `end-to-end latency at ${count(LATENCY_RATE)} records/s, ${LATENCY_VALUE_BYTES} B, acks=1, ${measureMs / 1000} s, ${count(latency.samples)} samples: p99.9 ${latency.p999Ms.toFixed(3)} ms, max ${latency.maxMs.toFixed(3)} ms`,
        { megabytesPerSecond: (latency.achievedRecordsPerSecond * LATENCY_VALUE_BYTES) / MEGABYTE, recordsPerSecond: latency.achievedRecordsPerSecond },
        null,
        null,
        { p50Ms: latency.p50Ms, p99Ms: latency.p99Ms },
      ),
    );
    targets.push(`end-to-end p99 at ${count(LATENCY_RATE)}/s: ${latency.p99Ms.toFixed(3)} ms (target < 5 ms)`);
  } finally {
    await broker.close();
    rmSync(root, { recursive: true, force: true });
  }
  for (const line of targets) progress(`target: ${line}`);
  return results;
}
