/**
 * The in-process producer: records in, offsets out, no sockets. As Kafka's producer it
 * - picks partitions (explicit, murmur2 of the key, or one sticky partition per batch for
 *   records without a key);
 * - batches per partition: a batch closes at `batchSize` bytes or `lingerMs` after its first
 *   record; it is encoded once (compressed if asked) and appended whole;
 * - is idempotent by default: a producer id from the broker and a sequence per partition, so a
 *   retried batch is never written twice;
 * - pipelines: up to `maxInFlightBatches` batches per partition are with the broker at once, in
 *   order, and retries keep that order (./partition-lane.ts);
 * - bounds its memory: records waiting for their batch's acknowledgement count against
 *   `bufferMemoryBytes`; past it, send() waits for room (or rejects, `whenBufferFull: 'reject'`).
 * acks: 0 = don't wait (offsets unknown, -1), 1 = written, -1 / 'all' = fsynced (group commit).
 */

import { encodeRecordBatch } from '../codec/record-batch.js';
import type { RecordBytes, RecordHeaderInput, RecordInput } from '../codec/record.js';
import type { CompressionName } from '../codec/compression.js';
import { BrokerError } from '../broker/broker-error.js';
import type { Acks, BrokerCore } from '../broker/broker-core.js';
import { defaultPartitioner, selectPartition, type Partitioner } from '../broker/partitioner.js';
import { ClientError } from './client-error.js';
import { PartitionLane } from './partition-lane.js';

export interface ProducerRecord {
  key?: RecordBytes;
  value: RecordBytes;
  headers?: readonly RecordHeaderInput[] | Record<string, RecordBytes>;
  /** Milliseconds since the epoch; now when absent. */
  timestamp?: number;
  /** Send to this partition instead of asking the partitioner. */
  partition?: number;
}

export interface RecordMetadata {
  topic: string;
  partition: number;
  /** -1 with acks 0. */
  offset: number;
  timestamp: number;
}

export interface ProducerOptions {
  /** 0, 1, or -1 / 'all' (default 'all': acknowledged means fsynced). */
  acks?: Acks | 'all';
  /** Wait this long for more records before closing a batch (default 0: what one tick brings). */
  lingerMs?: number;
  /** Close a batch at this many bytes (default 16 KiB). */
  batchSizeBytes?: number;
  compression?: CompressionName;
  /** Producer id + sequences so retries never duplicate (default true). */
  idempotent?: boolean;
  /** Bytes of records awaiting acknowledgement before send() waits (default 32 MiB). */
  bufferMemoryBytes?: number;
  whenBufferFull?: 'wait' | 'reject';
  partitioner?: Partitioner;
  /** Attempts for a batch refused with a retriable error (default 5), and the pause between them. */
  retries?: number;
  /** Batches per partition handed to the broker before the first is acknowledged (default 5, as Kafka). */
  maxInFlightBatches?: number;
  retryBackoffMs?: number;
}

/** One send() call: its records' results fill in as their batches are acknowledged. */
interface SendRequest {
  results: RecordMetadata[];
  remaining: number;
  settled: boolean;
  resolve: (results: RecordMetadata[]) => void;
  reject: (error: unknown) => void;
}

/** A record waiting in a batch: what the encoder reads, plus where its result goes. */
interface PendingRecord extends RecordInput {
  timestamp: number;
  sizeBytes: number;
  partition: number;
  request: SendRequest | null;
  /** Position of the record in its send() call. */
  index: number;
}

function succeed(pending: PendingRecord, metadata: RecordMetadata): void {
  const request = pending.request!;
  if (request.settled) return;
  request.results[pending.index] = metadata;
  if (--request.remaining === 0) {
    request.settled = true;
    request.resolve(request.results);
  }
}

function failRecord(pending: PendingRecord, error: unknown): void {
  const request = pending.request!;
  if (request.settled) return;
  request.settled = true;
  request.reject(error);
}

interface OpenBatch {
  topic: string;
  partition: number;
  records: PendingRecord[];
  sizeBytes: number;
  /** Cancels the linger timer that would close this batch. */
  cancelTimer: () => void;
}

/**
 * Refusals worth retrying. OUT_OF_ORDER_SEQUENCE_NUMBER is one here: it answers a batch sent behind
 * one whose write failed, and goes away once the lane resends them in order.
 */
const RETRIABLE = new Set(['NOT_LEADER_OR_FOLLOWER', 'KAFKA_STORAGE_ERROR', 'REQUEST_TIMED_OUT', 'NOT_ENOUGH_REPLICAS', 'UNKNOWN_TOPIC_OR_PARTITION', 'OUT_OF_ORDER_SEQUENCE_NUMBER']);

type ProducerIdentity = { producerId: number; producerEpoch: number };
const RECORD_OVERHEAD_BYTES = 24;

function headersOf(headers: ProducerRecord['headers']): readonly RecordHeaderInput[] | undefined {
  if (headers === undefined || Array.isArray(headers)) return headers as readonly RecordHeaderInput[] | undefined;
  return Object.entries(headers).map(([key, value]) => ({ key, value }));
}

