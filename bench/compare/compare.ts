/**
 * The comparison suite (`npm run bench -- compare`): how close Strata comes to what this disk
 * allows a Node process, and how it compares with what a user would pick instead, measured side by
 * side in one run (only ratios measured together are stable on a noisy machine).
 *
 * Workloads: 1 M records (--quick: 20 k, 100 B only; --records overrides) of 100 B and of 1 KiB, written
 * by one producer and then read back by one consumer, on every system:
 *   physical limit   fs.writeSync 1 MiB chunks (also with fdatasync every 1 MiB); fs.readSync back
 *   Strata embedded  acks=1 and acks=all; consumer iterator          (strata-embedded.ts)
 *   Strata wire      kcat -P (acks -1 and 1), the minimal client; kcat -C   (strata-wire.ts)
 *   Redis Streams    XADD pipelined; XRANGE                         (redis.ts)
 *   NATS JetStream   async publish with acks; ordered consumer      (nats.ts)
 *   SQLite           WAL, synchronous=NORMAL, 1,000-row transactions; SELECT   (sqlite.ts)
 * Every write row's ratio is to the physical write limit of the same run and shape, every read
 * row's to the physical read limit. Before each system the bench runs `sync`, so one system's
 * dirty pages are not written back on another's time.
 *
 * End-to-end latency (100 B at a fixed 1,000 records/s, below every peer's throughput; producer
 * send → consumer receive; see latency.ts) for Strata embedded, Strata over the wire, Redis and
 * NATS: p50/p99 in their columns.
 * Recovery: Strata opening a data directory after a SIGKILL, the log in 1 MiB segments.
 *
 * A peer that is not installed (server binary or npm client) is skipped with one line saying how to
 * install it (`bash tools/install-bench-peers.sh`); the rest still run. Temporary directories are
 * removed and started servers stopped, also on failure. Ratios and target checks go to stderr.
 */

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker } from '../../src/client/broker.js';
import { count, MEGABYTE, resultFor, throughputOf, type BenchResult, type Throughput, type Transfer } from '../measure.js';
import { measureEndToEnd, type EndToEndSystem, type LatencyFigures } from './latency.js';
import { NATS_SERVER, natsConsume, natsEndToEnd, natsProduce, withNats, type NatsModule } from './nats.js';
import { importOptional, INSTALL_HINT } from './optional-package.js';
import { findExecutable, removeOnExit } from './peer-process.js';
import { measurePhysical } from './physical.js';
import { REDIS_SERVER, redisConsume, redisEndToEnd, redisProduce, withRedis } from './redis.js';
import { measureSqlite, type SqliteModule } from './sqlite.js';
import { strataConsume, strataEmbeddedEndToEnd, strataProduce, strataRecovery } from './strata-embedded.js';
import { KCAT, kcatConsume, kcatProduce, minimalProduce, strataWireEndToEnd, withStrataServer, writeRecordFile } from './strata-wire.js';
import { MIB, makeWorkload, type Workload } from './workload.js';

export interface CompareBenchOptions {
  quick: boolean;
  records?: number;
}

const SUITE = 'compare';
const VALUE_SIZES = [100, 1024];
const QUICK_RECORDS = 20_000;
const LARGE_BATCH_BYTES = 1_000_000;
const DEFAULT_BATCH_BYTES = 16 * 1024;
/** A rate every peer sustains on a busy 2-core machine (NATS JetStream's client tops out near 10,000/s here). */
const LATENCY_RATE = 1000;
const LATENCY_VALUE_BYTES = 100;
const RECOVERY_SEGMENT_BYTES = MIB;

const result = resultFor(SUITE);
const suiteStart = performance.now();

function progress(message: string): void {
  console.error(`  ${SUITE} [${((performance.now() - suiteStart) / 1000).toFixed(1)} s]: ${message}`);
}

function rate(transfer: Transfer): string {
  return `${count(transfer.records / transfer.seconds)} records/s, ${(transfer.bytes / MEGABYTE / transfer.seconds).toFixed(1)} MB/s`;
}

/** Flushes every dirty page, so the next system does not pay for the last one's writeback. */
function settle(): void {
  spawnSync('sync');
}

/** One measured figure: system, what, shape, direction, throughput. */
interface Figure {
  system: string;
  name: string;
  valueBytes: number;
  direction: 'write' | 'read';
  throughput: Throughput;
}

