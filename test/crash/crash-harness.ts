// The crash harness: a broker under load from real Kafka clients (kafkajs), crashed at random
// moments and restarted, with every acknowledgement checked against what the restarted broker
// serves. Used by ./crash.test.ts (the CI slice) and by `npm run test:crash -- --kills N`.
//
// Two modes:
// - 'sigkill' (acks=-1): a real `strata serve` child (dist/) killed with SIGKILL. After each
//   restart every acknowledged record is at its acknowledged offset (so present exactly once: a
//   record's value is unique), offsets are dense, the log holds only records that were sent, in
//   the order each partition's producer sent them, nothing stored before is lost, committed group
//   offsets are the last acknowledged commit (or the one in flight at the kill), and the first
//   write after the restart lands at the recovered log end. Losses must be 0.
// - 'power-loss' (acks=1, flush.ms set): the broker runs in this process over a
//   FaultInjectingFileIO and the "crash" is a simulated power loss (every write not yet fsynced may
//   be lost or torn). The same checks, except that acknowledged records may be lost, but only
//   ones acknowledged within the unflushed window (flush.ms plus scheduling slack) before the
//   crash, and only as a cut tail: the log is still a valid prefix of what was written.
//
// Producers send without retries (retries: 0, not idempotent): a send that got no reply was sent
// exactly once, so it is either in the log once or not at all, and a retry can never duplicate a
// record. (Idempotent producers do not help across a restart here: producer state is kept in
// memory, see src/broker/producer-state.ts.)
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { StrataServer } from '../../src/protocol/serve.js';
import { FaultInjectingFileIO } from '../../src/storage/fault-injecting-file-io.js';
import { seededRandom } from '../support/random.js';
import { startServe } from '../support/serve-child.js';
import { connectTo, readPartition, type StoredRecord } from '../../bench/wire-client.js';

export type CrashMode = 'sigkill' | 'power-loss';

export interface CrashRunOptions {
  mode: CrashMode;
  kills: number;
  /** An empty directory the broker owns for the whole run. */
  dataDir: string;
  seed?: number;
  partitions?: number;
  /** power-loss mode: the topic's flush.ms. */
  flushMs?: number;
  /** Load runs this long (a random duration in [min, max)) before each crash. */
  loadMs?: { min: number; max: number };
  /** Progress lines (one per trial). */
  log?: (line: string) => void;
}

export interface CrashTotals {
  mode: CrashMode;
  seed: number;
  trials: number;
  ackedRecords: number;
  lostRecords: number;
  /** Records that were sent but never acknowledged and are in the log (allowed: the reply was lost). */
  unackedKept: number;
  ackedCommits: number;
  /** The oldest lost record's age at the crash (crash time minus acknowledgement time), ms. */
  maxLostAgeMs: number;
  finalRecords: number;
  seconds: number;
}

export class CrashInvariantError extends Error {}

const TOPIC = 'crash';
const GROUP = 'crash-group';
/** Slack on top of flush.ms for timers running late on a busy machine (power-loss mode). */
const SCHEDULING_SLACK_MS = 1_000;
const CLIENT_STOP_TIMEOUT_MS = 2_000;

interface Entry {
  value: string;
  /** When the producer got the acknowledgement (ms), or null if it never did. */
  ackedAtMs: number | null;
}

interface PartitionModel {
  partition: number;
  nextSequence: number;
  /** Index = offset: the last verified log, then what was acknowledged since. */
  entries: (Entry | undefined)[];
  verifiedEnd: number;
  lastAckedCommit: number;
  commitsInFlight: number[];
}


function valueFor(partition: number, sequence: number, paddingBytes: number): string {
  return `${partition}:${sequence}:`.padEnd(16 + paddingBytes, 'x');
}

function sequenceOf(value: string, partition: number): number {
  const [owner, sequence] = value.split(':');
  if (Number(owner) !== partition) return NaN;
  return Number(sequence);
}

// ---- the broker under test ----------------------------------------------------------------

interface Target {
  port: number;
  crash(): Promise<void>;
  /** Orderly stop at the end of the run. */
  stop(): Promise<void>;
}

