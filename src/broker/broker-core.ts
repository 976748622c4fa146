/**
 * The broker: one node's topics, partitions, producers and (with ./groups) consumer groups,
 * independent of any transport. The wire protocol and the in-process clients call the same
 * methods, so whatever a network client can do goes through here.
 *
 * It owns the data directory (lock, recovery, checkpoints, clean-shutdown marker), the metadata,
 * and the background jobs (retention, the log cleaner for compacted topics, group session expiry),
 * which stop on close.
 */

import { BATCH_LENGTH_PREFIX_BYTES, Field, maxTimestampAt, readBatchHeader, validateBatchFrame } from '../codec/record-batch-header.js';
import { forEachRecord, setMaxTimestamp, validateRecordBatch } from '../codec/record-batch.js';
import { CleanerManager } from '../storage/cleaner/cleaner-manager.js';
import type { FileIO } from '../storage/file-io.js';
import { nodeFileIO } from '../storage/file-io.js';
import { LogDirectory } from '../storage/log-directory.js';
import type { LogEvent, PartitionLog } from '../storage/partition-log.js';
import { timedFileIO } from '../storage/timed-file-io.js';
import type { BrokerObserver } from './broker-observer.js';
import { BrokerError, toBrokerError } from './broker-error.js';
import { type ConfigOptions } from './config-definitions.js';
import { effectiveValue, parseConfigMap, type ConfigMap, type ConfigValue } from './config-values.js';
import { ConsumerOffsetsStore } from './consumer-offsets-store.js';
import { DataWaiters } from './data-waiters.js';
import { GroupCoordinator } from './groups/group-coordinator.js';
import { MetadataStore } from './metadata-store.js';
import { ProducerStateTable, type AppendedOffsets } from './producer-state.js';
import { recoverProducerState, takeProducerStateSnapshot, writeProducerStateSnapshot } from './producer-state-recovery.js';
import { isInternalTopic } from './topic-name.js';
import { TopicRegistry } from './topic-registry.js';

export type Acks = -1 | 0 | 1;

export interface BrokerCoreOptions extends ConfigOptions {
  dataDir: string;
  /** Storage I/O (tests inject faults through it). */
  io?: FileIO;
  /** Storage events: recovery truncations, segment deletions, logs going offline. */
  onStorageEvent?: (event: LogEvent) => void;
  /** Kafka-named settings (as from a config file); camelCase options win over these. */
  config?: Record<string, ConfigValue>;
  /** Metrics and log hooks (./broker-observer.ts; src/observability builds one). */
  observer?: BrokerObserver;
}

export interface ProduceResult extends AppendedOffsets {
  /** True when this batch was a retry of one already written (idempotent producer). */
  duplicate: boolean;
}

export interface FetchResult {
  /** Whole record batches (the first may start before the requested offset). */
  records: Buffer;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
}

/** ListOffsets' special timestamps. */
export const LATEST_TIMESTAMP = -1;
export const EARLIEST_TIMESTAMP = -2;

const PRODUCER_ID_BLOCK = 1000;
/** How often the group coordinator expires sessions and completes rebalances. */
const GROUP_TICK_MS = 100;
const NON_CONFIG_OPTIONS = new Set(['dataDir', 'io', 'onStorageEvent', 'config', 'observer']);

export class BrokerCore {
  readonly nodeId = 0;
  private readonly producerStates = new Map<string, ProducerStateTable>();
  private readonly waiters = new DataWaiters();
  private retentionTimer: NodeJS.Timeout | null = null;
  private groupTimer: NodeJS.Timeout | null = null;
  /** Compaction of topics whose cleanup.policy includes compact (storage/cleaner/). */
  readonly cleaner: CleanerManager;
  private nextProducerId = 0;
  private producerIdLimit = 0;
  private closed = false;

