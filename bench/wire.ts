/**
 * Wire benchmark: `strata serve` as a CHILD PROCESS (spawned from dist/, on 127.0.0.1, a port of
 * its own, a temporary data directory under os.tmpdir() removed afterwards, stopped with SIGTERM)
 * driven by unmodified Kafka clients; the same run measures the embedded broker (`Broker` from
 * src/index.ts, in this process) on the same records as the baselines the wire rows are divided by.
 * Records are 100 B log-line-like values without keys (1,000 distinct values, cycled), in topics of
 * one partition; MB/s counts value bytes (the payload), as in the embedded suite.
 *
 *   produce         `kcat -P -l <file>`: 1 M records (200 k with --quick), one per line, with
 *                   `-X linger.ms=5 -X batch.num.messages=10000`; acks as librdkafka's default
 *                   (-1: fsynced, group commit) and again with `-X acks=1`. Timed from spawning
 *                   kcat to its exit (it exits once every record is acknowledged), so its start
 *                   (~20 ms) counts. Baseline (same run): one embedded producer, acks 1, 8
 *                   `send(1000 records)` calls in flight, default batching (16 KiB, linger 0); and
 *                   the same with batchSizeBytes 1,000,000 (librdkafka's batch.size, so like the
 *                   batches kcat sends), shown against the first.
 *   consume         `kcat -C -e -o beginning -f '%s\n'` to /dev/null over the acks=-1 topic, from
 *                   spawn to exit. `-X fetch.wait.max.ms=10`: kcat sees the end (-e) only when a
 *                   fetch comes back empty, which the broker holds for fetch.wait.max.ms (500 ms by
 *                   default) — an idle long poll, not consumption. Baseline: an embedded consumer
 *                   (no group, from earliest, async iterator) over the embedded topic.
 *   latency         kafkajs producer, one connection, at a fixed 10,000 records/s: every 1 ms tick
 *                   sends the records due in one `send` (~10 records), acks=1 and acks=-1; send() →
 *                   resolved, counted once per record. 0.5 s warm-up, then 5 s (2 s with --quick).
 *                   Baselines: the embedded producer paced the same way (lingerMs 0). Also a minimal
 *                   client (one socket, Produce v7 built with Strata's own codec) paced the same
 *                   way, to tell the server's share of the kafkajs figure from kafkajs's own.
 *
 * Phases each run on a fresh server process over the same data directory (latency, produce,
 * consume), so each can be profiled on its own: with STRATA_BENCH_WIRE_PROFILE=<dir> the server
 * runs under `node --cpu-prof` and the suite prints each phase's hot spots (self and inclusive
 * time, mapped to src/ with the source maps) to stderr; the .cpuprofile files stay in <dir>
 * (figures measured that way carry the profiler's overhead); only samples taken during the wire runs
 * (kcat runs, paced latency runs) count. Throughputs are medians of 5 rounds (3 with --quick), each round measuring
 * the embedded baselines next to the wire figures (noisy machines), after an untimed warm-up round.
 * Progress and target lines go to stderr.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, Partitioners, type Admin } from 'kafkajs';
import { Broker, type Producer, type ProducerRecord } from '../src/index.js';
import { MinimalProducer } from './minimal-producer.js';
import { count, makeValues, MEGABYTE, quantile, resultFor, throughputOf, type BenchResult, type Transfer } from './measure.js';

export interface WireBenchOptions {
  quick: boolean;
}

const SUITE = 'wire';
const VALUE_BYTES = 100;
/** Distinct values, cycled; also the records per embedded send() call. */
const DISTINCT_VALUES = 1000;
const EMBEDDED_SENDS_IN_FLIGHT = 8;
/** librdkafka's default batch.size: the embedded producer's second figure uses it, to compare like with like. */
const LIBRDKAFKA_BATCH_BYTES = 1_000_000;
const LATENCY_RATE = 10_000;
const LATENCY_WARM_UP_MS = 500;
const KCAT = process.env.KCAT ?? 'kcat';
const KCAT_PRODUCE_OPTIONS = ['-X', 'linger.ms=5', '-X', 'batch.num.messages=10000'];
const KCAT_CONSUME_OPTIONS = ['-X', 'fetch.wait.max.ms=10'];
/** dist/src/cli/main.js, next to this file's compiled form (dist/bench/wire.js). */
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const DIST_ROOT = fileURLToPath(new URL('..', import.meta.url));
const PROFILE_ENV = 'STRATA_BENCH_WIRE_PROFILE';