function sizeOf(bytes: RecordBytes | undefined): number {
  if (bytes === null || bytes === undefined) return 0;
  return typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.length;
}

function recordSize(record: RecordInput): number {
  return RECORD_OVERHEAD_BYTES + sizeOf(record.key) + sizeOf(record.value) + (record.headers ?? []).reduce((sum, header) => sum + header.key.length + sizeOf(header.value), 0);
}

export class Producer {
  private readonly acks: Acks;
  private readonly lingerMs: number;
  private readonly batchSizeBytes: number;
  private readonly bufferMemoryBytes: number;
  private readonly partitioner: Partitioner & { onNewBatch?: (topic: string) => void };
  private readonly openBatches = new Map<string, OpenBatch>();
  /** Per partition: the next sequence and the lane its batches go through, in order. */
  private readonly partitionStates = new Map<string, { nextSequence: number; lane: PartitionLane }>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly roomWaiters: (() => void)[] = [];
  private bufferedBytes = 0;
  private producerIdentity: Promise<ProducerIdentity> | null = null;
  /** The producer id once it has arrived (batches then encode without waiting a tick). */
  private identityValue: ProducerIdentity | null = null;
  private closed = false;

  constructor(
    private readonly broker: BrokerCore,
    private readonly options: ProducerOptions = {},
  ) {
    this.acks = options.acks === 'all' || options.acks === undefined ? -1 : options.acks;
    this.lingerMs = options.lingerMs ?? 0;
    this.batchSizeBytes = options.batchSizeBytes ?? 16 * 1024;
    this.bufferMemoryBytes = options.bufferMemoryBytes ?? 32 * 1024 * 1024;
    this.partitioner = options.partitioner ?? defaultPartitioner();
    if (![-1, 0, 1].includes(this.acks)) throw new ClientError('INVALID_ARGUMENT', `acks must be 0, 1, -1 or 'all', got ${String(options.acks)}`);
  }

  /** Sends records to `topic`; resolves with each record's partition and offset once acknowledged. */
  async send(topic: string, records: readonly ProducerRecord[]): Promise<RecordMetadata[]> {
    if (this.closed) throw new ClientError('CLIENT_CLOSED', 'the producer is closed');
    if (!this.broker.topics.has(topic)) await this.broker.ensureTopic(topic);
    if (records.length === 0) return [];
    const partitionCount = this.broker.topics.get(topic).partitions;
    // Everything is checked before anything is queued: a bad record fails the call as a whole.
    const nowMs = Date.now();
    const prepared = records.map((record, index) => this.prepare(topic, partitionCount, record, index, nowMs));
    return new Promise<RecordMetadata[]>((resolve, reject) => {
      const request: SendRequest = { results: new Array<RecordMetadata>(records.length), remaining: records.length, settled: false, resolve, reject };
      for (const pending of prepared) pending.request = request;
      void this.enqueueAll(topic, prepared).catch((error: unknown) => {
        if (!request.settled) {
          request.settled = true;
          reject(error);
        }
      });
    });
  }

  private prepare(topic: string, partitionCount: number, record: ProducerRecord, index: number, nowMs: number): PendingRecord {
    const key = record.key ?? null;
    const partition = selectPartition({ topic, partitionCount, key: typeof key === 'string' ? Buffer.from(key) : key, partition: record.partition }, this.partitioner);
    const pending: PendingRecord = { key, value: record.value, timestamp: record.timestamp ?? nowMs, sizeBytes: 0, partition, request: null, index };
    if (record.headers !== undefined) pending.headers = headersOf(record.headers)!;
    pending.sizeBytes = recordSize(pending);
    if (pending.sizeBytes > this.bufferMemoryBytes) throw new ClientError('RECORD_TOO_LARGE', `a record of ${pending.sizeBytes} bytes exceeds bufferMemoryBytes (${this.bufferMemoryBytes})`);
    return pending;
  }

  /** Queues records in order, waiting for buffer room only when it runs out. */
  private async enqueueAll(topic: string, prepared: readonly PendingRecord[]): Promise<void> {
    for (const pending of prepared) {
      if (this.bufferedBytes + pending.sizeBytes > this.bufferMemoryBytes) await this.reserve(pending.sizeBytes);
      else this.bufferedBytes += pending.sizeBytes;
      this.enqueue(topic, pending.partition, pending);
    }
  }

  /** Waits until `sizeBytes` more fit in the buffer (or rejects, per `whenBufferFull`). */
  private async reserve(sizeBytes: number): Promise<void> {
    while (this.bufferedBytes + sizeBytes > this.bufferMemoryBytes) {
      if (this.options.whenBufferFull === 'reject') throw new ClientError('BUFFER_FULL', `producer buffer full (${this.bufferedBytes} of ${this.bufferMemoryBytes} bytes awaiting acknowledgement)`);
      if (this.closed) throw new ClientError('CLIENT_CLOSED', 'the producer is closed');
      this.flushOpenBatches();
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    }
    this.bufferedBytes += sizeBytes;
  }