  private constructor(
    readonly config: ConfigMap,
    readonly topics: TopicRegistry,
    /** The consumer group coordinator (classic protocol) for in-process and wire consumers. */
    readonly groups: GroupCoordinator,
    private readonly directory: LogDirectory,
    private readonly metadata: MetadataStore,
    private readonly io: FileIO,
    private readonly observer: BrokerObserver,
    onStorageEvent: ((event: LogEvent) => void) | undefined,
    injectedIo: boolean,
  ) {
    this.cleaner = new CleanerManager({
      logs: () => [...this.topics.allPartitions()].map(({ log }) => log),
      io,
      mapBytes: effectiveValue('log.cleaner.dedupe.buffer.size', config) as number,
      backoffMs: effectiveValue('log.cleaner.backoff.ms', config) as number,
      maxIoBytesPerSecond: effectiveValue('log.cleaner.io.max.bytes.per.second', config) as number,
      threadNice: effectiveValue('log.cleaner.thread.nice', config) as number,
      // The worker reads and writes with node:fs directly: with injected storage I/O (fault and
      // crash tests) the cleaner runs in-process through it, so crash models cover its writes too.
      useWorker: !injectedIo,
      onError: (log, error) => onStorageEvent?.({ type: 'cleaner-failed', directory: log.directory, error: (error as Error).message }),
      onPass: (log, result, durationMs) => {
        const where = [...this.topics.allPartitions()].find((entry) => entry.log === log);
        if (where === undefined || result.groupsSwapped === 0) return;
        this.observer.onEvent?.({ type: 'log-cleaned', topic: where.topic, partition: where.partition, bytesBefore: result.bytesRead, bytesAfter: result.bytesWritten, durationMs });
      },
    });
  }

  /** Idempotent producers' state per partition, from the clean-shutdown snapshot or the logs' tails. */
  private async recoverProducerStates(): Promise<void> {
    const snapshots = await takeProducerStateSnapshot(this.io, this.directory.path);
    for (const topic of this.topics.list()) {
      if (isInternalTopic(topic.name)) continue; // written by the broker itself, never by idempotent producers
      for (let partition = 0; partition < topic.partitions; partition++) {
        const key = partitionKey(topic.name, partition);
        this.producerStates.set(key, await recoverProducerState(this.topics.partition(topic.name, partition), snapshots.get(key)));
      }
    }
  }

  static async open(options: BrokerCoreOptions): Promise<BrokerCore> {
    const config = brokerConfigOf(options);
    const observer = options.observer ?? {};
    const onFsync = observer.onFsync?.bind(observer);
    const io = onFsync ? timedFileIO(options.io ?? nodeFileIO, onFsync) : (options.io ?? nodeFileIO);
    const onEvent = observer.onEvent?.bind(observer);
    const onStorageEvent = options.onStorageEvent;
    const storageEvent = onStorageEvent || onEvent ? (event: LogEvent) => (onStorageEvent?.(event), onEvent?.(event)) : undefined;
    const directory = await LogDirectory.open(options.dataDir, {
      io,
      checkpointIntervalMs: effectiveValue('log.flush.offset.checkpoint.interval.ms', config) as number,
      ...(storageEvent ? { onEvent: storageEvent } : {}),
    });
    try {
      const metadata = await MetadataStore.open(options.dataDir, io);
      const topics = await TopicRegistry.open(directory, metadata, config, onEvent);
      const groups = await GroupCoordinator.open({
        offsetStore: new ConsumerOffsetsStore(topics, effectiveValue('offsets.topic.num.partitions', config) as number),
        initialRebalanceDelayMs: effectiveValue('group.initial.rebalance.delay.ms', config) as number,
        minSessionTimeoutMs: effectiveValue('group.min.session.timeout.ms', config) as number,
        maxSessionTimeoutMs: effectiveValue('group.max.session.timeout.ms', config) as number,
        partitionExists: (topic, partition) => topics.has(topic) && partition >= 0 && partition < topics.get(topic).partitions,
        ...(onEvent ? { onRebalance: (rebalance) => onEvent({ type: 'group-rebalanced', ...rebalance }) } : {}),
      });
      const broker = new BrokerCore(config, topics, groups, directory, metadata, io, observer, storageEvent, options.io !== undefined);
      await broker.recoverProducerStates();
      broker.startBackgroundJobs();
      return broker;
    } catch (error) {
      await directory.close();
      throw error;
    }
  }