// ---- helpers --------------------------------------------------------------------------------

const suiteStart = performance.now();

function progress(message: string): void {
  console.error(`  ${SUITE} [${((performance.now() - suiteStart) / 1000).toFixed(1)} s]: ${message}`);
}

function short(records: number): string {
  return records >= 1_000_000 && records % 1_000_000 === 0 ? `${records / 1_000_000} M` : records >= 1000 && records % 1000 === 0 ? `${records / 1000} k` : String(records);
}

function transferOf(records: number, seconds: number): Transfer {
  return { records, bytes: records * VALUE_BYTES, seconds };
}

function rate(transfer: Transfer): string {
  return `${count(transfer.records / transfer.seconds)}/s`;
}

const result = resultFor(SUITE);

/** `records` lines (the values cycled, each followed by '\n') written to `path`: kcat -P -l input. */
function writeRecordFile(path: string, values: readonly Buffer[], records: number): void {
  if (records % values.length !== 0) throw new Error(`record count ${records} is not a multiple of ${values.length}`);
  const block = Buffer.concat(values.flatMap((value) => [value, Buffer.from('\n')]));
  const fd = openSync(path, 'w');
  try {
    for (let index = 0; index < records / values.length; index++) {
      for (let written = 0; written < block.length; ) written += writeSync(fd, block, written, block.length - written);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Time windows (µs of CLOCK_MONOTONIC, the clock of process.hrtime and of V8's CPU profiles) of the
 * wire runs in the current phase: kcat runs and paced latency runs. Profiles count only samples in
 * them, so server start-up, topic admin and the embedded rounds (server idle) stay out.
 */
const measuredWindows: [number, number][] = [];

function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

// ---- the server child -----------------------------------------------------------------------

interface ServerProcess {
  port: number;
  /** SIGTERM, then waits for a clean exit (code 0, "stopped cleanly"). */
  stop(): Promise<void>;
}

/** Spawns `node dist/src/cli/main.js serve` on 127.0.0.1, port 0; resolves once it prints its port. */
async function startServer(dataDir: string, profile: { dir: string; name: string } | null): Promise<ServerProcess> {
  const nodeFlags = profile === null ? [] : ['--cpu-prof', '--cpu-prof-dir', profile.dir, '--cpu-prof-name', profile.name];
  // STRATA_BENCH_METRICS=1: the server with its metrics endpoint on (their hot-path cost).
  const metricsFlags = process.env.STRATA_BENCH_METRICS === '1' ? ['--metrics-port', '0'] : [];
  const child: ChildProcess = spawn(process.execPath, [...nodeFlags, CLI, 'serve', '--data-dir', dataDir, '--host', '127.0.0.1', '--port', '0', ...metricsFlags], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  // Should this process end abruptly (an uncaught error), take the server down with it.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  // 'close', not 'exit': stdout may still hold "stopped cleanly" when the process has exited.
  const exited = new Promise<number | null>((resolveExit) =>
    child.once('close', (code) => {
      process.off('exit', killOnExit);
      resolveExit(code);
    }),
  );
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const line of chunk.toString().split('\n')) if (line.trim() !== '') progress(`server stderr: ${line}`);
  });
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`strata serve did not start within 20 s: ${stdout}${stderr}`)), 20_000);
    const onData = (): void => {
      const match = /strata: listening on 127\.0\.0\.1:(\d+), data in /.exec(stdout);
      if (match === null) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolvePort(Number(match[1]));
    };
    child.stdout!.on('data', onData);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`could not spawn strata serve (${CLI}): ${error.message}`));
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`strata serve exited with ${code} before listening: ${stdout}${stderr}`));
    });
  });
  return {
    port,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([exited, new Promise<'timeout'>((resolveTimeout) => (timer = setTimeout(() => resolveTimeout('timeout'), 30_000)))]);
      clearTimeout(timer);
      if (code === 'timeout') {
        child.kill('SIGKILL');
        await exited;
        throw new Error(`strata serve (pid ${child.pid}) did not stop within 30 s of SIGTERM; killed: ${stdout}${stderr}`);
      }
      if (code !== 0 || !stdout.includes('stopped cleanly')) throw new Error(`strata serve stopped with exit code ${code}: ${stdout}${stderr}`);
    },
  };
}