async function startTarget(options: Required<Pick<CrashRunOptions, 'mode' | 'dataDir' | 'flushMs'>>, random: (below: number) => number): Promise<Target> {
  const settings = { 'group.initial.rebalance.delay.ms': 0 };
  if (options.mode === 'sigkill') {
    const child = await startServe(options.dataDir, settings);
    return {
      port: child.port,
      crash: () => child.kill(),
      stop: async () => {
        const exited = new Promise((resolve) => child.child.once('exit', resolve));
        child.child.kill('SIGTERM');
        await exited;
      },
    };
  }
  const io = new FaultInjectingFileIO();
  const server = await StrataServer.start({ host: '127.0.0.1', port: 0, broker: { dataDir: options.dataDir, io, config: { ...settings, 'flush.ms': options.flushMs } } });
  return {
    port: server.port,
    crash: async () => {
      await io.crash(() => random(1 << 30) / (1 << 30));
      // Every file call now fails: the close answers what is in flight with errors and releases the lock.
      await server.close().catch(() => undefined);
    },
    stop: () => server.close(),
  };
}

// ---- load ---------------------------------------------------------------------------------

interface Trial {
  violations: string[];
  ackedRecords: number;
  ackedCommits: number;
}

function kafkaFor(port: number): Kafka {
  return new Kafka({ clientId: 'crash', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 }, connectionTimeout: 3_000, requestTimeout: 15_000 });
}

/** Produces to one partition, one send at a time, until `stopped()`; records each acknowledgement. */
async function producePartition(producer: Producer, model: PartitionModel, acks: -1 | 1, random: (below: number) => number, trial: Trial, stopped: () => boolean): Promise<void> {
  let first = true;
  while (!stopped()) {
    const count = 1 + random(20);
    const values = Array.from({ length: count }, () => valueFor(model.partition, model.nextSequence++, random(200)));
    let baseOffset: number;
    try {
      const [result] = await producer.send({ topic: TOPIC, acks, messages: values.map((value) => ({ value, partition: model.partition })) });
      baseOffset = Number(result!.baseOffset);
      if (result!.errorCode !== 0) throw new Error(`error code ${result!.errorCode}`);
    } catch {
      return; // the broker went away: this send is unacknowledged
    }
    const ackedAtMs = Date.now();
    if (first && baseOffset !== model.verifiedEnd) trial.violations.push(`partition ${model.partition}: the first write after the restart got offset ${baseOffset}, not the recovered log end ${model.verifiedEnd}`);
    first = false;
    values.forEach((value, index) => {
      const offset = baseOffset + index;
      if (model.entries[offset] !== undefined) trial.violations.push(`partition ${model.partition}: offset ${offset} acknowledged twice`);
      model.entries[offset] = { value, ackedAtMs };
    });
    trial.ackedRecords += count;
  }
}

/** A group member that commits, without auto-commit, the offset after each batch it is given. */
async function startCommitter(kafka: Kafka, models: PartitionModel[], trial: Trial, stopped: () => boolean): Promise<Consumer> {
  const consumer = kafka.consumer({ groupId: GROUP, sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 100, retry: { retries: 0 } });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  // The acknowledgement: kafkajs emits this only once the coordinator answered without error
  // (commitOffsets() itself also resolves, committing nothing, once the consumer is stopping).
  consumer.on(consumer.events.COMMIT_OFFSETS, ({ payload }) => {
    for (const topic of payload.topics) {
      for (const { partition, offset } of topic.partitions) {
        const model = models[Number(partition)]!;
        model.lastAckedCommit = Number(offset);
        model.commitsInFlight = model.commitsInFlight.filter((inFlight) => inFlight > Number(offset));
        trial.ackedCommits++;
      }
    }
  });
  void consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: 1,
    eachBatch: async ({ batch }) => {
      if (stopped() || batch.isEmpty()) return;
      const model = models[batch.partition]!;
      const offset = Number(batch.lastOffset()) + 1;
      model.commitsInFlight.push(offset);
      await consumer.commitOffsets([{ topic: TOPIC, partition: batch.partition, offset: String(offset) }]);
    },
  }).catch(() => undefined);
  return consumer;
}

function settleWithin<T>(promise: Promise<T>, timeoutMs: number): Promise<void> {
  return Promise.race([promise.then(() => undefined, () => undefined), new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref())]);
}

// ---- checks after a restart ---------------------------------------------------------------

interface Check {
  lost: number;
  unackedKept: number;
  maxLostAgeMs: number;
}