  get clusterId(): string {
    return this.metadata.clusterId;
  }

  get dataDir(): string {
    return this.directory.path;
  }

  private checkOpen(): void {
    if (this.closed) throw new BrokerError('BROKER_NOT_AVAILABLE', 'the broker is closed');
  }

  /**
   * Creates `topic` with the defaults if it is missing and auto-creation is on. Names that look
   * internal (`__` prefix, like `__consumer_offsets`) are never auto-created: create them explicitly.
   */
  async ensureTopic(topic: string): Promise<void> {
    if (this.topics.has(topic)) return;
    if (topic.startsWith('__')) throw new BrokerError('INVALID_TOPIC_EXCEPTION', `topic ${JSON.stringify(topic)} looks internal (starts with "__") and is not auto-created: create it explicitly`);
    if (effectiveValue('auto.create.topics.enable', this.config) !== true) {
      throw new BrokerError('UNKNOWN_TOPIC_OR_PARTITION', `topic ${JSON.stringify(topic)} does not exist (auto.create.topics.enable is false)`);
    }
    try {
      await this.topics.create(topic);
    } catch (error) {
      if (!(error instanceof BrokerError && error.code === 'TOPIC_ALREADY_EXISTS')) throw error;
    }
  }

  // ---- produce ----------------------------------------------------------------------------

  /**
   * Appends one record batch to a partition. acks 0 and 1 resolve once it is written; acks -1
   * (all) once it is fsynced (group commit). A retry of a batch an idempotent producer already
   * wrote resolves with the original offsets and writes nothing.
   *
   * Batches from outside (the wire) are checked record by record first, as Kafka's LogValidator
   * does: every record must parse (compressed ones are decompressed: an unknown or unsupported
   * codec is UNSUPPORTED_COMPRESSION_TYPE), and a CreateTime batch whose header maxTimestamp is not
   * its records' real maximum gets the real one (some clients send it wrong, and time lookups and
   * retention.ms go by it). `trusted` skips that for batches this process encoded itself.
   */
  async produce(topic: string, partition: number, batch: Buffer, acks: Acks, options: { trusted?: boolean } = {}): Promise<ProduceResult> {
    try {
      this.checkOpen();
      const log = this.topics.partition(topic, partition);
      const logAppendTime = this.topics.configValue(topic, 'message.timestamp.type') === 'LogAppendTime';
      const stampedMs = logAppendTime ? Date.now() : null;
      const checked = !options.trusted || logAppendTime;
      if (checked) this.checkRecords(batch, stampedMs, options.trusted === true);
      if (String(this.topics.configValue(topic, 'cleanup.policy')).includes('compact')) checkKeys(topic, batch);
      // A trusted batch's CRC was computed by this process's encoder a moment ago: the log need not
      // compute it again (a batch from the wire was just checked record by record above).
      const frameChecked = checked || options.trusted === true;
      const { result, duplicate } = this.appendIdempotently(topic, partition, batch, (onFailed) => log.append(batch, { frameChecked, onFailed }));
      const offsets = await result;
      // Readable as soon as it is written: wake long polls before waiting for the fsync.
      if (!duplicate) {
        this.waiters.notify(partitionKey(topic, partition));
        this.observer.onProduce?.(topic, partition, batch.readInt32BE(Field.recordCount), batch.length);
      }
      if (acks === -1) await log.flush();
      return { ...offsets, appendTimeMs: stampedMs ?? offsets.appendTimeMs, duplicate };
    } catch (error) {
      throw toBrokerError(error);
    }
  }

  /** Validates a batch's records and sets its max timestamp (the real one, or the log append time). */
  private checkRecords(batch: Buffer, stampedMs: number | null, trusted: boolean): void {
    if (trusted) {
      validateBatchFrame(batch); // before touching its bytes
    } else {
      const summary = validateRecordBatch(batch, 0, batch.length);
      if (stampedMs === null && summary.maxTimestamp !== maxTimestampAt(batch, 0)) setMaxTimestamp(batch, 0, summary.maxTimestamp, false);
    }
    if (stampedMs !== null) setMaxTimestamp(batch, 0, stampedMs, true);
  }