/** Runs one phase against a fresh server over `dataDir`, profiled when `profileDir` is set. */
async function withServer<T>(dataDir: string, profileDir: string | null, phase: string, body: (port: number) => Promise<T>): Promise<T> {
  const profile = profileDir === null ? null : { dir: profileDir, name: `wire-${phase}.cpuprofile` };
  const server = await startServer(dataDir, profile);
  measuredWindows.length = 0;
  progress(`${phase}: strata serve listening on 127.0.0.1:${server.port}${profile === null ? '' : ' (node --cpu-prof)'}`);
  let outcome: T;
  try {
    outcome = await body(server.port);
  } catch (error) {
    await server.stop().catch(() => undefined);
    throw error;
  }
  await server.stop();
  if (profile !== null) printProfile(phase, join(profile.dir, profile.name), measuredWindows);
  return outcome;
}

function kafkaClient(port: number): Kafka {
  return new Kafka({ clientId: 'strata-wire-bench', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING });
}

async function withAdmin<T>(port: number, body: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafkaClient(port).admin();
  await admin.connect();
  try {
    return await body(admin);
  } finally {
    await admin.disconnect();
  }
}

async function createTopic(admin: Admin, topic: string): Promise<void> {
  const created = await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  if (!created) throw new Error(`topic ${topic} already exists`);
}

async function endOffset(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return Number(offsets.find((entry) => entry.partition === 0)?.high ?? -1);
}

// ---- kcat -----------------------------------------------------------------------------------

interface KcatRun {
  seconds: number;
  stderr: string;
}