export async function runCompareBench(options: CompareBenchOptions): Promise<BenchResult[]> {
  const records = options.records ?? (options.quick ? QUICK_RECORDS : 1_000_000);
  const latencyOptions = { recordsPerSecond: LATENCY_RATE, valueBytes: LATENCY_VALUE_BYTES, warmUpMs: 500, measureMs: options.quick ? 1000 : 10_000 };
  // --quick: the 100 B shape only (the whole quick run stays under 2 minutes); --records keeps both.
  const sizes = options.quick && options.records === undefined ? VALUE_SIZES.slice(0, 1) : VALUE_SIZES;
  const workloads = sizes.map((valueBytes) => makeWorkload(valueBytes, records));
  const root = mkdtempSync(join(tmpdir(), 'strata-bench-compare-'));
  const forgetRoot = removeOnExit(root);
  const directory = (name: string): string => {
    const path = join(root, name);
    mkdirSync(path, { recursive: true });
    return path;
  };
  progress(`temp directory ${root}; ${workloads.map((workload) => workload.label).join(' and ')}; latency ${count(LATENCY_RATE)} records/s for ${latencyOptions.measureMs / 1000} s`);
  const figures: Figure[] = [];
  const latencies: { name: string; figures: LatencyFigures }[] = [];
  const skipped: string[] = [];
  const add = (system: string, name: string, workload: Workload, direction: Figure['direction'], transfer: Transfer): void => {
    figures.push({ system, name, valueBytes: workload.valueBytes, direction, throughput: throughputOf([transfer]) });
    progress(`  ${system} ${name}, ${workload.label}: ${rate(transfer)}`);
  };
  const latency = async (system: EndToEndSystem): Promise<void> => {
    const measured = await measureEndToEnd(system, latencyOptions);
    latencies.push({ name: system.name, figures: measured });
    progress(`  latency ${system.name}: p50 ${measured.p50Ms.toFixed(3)} ms, p99 ${measured.p99Ms.toFixed(3)} ms, max ${measured.maxMs.toFixed(3)} ms (${count(measured.samples)} samples)`);
  };
  const skip = (line: string): void => {
    skipped.push(line);
    console.error(`skipping ${line}`);
  };
  let recovery: Awaited<ReturnType<typeof strataRecovery>> | null = null;

  try {
    // 1. The physical limit.
    for (const workload of workloads) {
      settle();
      const physical = measurePhysical(directory('physical'), workload);
      add('physical', 'fs.writeSync 1 MiB chunks', workload, 'write', physical.write);
      add('physical', 'fs.writeSync 1 MiB chunks + fdatasync each', workload, 'write', physical.writeFdatasync);
      add('physical', 'fs.readSync 1 MiB chunks', workload, 'read', physical.read);
    }

    // 2. Strata embedded.
    settle();
    progress('Strata embedded');
    const broker = await Broker.open({ dataDir: directory('strata-embedded') });
    try {
      await latency(strataEmbeddedEndToEnd(broker, 'latency'));
      for (const workload of workloads) {
        settle();
        const topic = `acks1-${workload.valueBytes}`;
        add('Strata embedded', `produce acks=1, batchSizeBytes ${count(LARGE_BATCH_BYTES)}`, workload, 'write', await strataProduce(broker, topic, workload, 1, LARGE_BATCH_BYTES));
        add('Strata embedded', 'consume, iterator', workload, 'read', await strataConsume(broker, topic, workload));
        await broker.admin.deleteTopic(topic);
        settle();
        add('Strata embedded', `produce acks=1, batchSizeBytes ${count(DEFAULT_BATCH_BYTES)} (default)`, workload, 'write', await strataProduce(broker, `default-${workload.valueBytes}`, workload, 1, DEFAULT_BATCH_BYTES));
        await broker.admin.deleteTopic(`default-${workload.valueBytes}`);
        settle();
        add('Strata embedded', `produce acks=all, batchSizeBytes ${count(LARGE_BATCH_BYTES)}`, workload, 'write', await strataProduce(broker, `all-${workload.valueBytes}`, workload, 'all', LARGE_BATCH_BYTES));
        await broker.admin.deleteTopic(`all-${workload.valueBytes}`);
      }
    } finally {
      await broker.close();
    }
    rmSync(join(root, 'strata-embedded'), { recursive: true, force: true });

    // 3. Strata over the wire.
    settle();
    progress('Strata wire (strata serve)');
    const kcat = findExecutable(KCAT);
    if (kcat === null) skip(`kcat rows: ${KCAT} not found (apt-get install kcat, or bash tools/install-system-deps.sh)`);
    await withStrataServer(directory('strata-serve'), async (server) => {
      if (kcat !== null) await latency(strataWireEndToEnd(server, 'latency'));
      for (const workload of workloads) {
        settle();
        add('Strata wire', 'produce minimal client, acks=1', workload, 'write', await minimalProduce(server, `minimal-${workload.valueBytes}`, workload));
        await server.admin.deleteTopics({ topics: [`minimal-${workload.valueBytes}`] });
        if (kcat === null) continue;
        const file = join(root, `records-${workload.valueBytes}.txt`);
        writeRecordFile(file, workload);
        settle();
        add('Strata wire', 'produce kcat -P, acks=1', workload, 'write', await kcatProduce(server, `kcat1-${workload.valueBytes}`, file, workload, 1));
        await server.admin.deleteTopics({ topics: [`kcat1-${workload.valueBytes}`] });
        settle();
        add('Strata wire', 'produce kcat -P, acks=-1 (fsynced)', workload, 'write', await kcatProduce(server, `kcat-all-${workload.valueBytes}`, file, workload, -1));
        add('Strata wire', 'consume kcat -C', workload, 'read', await kcatConsume(server, `kcat-all-${workload.valueBytes}`, workload));
        await server.admin.deleteTopics({ topics: [`kcat-all-${workload.valueBytes}`] });
        rmSync(file);
      }
    });
    rmSync(join(root, 'strata-serve'), { recursive: true, force: true });

    // 4. Redis Streams.
    settle();
    const redisServer = findExecutable(REDIS_SERVER);
    if (redisServer === null) skip(`Redis Streams: ${REDIS_SERVER} not found; ${INSTALL_HINT}`);
    else {
      progress(`Redis Streams (${redisServer})`);
      await withRedis(redisServer, directory('redis'), async (redis) => {
        await latency(redisEndToEnd(redis, 'latency'));
        for (const workload of workloads) {
          settle();
          add('Redis', 'XADD pipelined', workload, 'write', await redisProduce(redis, `s${workload.valueBytes}`, workload));
          add('Redis', 'XRANGE COUNT 1000', workload, 'read', await redisConsume(redis, `s${workload.valueBytes}`, workload));
        }
      });
    }

    // 5. NATS JetStream.
    settle();
    const natsServer = findExecutable(NATS_SERVER);
    const nats = await importOptional<NatsModule>('nats');
    if (natsServer === null) skip(`NATS JetStream: ${NATS_SERVER} not found; ${INSTALL_HINT}`);
    else if (nats === null) skip(`NATS JetStream: npm package "nats" not installed; ${INSTALL_HINT}`);
    else {
      progress(`NATS JetStream (${natsServer})`);
      await withNats(nats, natsServer, directory('nats'), async (peer) => {
        await latency(natsEndToEnd(peer, 'LATENCY'));
        for (const workload of workloads) {
          settle();
          add('NATS JetStream', 'publish, acks awaited, 1,000 in flight', workload, 'write', await natsProduce(peer, `S${workload.valueBytes}`, workload));
          add('NATS JetStream', 'ordered consumer', workload, 'read', await natsConsume(peer, `S${workload.valueBytes}`, workload));
        }
      });
    }

    // 6. SQLite.
    const sqlite = await importOptional<SqliteModule>('better-sqlite3');
    if (sqlite === null) skip(`SQLite: npm package "better-sqlite3" not installed; ${INSTALL_HINT}`);
    else {
      progress('SQLite (better-sqlite3)');
      for (const workload of workloads) {
        settle();
        const measured = measureSqlite(sqlite, directory('sqlite'), workload);
        add('SQLite', 'INSERT, WAL, synchronous=NORMAL, 1,000 rows per transaction', workload, 'write', measured.insert);
        add('SQLite', 'SELECT ORDER BY id', workload, 'read', measured.select);
      }
    }

    // 7. Recovery.
    settle();
    progress(`Strata recovery: ${workloads[0]!.label} in ${RECOVERY_SEGMENT_BYTES / MIB} MiB segments, SIGKILL, then Broker.open`);
    recovery = await strataRecovery(directory('recovery'), workloads[0]!, RECOVERY_SEGMENT_BYTES);
    progress(`  open ${recovery.openMs.toFixed(1)} ms: ${recovery.segments} segments, scanned ${recovery.segmentsScanned} segments / ${(recovery.bytesScanned / MEGABYTE).toFixed(1)} MB`);
  } finally {
    rmSync(root, { recursive: true, force: true });
    forgetRoot();
  }

  const results = rowsOf(figures, workloads);
  for (const { name, figures: measured } of latencies) {
    results.push(
      result(`end-to-end latency ${name}, ${LATENCY_VALUE_BYTES} B at ${count(LATENCY_RATE)}/s, ${latencyOptions.measureMs / 1000} s (max ${measured.maxMs.toFixed(1)} ms)`, { recordsPerSecond: measured.achievedRecordsPerSecond, megabytesPerSecond: (measured.achievedRecordsPerSecond * LATENCY_VALUE_BYTES) / MEGABYTE }, null, null, {
        p50Ms: measured.p50Ms,
        p99Ms: measured.p99Ms,
      }),
    );
  }
  if (recovery !== null) {
    const seconds = recovery.openMs / 1000;
    results.push(
      result(`recovery: Strata Broker.open after SIGKILL, ${recovery.segments} segments, scanned ${recovery.segmentsScanned} (${(recovery.bytesScanned / MEGABYTE).toFixed(1)} MB); open time in p50`, { recordsPerSecond: recovery.records / seconds, megabytesPerSecond: recovery.bytesScanned / MEGABYTE / seconds }, null, null, { p50Ms: recovery.openMs }),
    );
  }
  printRatios(figures, workloads);
  for (const line of skipped) progress(`skipped ${line}`);
  return results;
}