function checkPartition(mode: CrashMode, model: PartitionModel, stored: StoredRecord[], crashAtMs: number, windowMs: number, violations: string[]): Check {
  const p = model.partition;
  const check: Check = { lost: 0, unackedKept: 0, maxLostAgeMs: 0 };
  let lastSequence = -1;
  for (let offset = 0; offset < stored.length; offset++) {
    const record = stored[offset]!;
    if (record.offset !== offset) return fail(violations, `partition ${p}: offsets not dense: position ${offset} holds offset ${record.offset}`, check);
    const sequence = sequenceOf(record.value, p);
    if (!(sequence >= 0 && sequence < model.nextSequence)) return fail(violations, `partition ${p}: offset ${offset} holds a record never sent: ${record.value.slice(0, 40)}`, check);
    if (sequence <= lastSequence) return fail(violations, `partition ${p}: offset ${offset} holds sequence ${sequence} after ${lastSequence} (duplicate or reordered)`, check);
    lastSequence = sequence;
  }
  for (let offset = 0; offset < model.entries.length; offset++) {
    const entry = model.entries[offset];
    if (entry === undefined) continue;
    const record = stored[offset];
    if (record !== undefined) {
      if (record.value !== entry.value) violations.push(`partition ${p}: offset ${offset} holds ${record.value.slice(0, 24)}, acknowledged as ${entry.value.slice(0, 24)}`);
      continue;
    }
    if (offset < model.verifiedEnd) violations.push(`partition ${p}: offset ${offset}, stored before the last restart, is gone (log end ${stored.length})`);
    else if (mode === 'sigkill') violations.push(`partition ${p}: acknowledged record at offset ${offset} lost (log end ${stored.length})`);
    else if (entry.ackedAtMs !== null) {
      const ageMs = crashAtMs - entry.ackedAtMs;
      if (ageMs > windowMs) violations.push(`partition ${p}: record at offset ${offset} acknowledged ${ageMs} ms before the crash was lost (window ${windowMs} ms)`);
      check.maxLostAgeMs = Math.max(check.maxLostAgeMs, ageMs);
    }
    if (entry.ackedAtMs !== null && offset >= model.verifiedEnd) check.lost++;
  }
  for (let offset = model.verifiedEnd; offset < stored.length; offset++) if (model.entries[offset]?.ackedAtMs == null) check.unackedKept++;
  model.entries = stored.map((record, offset) => ({ value: record.value, ackedAtMs: model.entries[offset]?.ackedAtMs ?? null }));
  model.verifiedEnd = stored.length;
  return check;
}

function fail(violations: string[], message: string, check: Check): Check {
  violations.push(message);
  return check;
}

async function checkCommits(mode: CrashMode, kafka: Kafka, models: PartitionModel[], violations: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [topic] = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
    for (const model of models) {
      const committed = Number(topic?.partitions.find((entry) => entry.partition === model.partition)?.offset ?? -1);
      const allowed = [model.lastAckedCommit, ...model.commitsInFlight];
      if (!allowed.includes(committed)) violations.push(`partition ${model.partition}: committed offset ${committed}, expected one of ${allowed.join(', ')} (last acknowledged, then in flight)`);
      if (mode === 'sigkill' && committed > model.verifiedEnd) violations.push(`partition ${model.partition}: committed offset ${committed} is past the log end ${model.verifiedEnd}`);
      model.lastAckedCommit = committed;
      model.commitsInFlight = [];
    }
  } finally {
    await admin.disconnect();
  }
}

// ---- the run ------------------------------------------------------------------------------