/** Runs kcat (stdout to /dev/null, stdin closed) and times it from spawn to exit. */
function runKcat(args: readonly string[]): Promise<KcatRun> {
  return new Promise((resolveRun, reject) => {
    const start = performance.now();
    const window: [number, number] = [monotonicMicros(), Infinity];
    measuredWindows.push(window);
    const child = spawn(KCAT, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let seconds = 0;
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', (error) => reject(new Error(`kcat could not run (${error.message}): install it with tools/install-system-deps.sh`)));
    child.once('exit', () => {
      seconds = (performance.now() - start) / 1000;
      window[1] = monotonicMicros();
    });
    child.once('close', (code, signal) => {
      if (code !== 0) reject(new Error(`kcat ${args.join(' ')} exited with ${code ?? signal}: ${stderr}`));
      else resolveRun({ seconds, stderr });
    });
  });
}

async function kcatProduce(port: number, admin: Admin, topic: string, file: string, records: number, extra: readonly string[]): Promise<Transfer> {
  const run = await runKcat(['-P', '-b', `127.0.0.1:${port}`, '-t', topic, '-l', file, ...KCAT_PRODUCE_OPTIONS, ...extra]);
  if (/fail|error/i.test(run.stderr)) throw new Error(`kcat -P reported: ${run.stderr}`);
  const end = await endOffset(admin, topic);
  if (end !== records) throw new Error(`kcat -P to ${topic}: log end offset ${end}, expected ${records}`);
  return transferOf(records, run.seconds);
}

async function kcatConsume(port: number, topic: string, records: number): Promise<Transfer> {
  const run = await runKcat(['-C', '-b', `127.0.0.1:${port}`, '-t', topic, '-e', '-o', 'beginning', '-f', '%s\\n', ...KCAT_CONSUME_OPTIONS]);
  const match = /Reached end of topic \S+ \[0\] at offset (\d+)/.exec(run.stderr);
  if (match === null || Number(match[1]) !== records) throw new Error(`kcat -C on ${topic}: expected to reach offset ${records}, kcat said: ${run.stderr}`);
  return transferOf(records, run.seconds);
}

// ---- embedded ---------------------------------------------------------------------------------

async function embeddedProduce(broker: Broker, topic: string, chunk: readonly ProducerRecord[], records: number, batchSizeBytes?: number): Promise<Transfer> {
  await broker.admin.createTopic(topic, { partitions: 1 });
  const producer = broker.producer(batchSizeBytes === undefined ? { acks: 1 } : { acks: 1, batchSizeBytes });
  try {
    // Untimed: the first send fetches the producer id (to a topic of its own, so counts stay exact).
    if (!broker.core.topics.has('embedded-producer-id')) await broker.admin.createTopic('embedded-producer-id', { partitions: 1 });
    await producer.send('embedded-producer-id', chunk.slice(0, 1));
    let issued = 0;
    const start = performance.now();
    const lane = async (): Promise<void> => {
      while (issued < records) {
        issued += chunk.length;
        await producer.send(topic, chunk);
      }
    };
    await Promise.all(Array.from({ length: EMBEDDED_SENDS_IN_FLIGHT }, lane));
    const seconds = (performance.now() - start) / 1000;
    const end = broker.core.topics.partition(topic, 0).logEndOffset;
    if (end !== records) throw new Error(`embedded produce to ${topic}: log end offset ${end}, expected ${records}`);
    return transferOf(records, seconds);
  } finally {
    await producer.close();
  }
}

async function embeddedConsume(broker: Broker, topic: string, records: number): Promise<Transfer> {
  let received = 0;
  let bytes = 0;
  const start = performance.now();
  const consumer = broker.consumer();
  try {
    await consumer.subscribe(topic, { from: 'earliest' });
    for await (const message of consumer) {
      bytes += message.value?.length ?? 0;
      if (++received >= records) break;
    }
    const seconds = (performance.now() - start) / 1000;
    if (bytes !== records * VALUE_BYTES) throw new Error(`embedded consume of ${topic}: ${bytes} value bytes, expected ${records * VALUE_BYTES}`);
    return { records, bytes, seconds };
  } finally {
    await consumer.close();
  }
}

// ---- latency --------------------------------------------------------------------------------

interface LatencyFigures {
  samples: number;
  sends: number;
  achievedRecordsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

/**
 * Paced sender: every tick (a 1 ms timer) calls `send` once with the records due by now; the time
 * from the call to its resolution counts once per record it carried. Records sent during the first
 * `warmUpMs` are not counted.
 */
async function pacedLatency(send: (values: Buffer[]) => Promise<unknown>, filler: Buffer, warmUpMs: number, measureMs: number): Promise<LatencyFigures> {
  const totalRecords = Math.round(((warmUpMs + measureMs) / 1000) * LATENCY_RATE);
  const latencies = new Float64Array(totalRecords);
  let samples = 0;
  let sends = 0;
  let sent = 0;
  let failure: unknown = null;
  const pending = new Set<Promise<unknown>>();
  const window: [number, number] = [monotonicMicros(), Infinity];
  measuredWindows.push(window);
  const started = performance.now();
  const measureFrom = started + warmUpMs;
  await new Promise<void>((resolveSent) => {
    const tick = (): void => {
      const now = performance.now();
      const due = Math.min(totalRecords, Math.floor(((now - started) / 1000) * LATENCY_RATE));
      if (due > sent && failure === null) {
        const values: Buffer[] = [];
        for (; sent < due; sent++) values.push(filler);
        const counted = now >= measureFrom;
        if (counted) sends++;
        const sending = send(values).then(
          () => {
            if (!counted) return;
            const latencyMs = performance.now() - now;
            for (let index = 0; index < values.length; index++) latencies[samples++] = latencyMs;
          },
          (error: unknown) => {
            failure ??= error;
          },
        );
        pending.add(sending);
        void sending.then(() => pending.delete(sending));
      }
      if (sent < totalRecords && failure === null) setTimeout(tick, 1);
      else resolveSent();
    };
    tick();
  });
  await Promise.all(pending);
  window[1] = monotonicMicros();
  if (failure !== null) throw failure;
  const sorted = latencies.subarray(0, samples).sort();
  return {
    samples,
    sends,
    achievedRecordsPerSecond: samples / (measureMs / 1000),
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    p999Ms: quantile(sorted, 0.999),
    maxMs: sorted[sorted.length - 1]!,
  };
}

async function wireLatency(port: number, admin: Admin, topic: string, acks: 1 | -1, filler: Buffer, measureMs: number): Promise<LatencyFigures> {
  await createTopic(admin, topic);
  const producer = kafkaClient(port).producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic, acks, messages: [{ value: filler }] }); // untimed: connection, metadata
    return await pacedLatency((values) => producer.send({ topic, acks, messages: values.map((value) => ({ value })) }), filler, LATENCY_WARM_UP_MS, measureMs);
  } finally {
    await producer.disconnect();
  }
}

async function embeddedLatency(broker: Broker, topic: string, acks: 1 | 'all', filler: Buffer, measureMs: number): Promise<LatencyFigures> {
  await broker.admin.createTopic(topic, { partitions: 1 });
  const producer: Producer = broker.producer({ acks, lingerMs: 0 });
  try {
    await producer.send(topic, [{ value: filler }]); // untimed: the producer id
    return await pacedLatency((values) => producer.send(topic, values.map((value) => ({ value }))), filler, LATENCY_WARM_UP_MS, measureMs);
  } finally {
    await producer.close();
    await broker.admin.deleteTopic(topic);
  }
}