  private appendIdempotently(topic: string, partition: number, batch: Buffer, append: (onFailed?: () => void) => Promise<AppendedOffsets>): { result: Promise<AppendedOffsets>; duplicate: boolean } {
    if (batch.length < Field.recordCount + 4) return { result: append(), duplicate: false };
    const header = readBatchHeader(batch);
    if (header.producerId < 0) return { result: append(), duplicate: false };
    const key = partitionKey(topic, partition);
    let table = this.producerStates.get(key);
    if (table === undefined) this.producerStates.set(key, (table = new ProducerStateTable()));
    const check = table.check(header.producerId, header.producerEpoch, header.baseSequence, header.recordCount);
    if (check.kind === 'duplicate') return { result: check.result, duplicate: true };
    let forgetFailedWrite: (() => void) | undefined;
    const result = append(() => forgetFailedWrite?.());
    forgetFailedWrite = check.register(result);
    return { result, duplicate: false };
  }

  /** A new producer id (epoch 0) for an idempotent producer; ids are reserved durably in blocks. */
  async initProducerId(): Promise<{ producerId: number; producerEpoch: number }> {
    this.checkOpen();
    if (this.nextProducerId >= this.producerIdLimit) {
      this.nextProducerId = await this.metadata.reserveProducerIds(PRODUCER_ID_BLOCK);
      this.producerIdLimit = this.nextProducerId + PRODUCER_ID_BLOCK;
    }
    return { producerId: this.nextProducerId++, producerEpoch: 0 };
  }

  // ---- fetch ------------------------------------------------------------------------------

  /** Whole batches from `offset`, up to `maxBytes` (at least one batch), and the partition's marks. */
  async fetch(topic: string, partition: number, offset: number, maxBytes: number): Promise<FetchResult> {
    try {
      this.checkOpen();
      const log = this.topics.partition(topic, partition);
      const records = await log.read(offset, maxBytes);
      if (this.observer.onFetch !== undefined && records.length > 0) this.observer.onFetch(topic, partition, recordCountOf(records), records.length);
      return { records, highWatermark: log.highWatermark, lastStableOffset: log.highWatermark, logStartOffset: log.logStartOffset };
    } catch (error) {
      throw toBrokerError(error);
    }
  }

  /**
   * Long poll: resolves when any of `positions` has data at or past its offset, after `maxWaitMs`,
   * or when `signal` aborts. Returns at once if one already has.
   */
  async waitForData(positions: readonly { topic: string; partition: number; offset: number }[], maxWaitMs: number, signal?: AbortSignal): Promise<void> {
    const hasData = () => positions.some(({ topic, partition, offset }) => this.topics.has(topic) && offset < this.endOffsetOrZero(topic, partition));
    if (this.closed || hasData()) return;
    await this.waiters.wait(positions.map(({ topic, partition }) => partitionKey(topic, partition)), maxWaitMs, signal);
  }

  private endOffsetOrZero(topic: string, partition: number): number {
    try {
      return this.topics.partition(topic, partition).logEndOffset;
    } catch {
      return 0;
    }
  }

  /**
   * ListOffsets: LATEST_TIMESTAMP (-1) gives the log end, EARLIEST_TIMESTAMP (-2) the log start,
   * a timestamp the first offset whose record is at or after it (offset -1 when none is).
   */
  async listOffset(topic: string, partition: number, timestamp: number): Promise<{ offset: number; timestamp: number }> {
    try {
      this.checkOpen();
      const log = this.topics.partition(topic, partition);
      if (log.isOffline) throw new BrokerError('KAFKA_STORAGE_ERROR', `${partitionKey(topic, partition)} is offline after a disk error; restart the broker`);
      if (timestamp === LATEST_TIMESTAMP) return { offset: log.logEndOffset, timestamp: -1 };
      if (timestamp === EARLIEST_TIMESTAMP) return { offset: log.logStartOffset, timestamp: -1 };
      if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new BrokerError('INVALID_REQUEST', `invalid timestamp ${timestamp}`);
      return (await log.offsetForTimestamp(timestamp)) ?? { offset: -1, timestamp: -1 };
    } catch (error) {
      throw toBrokerError(error);
    }
  }