export async function runCrashTrials(options: CrashRunOptions): Promise<CrashTotals> {
  const seed = options.seed ?? Date.now() % 0x7fffffff;
  const random = seededRandom(seed);
  const partitions = options.partitions ?? 4;
  const flushMs = options.flushMs ?? 100;
  const loadMs = options.loadMs ?? { min: 150, max: 1_000 };
  const windowMs = flushMs + SCHEDULING_SLACK_MS;
  const acks = options.mode === 'sigkill' ? -1 : 1;
  const log = options.log ?? (() => undefined);
  const startMs = performance.now();
  const totals: CrashTotals = { mode: options.mode, seed, trials: 0, ackedRecords: 0, lostRecords: 0, unackedKept: 0, ackedCommits: 0, maxLostAgeMs: 0, finalRecords: 0, seconds: 0 };
  const models: PartitionModel[] = Array.from({ length: partitions }, (_, partition) => ({ partition, nextSequence: 0, entries: [], verifiedEnd: 0, lastAckedCommit: -1, commitsInFlight: [] }));
  const target = { mode: options.mode, dataDir: options.dataDir, flushMs };

  let server = await startTarget(target, random);
  const admin = kafkaFor(server.port).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: partitions }], waitForLeaders: true });
  // The group's first commit creates __consumer_offsets (50 partitions): do it before the trials,
  // so that a crash never lands in the middle of it trial after trial.
  await admin.setOffsets({ groupId: GROUP, topic: TOPIC, partitions: models.map((model) => ({ partition: model.partition, offset: '0' })) });
  for (const model of models) model.lastAckedCommit = 0;
  await admin.disconnect();

  for (let trial = 0; trial < options.kills; trial++) {
    const current: Trial = { violations: [], ackedRecords: 0, ackedCommits: 0 };
    const kafka = kafkaFor(server.port);
    let stopped = false;
    const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: false, retry: { retries: 0 } });
    await producer.connect();
    const lanes = models.map((model) => producePartition(producer, model, acks, random, current, () => stopped));
    const consumer = await startCommitter(kafka, models, current, () => stopped).catch(() => null);

    await new Promise((resolve) => setTimeout(resolve, loadMs.min + random(loadMs.max - loadMs.min)));
    const crashAtMs = Date.now();
    await server.crash();
    stopped = true;
    await settleWithin(Promise.all(lanes), CLIENT_STOP_TIMEOUT_MS);
    await settleWithin(producer.disconnect(), CLIENT_STOP_TIMEOUT_MS);
    if (consumer !== null) await settleWithin(consumer.disconnect(), CLIENT_STOP_TIMEOUT_MS);

    server = await startTarget(target, random);
    const wire = await connectTo(server.port);
    let lost = 0;
    let unackedKept = 0;
    try {
      for (const model of models) {
        const { records } = await readPartition(wire, TOPIC, model.partition);
        const check = checkPartition(options.mode, model, records, crashAtMs, windowMs, current.violations);
        lost += check.lost;
        unackedKept += check.unackedKept;
        totals.maxLostAgeMs = Math.max(totals.maxLostAgeMs, check.maxLostAgeMs);
      }
    } finally {
      await wire.close();
    }
    await checkCommits(options.mode, kafkaFor(server.port), models, current.violations);

    totals.trials++;
    totals.ackedRecords += current.ackedRecords;
    totals.ackedCommits += current.ackedCommits;
    totals.lostRecords += lost;
    totals.unackedKept += unackedKept;
    log(`trial ${trial + 1}/${options.kills}: ${current.ackedRecords} records and ${current.ackedCommits} commits acknowledged, ${lost} lost, ${unackedKept} unacknowledged kept; log ends ${models.map((model) => model.verifiedEnd).join('/')}`);
    if (current.violations.length > 0) {
      await server.stop().catch(() => undefined);
      throw new CrashInvariantError(`${options.mode} trial ${trial + 1} (seed ${seed}):\n${current.violations.slice(0, 20).join('\n')}`);
    }
  }

  // A last round of writes on the final restart, then an orderly stop.
  const kafka = kafkaFor(server.port);
  const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
  await producer.connect();
  for (const model of models) {
    const [result] = await producer.send({ topic: TOPIC, acks: -1, messages: [{ value: valueFor(model.partition, model.nextSequence++, 0), partition: model.partition }] });
    if (Number(result!.baseOffset) !== model.verifiedEnd) throw new CrashInvariantError(`partition ${model.partition}: the final write got offset ${result!.baseOffset}, not ${model.verifiedEnd}`);
  }
  await producer.disconnect();
  await server.stop();
  totals.finalRecords = models.reduce((sum, model) => sum + model.verifiedEnd, 0);
  totals.seconds = (performance.now() - startMs) / 1000;
  return totals;
}

/** One line for logs and reports. */
export function describeTotals(totals: CrashTotals): string {
  return (
    `crash ${totals.mode} (seed ${totals.seed}): ${totals.trials} trials in ${totals.seconds.toFixed(1)} s; ` +
    `acked records ${totals.ackedRecords}, lost records ${totals.lostRecords}` +
    (totals.mode === 'power-loss' ? ` (oldest lost acknowledged ${totals.maxLostAgeMs} ms before the crash)` : '') +
    `; ${totals.unackedKept} unacknowledged records kept; ${totals.ackedCommits} group commits acknowledged; final log ${totals.finalRecords} records`
  );
}