async function minimalLatency(port: number, admin: Admin, topic: string, acks: 1 | -1, filler: Buffer, measureMs: number): Promise<LatencyFigures> {
  await createTopic(admin, topic);
  const producer = await MinimalProducer.connect(port);
  try {
    await producer.send(topic, acks, [filler]);
    return await pacedLatency((values) => producer.send(topic, acks, values), filler, LATENCY_WARM_UP_MS, measureMs);
  } finally {
    producer.close();
  }
}

function describeLatency(figures: LatencyFigures): string {
  return `p50 ${figures.p50Ms.toFixed(3)} ms, p99 ${figures.p99Ms.toFixed(3)} ms, p99.9 ${figures.p999Ms.toFixed(3)} ms, max ${figures.maxMs.toFixed(3)} ms, ${count(figures.achievedRecordsPerSecond)} records/s in ${count(figures.sends)} sends`;
}

function latencyResult(name: string, figures: LatencyFigures, measureMs: number): BenchResult {
  const recordsPerSend = figures.samples / Math.max(1, figures.sends);
  return result(
    `${name} at ${count(LATENCY_RATE)} records/s (~${recordsPerSend.toFixed(0)} per send), ${measureMs / 1000} s, send→ack: p99.9 ${figures.p999Ms.toFixed(3)} ms, max ${figures.maxMs.toFixed(3)} ms`,
    { megabytesPerSecond: (figures.achievedRecordsPerSecond * VALUE_BYTES) / MEGABYTE, recordsPerSecond: figures.achievedRecordsPerSecond },
    null,
    null,
    { p50Ms: figures.p50Ms, p99Ms: figures.p99Ms },
  );
}

// ---- CPU profiles -----------------------------------------------------------------------------

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const sourceMaps = new Map<string, SourceMap | null>();

/** "src/protocol/wire/reader.ts:123 functionName" for a dist file (via its source map), else the URL. */
function locate(callFrame: ProfileNode['callFrame']): { where: string; file: string } {
  const name = callFrame.functionName === '' ? '(anonymous)' : callFrame.functionName;
  if (!callFrame.url.startsWith('file://')) {
    const file = callFrame.url === '' ? name : callFrame.url;
    return { where: callFrame.url === '' ? name : `${name} ${callFrame.url}:${callFrame.lineNumber + 1}`, file };
  }
  const path = fileURLToPath(callFrame.url);
  const inDist = !relative(DIST_ROOT, path).startsWith('..');
  let map = sourceMaps.get(path);
  if (map === undefined) {
    map = null;
    if (inDist && existsSync(`${path}.map`)) {
      try {
        map = new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8')));
      } catch {
        map = null;
      }
    }
    sourceMaps.set(path, map);
  }
  const entry = map?.findEntry(callFrame.lineNumber, callFrame.columnNumber);
  if (entry !== undefined && 'originalSource' in entry) {
    const source = entry.originalSource.startsWith('file://') ? fileURLToPath(entry.originalSource) : resolve(path, '..', entry.originalSource);
    const file = relative(resolve(DIST_ROOT, '..'), source);
    return { where: `${name} ${file}:${entry.originalLine + 1}`, file };
  }
  const file = path.includes('/node_modules/') ? path.slice(path.lastIndexOf('/node_modules/') + 1) : isAbsolute(path) && inDist ? relative(DIST_ROOT, path) : path;
  return { where: `${name} ${file}:${callFrame.lineNumber + 1}`, file };
}