  // ---- background jobs and close ----------------------------------------------------------

  private startBackgroundJobs(): void {
    const intervalMs = effectiveValue('log.retention.check.interval.ms', this.config) as number;
    this.retentionTimer = setInterval(() => void this.enforceRetention().catch(() => undefined), intervalMs);
    this.retentionTimer.unref();
    this.groupTimer = setInterval(() => this.groups.tick(), GROUP_TICK_MS);
    this.groupTimer.unref();
    if (effectiveValue('log.cleaner.enable', this.config) === true) this.cleaner.start();
  }

  /** Runs retention on every partition whose cleanup.policy includes delete. */
  async enforceRetention(nowMs = Date.now()): Promise<void> {
    for (const { topic, log } of this.topics.allPartitions()) {
      if (!String(this.topics.configValue(topic, 'cleanup.policy')).includes('delete') || log.isOffline) continue;
      await log.enforceRetention(nowMs);
    }
  }

  /** Stops background jobs, wakes long polls, flushes and closes every log, releases the directory. */
  private async writeProducerStateSnapshot(): Promise<void> {
    const partitions = new Map<string, { log: PartitionLog; table: ProducerStateTable }>();
    for (const [key, table] of this.producerStates) {
      const [topic, partition] = splitPartitionKey(key);
      if (this.topics.has(topic) && partition < this.topics.get(topic).partitions) partitions.set(key, { log: this.topics.partition(topic, partition), table });
    }
    await writeProducerStateSnapshot(this.io, this.directory.path, partitions);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.retentionTimer !== null) clearInterval(this.retentionTimer);
    if (this.groupTimer !== null) clearInterval(this.groupTimer);
    this.waiters.wakeAll();
    await this.cleaner.close();
    await this.groups.close();
    await this.topics.idle();
    await this.writeProducerStateSnapshot().catch(() => undefined); // without it, the next open scans the logs' tails
    await this.directory.close();
  }
}

/** A compacted topic keeps the newest record per key: a record without a key is refused, as in Kafka. */
function checkKeys(topic: string, batch: Buffer): void {
  let index = 0;
  let keyless = -1;
  forEachRecord(batch, (_offset, _timestamp, key) => {
    if (key === null && keyless < 0) keyless = index;
    index++;
  });
  if (keyless >= 0) throw new BrokerError('INVALID_RECORD', `compacted topic ${topic} cannot accept a record without a key (record ${keyless} of the batch)`);
}

/** Records in the whole batches of `bytes` (from each batch header: no record is decoded). */
function recordCountOf(bytes: Buffer): number {
  let count = 0;
  for (let position = 0; position + Field.recordCount + 4 <= bytes.length; position += bytes.readInt32BE(position + Field.batchLength) + BATCH_LENGTH_PREFIX_BYTES) {
    count += bytes.readInt32BE(position + Field.recordCount);
  }
  return count;
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

function splitPartitionKey(key: string): [string, number] {
  const dash = key.lastIndexOf('-');
  return [key.slice(0, dash), Number(key.slice(dash + 1))];
}

/** The broker settings from options: camelCase keys and a Kafka-named `config` map, validated. */
function brokerConfigOf(options: BrokerCoreOptions): ConfigMap {
  const camelCase: Record<string, ConfigValue> = {};
  for (const [key, value] of Object.entries(options)) if (!NON_CONFIG_OPTIONS.has(key)) camelCase[key] = value as ConfigValue;
  return { ...parseConfigMap(options.config ?? {}, 'broker'), ...parseConfigMap(camelCase, 'broker') };
}