function limitName(direction: Figure['direction']): string {
  return direction === 'write' ? 'physical write' : 'physical read';
}

function rowsOf(figures: readonly Figure[], workloads: readonly Workload[]): BenchResult[] {
  const rows: BenchResult[] = [];
  for (const workload of workloads) {
    const limit = (direction: Figure['direction']): Throughput | undefined =>
      figures.find((figure) => figure.valueBytes === workload.valueBytes && figure.system === 'physical' && figure.direction === direction && !figure.name.includes('fdatasync'))?.throughput;
    for (const figure of figures.filter((candidate) => candidate.valueBytes === workload.valueBytes)) {
      const baseline = limit(figure.direction);
      const isBaseline = baseline === figure.throughput;
      rows.push(result(`${figure.system}: ${figure.name}, ${workload.label}`, figure.throughput, isBaseline || baseline === undefined ? null : baseline, isBaseline ? null : limitName(figure.direction)));
    }
  }
  return rows;
}

/** Strata / physical limit and Strata / each peer, per shape and direction, to stderr. */
function printRatios(figures: readonly Figure[], workloads: readonly Workload[]): void {
  const find = (system: string, nameStart: string, valueBytes: number): Throughput | undefined => figures.find((figure) => figure.system === system && figure.name.startsWith(nameStart) && figure.valueBytes === valueBytes)?.throughput;
  const ratio = (a: Throughput | undefined, b: Throughput | undefined): string => (a === undefined || b === undefined ? 'n/a' : `${(a.recordsPerSecond / b.recordsPerSecond).toFixed(2)}×`);
  for (const workload of workloads) {
    const size = workload.valueBytes;
    const embedded = find('Strata embedded', 'produce acks=1, batchSizeBytes 1,000,000', size);
    const embeddedAll = find('Strata embedded', 'produce acks=all', size);
    const wire = find('Strata wire', 'produce kcat -P, acks=1', size) ?? find('Strata wire', 'produce minimal', size);
    const consume = find('Strata embedded', 'consume', size);
    const wireConsume = find('Strata wire', 'consume kcat', size);
    const write = find('physical', 'fs.writeSync 1 MiB chunks', size);
    const writeSynced = find('physical', 'fs.writeSync 1 MiB chunks + fdatasync', size);
    const read = find('physical', 'fs.readSync', size);
    const redis = find('Redis', 'XADD', size);
    const nats = find('NATS JetStream', 'publish', size);
    const sqlite = find('SQLite', 'INSERT', size);
    progress(`ratios ${workload.label}:`);
    progress(`  Strata / physical limit: embedded acks=1 ${ratio(embedded, write)} of fs.writeSync, acks=all ${ratio(embeddedAll, writeSynced)} of writeSync+fdatasync, wire kcat acks=1 ${ratio(wire, write)}, embedded consume ${ratio(consume, read)} of fs.readSync, kcat consume ${ratio(wireConsume, read)}`);
    progress(`  Strata / Redis Streams: embedded ${ratio(embedded, redis)}, wire ${ratio(wire, redis)} (target ≥ 3×), consume ${ratio(wireConsume, find('Redis', 'XRANGE', size))}`);
    progress(`  Strata / NATS JetStream: embedded ${ratio(embedded, nats)}, wire ${ratio(wire, nats)} (target ≥ 15×), consume ${ratio(wireConsume, find('NATS JetStream', 'ordered', size))}`);
    progress(`  Strata / SQLite: embedded ${ratio(embedded, sqlite)} (target ≥ 5×), wire ${ratio(wire, sqlite)}, consume ${ratio(consume, find('SQLite', 'SELECT', size))}`);
    if (size === 100 && wireConsume !== undefined) progress(`  wire consume 100 B: ${count(wireConsume.recordsPerSecond)} records/s (target ≥ 1,500,000)`);
  }
}