/** Prints the phase's top self-time functions, self time per file, and inclusive time of src/ functions. */
function printProfile(phase: string, path: string, windows: readonly (readonly [number, number])[]): void {
  if (!existsSync(path)) {
    progress(`${phase}: no CPU profile at ${path}`);
    return;
  }
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const places = new Map<number, { where: string; file: string }>();
  const placeOf = (id: number) => {
    let place = places.get(id);
    if (place === undefined) places.set(id, (place = locate(byId.get(id)!.callFrame)));
    return place;
  };
  const self = new Map<string, number>();
  const selfByFile = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  let sampleTime = profile.startTime;
  for (let index = 0; index < profile.samples.length; index++) {
    const id = profile.samples[index]!;
    const deltaUs = Math.max(0, profile.timeDeltas[index] ?? 0);
    sampleTime += profile.timeDeltas[index] ?? 0;
    if (windows.length > 0 && !windows.some(([from, to]) => sampleTime >= from && sampleTime <= to)) continue;
    totalUs += deltaUs;
    const place = placeOf(id);
    if (place.where === '(idle)') {
      idleUs += deltaUs;
      continue;
    }
    self.set(place.where, (self.get(place.where) ?? 0) + deltaUs);
    selfByFile.set(place.file, (selfByFile.get(place.file) ?? 0) + deltaUs);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const where = placeOf(at).where;
      if (!where.includes(' src/') || seen.has(where)) continue;
      seen.add(where);
      inclusive.set(where, (inclusive.get(where) ?? 0) + deltaUs);
    }
  }
  const busyUs = totalUs - idleUs;
  const line = (label: string, us: number) => `${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / busyUs).toFixed(1).padStart(5)}%  ${label}`;
  const top = (map: Map<string, number>, limit: number) => [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, limit);
  const lines = [
    `CPU profile of the server, ${phase} phase (${path}), ${windows.length > 0 ? `during the ${windows.length} wire runs only` : 'whole process'}: ${(totalUs / 1e6).toFixed(2)} s sampled, ${(busyUs / 1e6).toFixed(2)} s busy (percentages of busy)`,
    'self time, top functions:',
    ...top(self, 25).map(([where, us]) => line(where, us)),
    'self time by file:',
    ...top(selfByFile, 15).map(([file, us]) => line(file, us)),
    'inclusive time, src/ functions:',
    ...top(inclusive, 25).map(([where, us]) => line(where, us)),
  ];
  for (const text of lines) console.error(`    ${text}`);
}

// ---- the suite --------------------------------------------------------------------------------