  private release(sizeBytes: number): void {
    this.bufferedBytes -= sizeBytes;
    for (const wake of this.roomWaiters.splice(0)) wake();
  }

  private enqueue(topic: string, partition: number, pending: PendingRecord): void {
    const key = `${topic}\u0000${partition}`;
    let batch = this.openBatches.get(key);
    if (batch === undefined) {
      const opened: OpenBatch = { topic, partition, records: [], sizeBytes: 0, cancelTimer: () => undefined };
      opened.cancelTimer = this.scheduleClose(() => this.closeBatch(key, opened));
      this.openBatches.set(key, (batch = opened));
    }
    batch.records.push(pending);
    batch.sizeBytes += pending.sizeBytes;
    if (batch.sizeBytes >= this.batchSizeBytes) this.closeBatch(key, batch);
  }

  /** Runs `close` after lingerMs (or, with no linger, once this tick's sends are in). */
  private scheduleClose(close: () => void): () => void {
    if (this.lingerMs > 0) {
      const timer = setTimeout(close, this.lingerMs);
      return () => clearTimeout(timer);
    }
    const immediate = setImmediate(close);
    return () => clearImmediate(immediate);
  }

  private closeBatch(key: string, batch: OpenBatch): void {
    if (this.openBatches.get(key) !== batch) return;
    this.openBatches.delete(key);
    batch.cancelTimer();
    this.partitioner.onNewBatch?.(batch.topic);
    const sent = this.sendBatch(batch);
    this.inFlight.add(sent);
    void sent.finally(() => this.inFlight.delete(sent));
  }

  private flushOpenBatches(): void {
    for (const [key, batch] of [...this.openBatches]) this.closeBatch(key, batch);
  }

  /**
   * Encodes a closed batch (with the producer's id and the partition's next sequence) and hands it
   * to its partition's lane, which pipelines and retries in order. Batches closed before the
   * producer id arrives wait for it in the order they closed.
   */
  private sendBatch(batch: OpenBatch): Promise<void> {
    const stateKey = `${batch.topic}\u0000${batch.partition}`;
    let state = this.partitionStates.get(stateKey);
    if (state === undefined) this.partitionStates.set(stateKey, (state = { nextSequence: 0, lane: this.newLane(batch.topic, batch.partition) }));
    const baseSequence = state.nextSequence;
    state.nextSequence = (state.nextSequence + batch.records.length) % 2 ** 31;
    const lane = state.lane;
    return new Promise<void>((settled) => {
      const finish = () => {
        this.release(batch.sizeBytes);
        settled();
      };
      const fail = (error: unknown) => {
        for (const pending of batch.records) failRecord(pending, error);
        finish();
      };
      const encodeAndPush = (identity: ProducerIdentity | null) => {
        let bytes: Buffer;
        try {
          bytes = encodeRecordBatch(batch.records, { compression: this.options.compression ?? 'none', ...(identity === null ? {} : { ...identity, baseSequence }) });
        } catch (error) {
          fail(error);
          return;
        }
        if (this.acks === 0) {
          for (const pending of batch.records) succeed(pending, { topic: batch.topic, partition: batch.partition, offset: -1, timestamp: pending.timestamp });
          this.broker.produce(batch.topic, batch.partition, bytes, 0, { trusted: true }).catch(() => undefined).finally(finish);
          return;
        }
        lane.push({
          bytes,
          onAcknowledged: (baseOffset) => {
            for (let index = 0; index < batch.records.length; index++) {
              const pending = batch.records[index]!;
              succeed(pending, { topic: batch.topic, partition: batch.partition, offset: baseOffset + index, timestamp: pending.timestamp });
            }
            finish();
          },
          onFailed: fail,
        });
      };
      if (this.options.idempotent === false) encodeAndPush(null);
      else if (this.identityValue !== null) encodeAndPush(this.identityValue);
      else this.identity().then(encodeAndPush, fail);
    });
  }

  private newLane(topic: string, partition: number): PartitionLane {
    return new PartitionLane({
      maxInFlightBatches: this.options.maxInFlightBatches ?? 5,
      maxAttempts: 1 + (this.options.retries ?? 5),
      retryBackoffMs: this.options.retryBackoffMs ?? 100,
      isRetriable: (error) => error instanceof BrokerError && RETRIABLE.has(error.code),
      send: (bytes) => this.broker.produce(topic, partition, bytes, this.acks, { trusted: true }),
    });
  }

  private identity(): Promise<ProducerIdentity> {
    this.producerIdentity ??= this.broker.initProducerId().then((identity) => (this.identityValue = identity));
    return this.producerIdentity;
  }

  /** Sends every open batch now and waits for all acknowledgements. */
  async flush(): Promise<void> {
    this.flushOpenBatches();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Flushes, then refuses further sends. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    for (const wake of this.roomWaiters.splice(0)) wake();
  }
}