export async function runWireBench(options: WireBenchOptions): Promise<BenchResult[]> {
  const quick = options.quick;
  const records = quick ? 200_000 : 1_000_000;
  const warmUpRecords = quick ? 50_000 : 100_000;
  const rounds = quick ? 3 : 5;
  const latencyMs = quick ? 2000 : 5000;
  const profileDir = process.env[PROFILE_ENV] ? resolve(process.env[PROFILE_ENV]) : null;
  if (profileDir !== null) mkdirSync(profileDir, { recursive: true });

  const root = mkdtempSync(join(tmpdir(), 'strata-bench-wire-'));
  const serverDataDir = join(root, 'server');
  const values = makeValues(VALUE_BYTES, DISTINCT_VALUES);
  const chunk: ProducerRecord[] = values.map((value) => ({ value }));
  const filler = values[0]!;
  const file = join(root, 'records.txt');
  const warmUpFile = join(root, 'warm-up.txt');
  writeRecordFile(file, values, records);
  writeRecordFile(warmUpFile, values, warmUpRecords);
  progress(`temp directory ${root}; ${count(records)} records of ${VALUE_BYTES} B per run, ${rounds} rounds + a warm-up of ${count(warmUpRecords)}; kcat ${KCAT_PRODUCE_OPTIONS.join(' ')}${profileDir === null ? '' : `; profiles in ${profileDir}`}`);

  const broker = await Broker.open({ dataDir: join(root, 'embedded') });
  const results: BenchResult[] = [];
  const targets: string[] = [];
  try {
    // 1. Latency first, on fresh brokers (as the embedded suite does): the throughput runs leave
    //    dirty pages being written back, which acks=-1 fsyncs would wait for.
    progress(`latency: ${count(LATENCY_RATE)} records/s of ${VALUE_BYTES} B, ${LATENCY_WARM_UP_MS} ms warm-up + ${latencyMs} ms each`);
    const embedded1 = await embeddedLatency(broker, 'embedded-latency-acks1', 1, filler, latencyMs);
    progress(`  embedded acks=1: ${describeLatency(embedded1)}`);
    const embeddedAll = await embeddedLatency(broker, 'embedded-latency-acksall', 'all', filler, latencyMs);
    progress(`  embedded acks=all: ${describeLatency(embeddedAll)}`);
    const [wire1, wireAll, minimal1, minimalAll] = await withServer(serverDataDir, profileDir, 'latency', (port) =>
      withAdmin(port, async (admin) => {
        const acks1 = await wireLatency(port, admin, 'wire-latency-acks1', 1, filler, latencyMs);
        progress(`  kafkajs acks=1: ${describeLatency(acks1)}`);
        const minimalAcks1 = await minimalLatency(port, admin, 'minimal-latency-acks1', 1, filler, latencyMs);
        progress(`  minimal client acks=1: ${describeLatency(minimalAcks1)}`);
        const acksAll = await wireLatency(port, admin, 'wire-latency-acksall', -1, filler, latencyMs);
        progress(`  kafkajs acks=-1: ${describeLatency(acksAll)}`);
        const minimalAcksAll = await minimalLatency(port, admin, 'minimal-latency-acksall', -1, filler, latencyMs);
        progress(`  minimal client acks=-1: ${describeLatency(minimalAcksAll)}`);
        await admin.deleteTopics({ topics: ['wire-latency-acks1', 'wire-latency-acksall', 'minimal-latency-acks1', 'minimal-latency-acksall'] });
        return [acks1, acksAll, minimalAcks1, minimalAcksAll] as const;
      }),
    );

    // 2. Produce: per round, the embedded baseline next to kcat with acks -1 (default) and 1.
    const embeddedProduced: Transfer[] = [];
    const embeddedLarge: Transfer[] = [];
    const kcatDefault: Transfer[] = [];
    const kcatAcks1: Transfer[] = [];
    await withServer(serverDataDir, profileDir, 'produce', (port) =>
      withAdmin(port, async (admin) => {
        progress(`produce: warm-up round (untimed, ${count(warmUpRecords)} records)`);
        await embeddedProduce(broker, 'embedded-warm-up', chunk, warmUpRecords);
        await embeddedProduce(broker, 'embedded-large-warm-up', chunk, warmUpRecords, LIBRDKAFKA_BATCH_BYTES);
        await broker.admin.deleteTopic('embedded-large-warm-up');
        await createTopic(admin, 'wire-warm-up');
        await kcatProduce(port, admin, 'wire-warm-up', warmUpFile, warmUpRecords, []);
        for (let round = 0; round < rounds; round++) {
          const embedded = await embeddedProduce(broker, `embedded-${round}`, chunk, records);
          const large = await embeddedProduce(broker, `embedded-large-${round}`, chunk, records, LIBRDKAFKA_BATCH_BYTES);
          await broker.admin.deleteTopic(`embedded-large-${round}`);
          await createTopic(admin, `wire-${round}`);
          const acksDefault = await kcatProduce(port, admin, `wire-${round}`, file, records, []);
          await createTopic(admin, `wire-acks1-${round}`);
          const acks1 = await kcatProduce(port, admin, `wire-acks1-${round}`, file, records, ['-X', 'acks=1']);
          await admin.deleteTopics({ topics: [`wire-acks1-${round}`] });
          embeddedProduced.push(embedded);
          embeddedLarge.push(large);
          kcatDefault.push(acksDefault);
          kcatAcks1.push(acks1);
          progress(`produce round ${round + 1}/${rounds}: embedded acks=1 ${rate(embedded)} (1 MB batches ${rate(large)}), kcat acks=-1 ${rate(acksDefault)}, kcat acks=1 ${rate(acks1)}`);
        }
      }),
    );

    // 3. Consume what was produced, on a restarted server (clean shutdown; the files are in the page cache).
    const embeddedConsumed: Transfer[] = [];
    const kcatConsumed: Transfer[] = [];
    await withServer(serverDataDir, profileDir, 'consume', (port) =>
      withAdmin(port, async (admin) => {
        progress('consume: warm-up round (untimed)');
        await embeddedConsume(broker, 'embedded-warm-up', warmUpRecords);
        await kcatConsume(port, 'wire-warm-up', warmUpRecords);
        for (let round = 0; round < rounds; round++) {
          const embedded = await embeddedConsume(broker, `embedded-${round}`, records);
          const wire = await kcatConsume(port, `wire-${round}`, records);
          embeddedConsumed.push(embedded);
          kcatConsumed.push(wire);
          progress(`consume round ${round + 1}/${rounds}: embedded ${rate(embedded)}, kcat ${rate(wire)}`);
          await admin.deleteTopics({ topics: [`wire-${round}`] });
          await broker.admin.deleteTopic(`embedded-${round}`);
        }
      }),
    );

    const label = `${short(records)} × ${VALUE_BYTES} B`;
    const embeddedProduce1 = throughputOf(embeddedProduced);
    const embeddedProduceLarge = throughputOf(embeddedLarge);
    const produceDefault = throughputOf(kcatDefault);
    const produceAcks1 = throughputOf(kcatAcks1);
    const embeddedConsume1 = throughputOf(embeddedConsumed);
    const consume = throughputOf(kcatConsumed);
    results.push(result(`baseline: embedded produce, acks=1, 1 producer, ${EMBEDDED_SENDS_IN_FLIGHT} × send(${DISTINCT_VALUES}) in flight, ${label}`, embeddedProduce1, null, null));
    results.push(result(`embedded produce, acks=1, as above with batchSizeBytes ${count(LIBRDKAFKA_BATCH_BYTES)} (librdkafka's batch.size), ${label}`, embeddedProduceLarge, embeddedProduce1, 'embedded produce'));
    results.push(result(`produce kcat -P -l, acks=-1 (librdkafka default: fsynced), linger.ms=5, batch.num.messages=10000, ${label}`, produceDefault, embeddedProduce1, 'embedded produce'));
    results.push(result(`produce kcat -P -l, acks=1, linger.ms=5, batch.num.messages=10000, ${label}`, produceAcks1, embeddedProduce1, 'embedded produce'));
    results.push(result(`baseline: embedded consume, iterator, no group, from earliest, ${label}`, embeddedConsume1, null, null));
    results.push(result(`consume kcat -C -e -o beginning -f '%s\\n' > /dev/null, ${label}`, consume, embeddedConsume1, 'embedded consume'));
    results.push(latencyResult('baseline: embedded producer acks=1', embedded1, latencyMs));
    results.push(latencyResult('produce latency kafkajs acks=1', wire1, latencyMs));
    results.push(latencyResult('produce latency minimal client (Produce v7, Strata codec) acks=1', minimal1, latencyMs));
    results.push(latencyResult('baseline: embedded producer acks=all', embeddedAll, latencyMs));
    results.push(latencyResult('produce latency kafkajs acks=-1', wireAll, latencyMs));
    results.push(latencyResult('produce latency minimal client (Produce v7, Strata codec) acks=-1', minimalAll, latencyMs));

    const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
    targets.push(`wire produce (kcat, acks=-1 default): ${count(produceDefault.recordsPerSecond)} records/s, target ≥ 500,000: ${verdict(produceDefault.recordsPerSecond >= 500_000)} (${(produceDefault.recordsPerSecond / embeddedProduce1.recordsPerSecond).toFixed(2)}× embedded, ${(produceDefault.recordsPerSecond / embeddedProduceLarge.recordsPerSecond).toFixed(2)}× embedded with 1 MB batches)`);
    targets.push(`wire produce (kcat, acks=1): ${count(produceAcks1.recordsPerSecond)} records/s, target ≥ 500,000: ${verdict(produceAcks1.recordsPerSecond >= 500_000)} (${(produceAcks1.recordsPerSecond / embeddedProduce1.recordsPerSecond).toFixed(2)}× embedded, ${(produceAcks1.recordsPerSecond / embeddedProduceLarge.recordsPerSecond).toFixed(2)}× embedded with 1 MB batches)`);
    targets.push(`wire consume (kcat): ${count(consume.recordsPerSecond)} records/s, target ≥ 1,500,000: ${verdict(consume.recordsPerSecond >= 1_500_000)} (${(consume.recordsPerSecond / embeddedConsume1.recordsPerSecond).toFixed(2)}× embedded)`);
    targets.push(`wire produce latency (kafkajs, acks=1) at ${count(LATENCY_RATE)}/s: p99 ${wire1.p99Ms.toFixed(3)} ms, target < 5 ms: ${verdict(wire1.p99Ms < 5)} (minimal client p99 ${minimal1.p99Ms.toFixed(3)} ms: ${verdict(minimal1.p99Ms < 5)}; embedded p99 ${embedded1.p99Ms.toFixed(3)} ms)`);
    targets.push(`wire produce latency (kafkajs, acks=-1) at ${count(LATENCY_RATE)}/s: p99 ${wireAll.p99Ms.toFixed(3)} ms (no target; embedded acks=all p99 ${embeddedAll.p99Ms.toFixed(3)} ms)`);
  } finally {
    await broker.close();
    rmSync(root, { recursive: true, force: true });
  }
  for (const text of targets) progress(`target: ${text}`);
  return results;
}
