/**
 * The in-process producer: records in, offsets out, no sockets. As Kafka's producer it
 * - picks partitions (explicit, murmur2 of the key, or one sticky partition per batch for
 *   records without a key);
 * - batches per partition: a batch closes at `batchSize` bytes or `lingerMs` after its first
 *   record; records are encoded into their batch's buffer as send() queues them
 *   (../codec/record-batch-builder.ts), the header is written (and the records compressed, if
 *   asked) when it closes, and it is appended whole;
 * - is idempotent by default: a producer id from the broker and a sequence per partition, so a
 *   retried batch is never written twice;
 * - pipelines: up to `maxInFlightBatches` batches per partition are with the broker at once, in
 *   order, and retries keep that order (./partition-lane.ts);
 * - bounds its memory: records waiting for their batch's acknowledgement count against
 *   `bufferMemoryBytes`; past it, send() waits for room (or rejects, `whenBufferFull: 'reject'`).
 * acks: 0 = don't wait (offsets unknown, -1), 1 = written, -1 / 'all' = fsynced (group commit).
 *
 * Nothing is kept per record once it is encoded: a batch remembers the runs of consecutive records
 * of each send() call it carries, and fills in their results run by run when it is acknowledged.
 */

import { RecordBatchBuilder } from '../codec/record-batch-builder.js';
import { byteLength, type RecordBytes, type RecordHeaderInput } from '../codec/record.js';
import type { CompressionName } from '../codec/compression.js';
import { BrokerError } from '../broker/broker-error.js';
import type { Acks, BrokerCore } from '../broker/broker-core.js';
import { defaultPartitioner, selectPartition, type Partitioner } from '../broker/partitioner.js';
import { ClientError } from './client-error.js';
import { PartitionLane, type LaneBatch } from './partition-lane.js';

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

/**
 * Refusals worth retrying. OUT_OF_ORDER_SEQUENCE_NUMBER is one here: it answers a batch sent behind
 * one whose write failed, and goes away once the lane resends them in order.
 */
const RETRIABLE = new Set(['NOT_LEADER_OR_FOLLOWER', 'KAFKA_STORAGE_ERROR', 'REQUEST_TIMED_OUT', 'NOT_ENOUGH_REPLICAS', 'UNKNOWN_TOPIC_OR_PARTITION', 'OUT_OF_ORDER_SEQUENCE_NUMBER']);

type ProducerIdentity = { producerId: number; producerEpoch: number };
/** What a record counts against bufferMemoryBytes besides its key, value and headers. */
const RECORD_OVERHEAD_BYTES = 24;
/**
 * Buffers of acknowledged batches kept for new batches, at most this many bytes of them: reusing
 * them spares V8 allocating (and collecting) a batch-sized buffer per batch.
 */
const MAX_SPARE_BUFFER_BYTES = 2 * 1024 * 1024;

function invalid(message: string): ClientError {
  return new ClientError('INVALID_ARGUMENT', message);
}

/** Throws unless `bytes` is a Buffer, a string or null (a key, value or header value). */
function checkBytes(bytes: unknown, what: string): void {
  if (bytes === null || bytes === undefined || typeof bytes === 'string' || bytes instanceof Uint8Array) return;
  throw invalid(`record ${what} must be a Buffer, a string or null, got ${typeof bytes}`);
}

/** What a record counts against bufferMemoryBytes (its header keys by UTF-16 length, close enough). */
function accountedBytes(key: Buffer | null, value: RecordBytes, headers: readonly RecordHeaderInput[] | undefined): number {
  let sizeBytes = RECORD_OVERHEAD_BYTES + (key === null ? 0 : key.length) + Math.max(0, byteLength(value));
  if (headers !== undefined) for (const header of headers) sizeBytes += header.key.length + Math.max(0, byteLength(header.value));
  return sizeBytes;
}

/** The headers as a checked list (the object form converted; undefined values as null). */
function headersOf(headers: NonNullable<ProducerRecord['headers']>): readonly RecordHeaderInput[] {
  const list: readonly RecordHeaderInput[] = Array.isArray(headers) ? headers : Object.entries(headers).map(([key, value]) => ({ key, value }));
  let hasUndefined = false;
  for (const header of list) {
    if (typeof header.key !== 'string') throw invalid(`record header keys must be strings, got ${typeof header.key}`);
    checkBytes(header.value, 'header value');
    if (header.value === undefined) hasUndefined = true;
  }
  return hasUndefined ? list.map((header) => ({ key: header.key, value: header.value ?? null })) : list;
}

/**
 * One send() call, checked: where each record goes, what it counts against the buffer, and the
 * bytes the encoder needs that the records do not hold as they are. The batches carrying its
 * records note where their runs of its records were written; once all are, its results are built.
 */
class SendRequest {
  remaining: number;
  /** Written runs of records, four numbers each: partition, first index, count, base offset. */
  private readonly writtenRuns: number[] = [];
  settled = false;
  /** Whether `records` is the producer's own copy (taken before waiting for buffer room). */
  copied = false;
  resolve: (results: RecordMetadata[]) => void = () => undefined;
  reject: (error: unknown) => void = () => undefined;

  constructor(
    readonly topic: string,
    public records: readonly ProducerRecord[],
    readonly nowMs: number,
    /** Each record's partition when they differ; null when every record goes to `partition`. */
    readonly partitions: Int32Array | null,
    readonly partition: number,
    /** UTF-8 bytes of the string keys, by record index (hashed by the partitioner, then encoded). */
    readonly keyBytes: Buffer[] | null,
    /** Checked headers, by record index; null when no record has any. */
    readonly headers: (readonly RecordHeaderInput[])[] | null,
    /** Timestamps, when a record set its own; null when every record has `nowMs`. */
    readonly timestamps: Float64Array | null,
    /** Called once every record is written (the producer then resolves it: resolveNow). */
    private readonly written: (request: SendRequest) => void,
  ) {
    this.remaining = records.length;
  }

  /** `count` records from `first` were written at `baseOffset` onwards (-1: acks 0, unknown). */
  succeed(partition: number, first: number, count: number, baseOffset: number): void {
    if (this.settled) return;
    this.writtenRuns.push(partition, first, count, baseOffset);
    this.remaining -= count;
    if (this.remaining === 0) {
      this.settled = true;
      this.written(this);
    }
  }

  /** Builds the results and resolves send(). */
  resolveNow(): void {
    const { topic, timestamps, nowMs, writtenRuns } = this;
    const results = new Array<RecordMetadata>(this.records.length);
    for (let run = 0; run < writtenRuns.length; run += 4) {
      const partition = writtenRuns[run]!;
      const first = writtenRuns[run + 1]!;
      const end = first + writtenRuns[run + 2]!;
      const baseOffset = writtenRuns[run + 3]!;
      for (let index = first; index < end; index++) {
        const offset = baseOffset < 0 ? -1 : baseOffset + index - first;
        results[index] = { topic, partition, offset, timestamp: timestamps === null ? nowMs : timestamps[index]! };
      }
    }
    this.resolve(results);
  }

  fail(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(error);
  }
}

/**
 * A batch: open while records are encoded into its builder, then with its partition's lane. It
 * carries runs of consecutive records of send() calls (request, first index, count), in order.
 */
class ProducerBatch implements LaneBatch {
  readonly builder: RecordBatchBuilder;
  /** The finished batch, once closed. */
  bytes: Buffer = Buffer.alloc(0);
  /** Bytes its records count against bufferMemoryBytes until it settles. */
  sizeBytes = 0;
  cancelTimer: () => void = () => undefined;
  /** The runs before the current one. */
  private readonly runRequests: SendRequest[] = [];
  private readonly runFirsts: number[] = [];
  private readonly runCounts: number[] = [];
  /** The current run: records [runFirst, runEnd) of runRequest. */
  private runRequest: SendRequest | null = null;
  private runFirst = 0;
  private runEnd = 0;

  constructor(
    readonly partition: number,
    capacityBytes: number,
    buffer: Buffer | undefined,
    private readonly settled: (batch: ProducerBatch) => void,
  ) {
    this.builder = new RecordBatchBuilder(capacityBytes, buffer);
  }

  /** Notes that the record just encoded is record `index` of `request`. */
  add(request: SendRequest, index: number, sizeBytes: number): void {
    if (request !== this.runRequest || index !== this.runEnd) {
      this.endRun();
      this.runRequest = request;
      this.runFirst = index;
    }
    this.runEnd = index + 1;
    this.sizeBytes += sizeBytes;
  }

  /** Moves the current run to the list (done when the batch closes, and when a new run starts). */
  endRun(): void {
    if (this.runRequest === null) return;
    this.runRequests.push(this.runRequest);
    this.runFirsts.push(this.runFirst);
    this.runCounts.push(this.runEnd - this.runFirst);
    this.runRequest = null;
  }

  /** Gives every record its result; `baseOffset` -1 for acks 0. */
  succeed(baseOffset: number): void {
    let offset = baseOffset;
    for (let run = 0; run < this.runRequests.length; run++) {
      const count = this.runCounts[run]!;
      this.runRequests[run]!.succeed(this.partition, this.runFirsts[run]!, count, offset);
      if (baseOffset >= 0) offset += count;
    }
  }

  onAcknowledged(baseOffset: number): void {
    this.succeed(baseOffset);
    this.settled(this);
  }

  onFailed(error: unknown): void {
    for (const request of this.runRequests) request.fail(error);
    this.settled(this);
  }
}

/** A partition's next sequence and the lane its batches go through, in order. */
interface PartitionState {
  nextSequence: number;
  readonly lane: PartitionLane;
}

/** Per topic: each partition's open batch and state, by partition. */
interface TopicState {
  readonly topic: string;
  readonly open: (ProducerBatch | undefined)[];
  readonly partitions: (PartitionState | undefined)[];
}

export class Producer {
  private readonly acks: Acks;
  private readonly lingerMs: number;
  private readonly batchSizeBytes: number;
  private readonly bufferMemoryBytes: number;
  private readonly compression: CompressionName;
  private readonly partitioner: Partitioner & { onNewBatch?: (topic: string) => void };
  /** The default partitioner: keyless records of one send() all get its sticky partition, asked once. */
  private readonly stickyKeyless: boolean;
  private readonly topicStates = new Map<string, TopicState>();
  /** Batches closed and not yet settled (acknowledged, failed, or written for acks 0). */
  private unsettledBatches = 0;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly roomWaiters: (() => void)[] = [];
  private bufferedBytes = 0;
  private producerIdentity: Promise<ProducerIdentity> | null = null;
  /** The producer id once it has arrived (batches then close without waiting a tick). */
  private identityValue: ProducerIdentity | null = null;
  private closed = false;
  /** Buffers of finished batches, for new ones (each batchSizeBytes long: batches that filled up). */
  private readonly spareBuffers: Buffer[] = [];
  /** Requests whose records are all written, resolved together on the next turn of the loop. */
  private readonly writtenRequests: SendRequest[] = [];
  /**
   * Resolving (and building results) on the next turn rather than in the acknowledgement lets the
   * lanes hand their next batches to the log, and the log start writing them, before the callers'
   * continuations (typically: the next send() calls, encoding records) run: encoding then overlaps
   * the write instead of delaying it.
   */
  private readonly requestWritten = (request: SendRequest): void => {
    if (this.writtenRequests.push(request) === 1) setImmediate(this.resolveWritten);
  };
  private readonly resolveWritten = (): void => {
    for (const request of this.writtenRequests.splice(0)) request.resolveNow();
  };
  private readonly wakeIdleWaiters = (): void => {
    for (const wake of this.idleWaiters.splice(0)) wake();
  };
  private readonly batchSettled = (batch: ProducerBatch): void => {
    this.recycle(batch.builder.releaseBuffer());
    this.release(batch.sizeBytes);
    // Woken on the next turn, after the sends this batch completed have resolved (resolveWritten
    // was scheduled before): flush() never returns ahead of the send() results it waited for.
    if (--this.unsettledBatches === 0 && this.idleWaiters.length > 0) setImmediate(this.wakeIdleWaiters);
  };

  constructor(
    private readonly broker: BrokerCore,
    private readonly options: ProducerOptions = {},
  ) {
    this.acks = options.acks === 'all' || options.acks === undefined ? -1 : options.acks;
    this.lingerMs = options.lingerMs ?? 0;
    this.batchSizeBytes = options.batchSizeBytes ?? 16 * 1024;
    this.bufferMemoryBytes = options.bufferMemoryBytes ?? 32 * 1024 * 1024;
    this.compression = options.compression ?? 'none';
    this.partitioner = options.partitioner ?? defaultPartitioner();
    this.stickyKeyless = options.partitioner === undefined;
    if (![-1, 0, 1].includes(this.acks)) throw new ClientError('INVALID_ARGUMENT', `acks must be 0, 1, -1 or 'all', got ${String(options.acks)}`);
  }

  /** Sends records to `topic`; resolves with each record's partition and offset once acknowledged. */
  async send(topic: string, records: readonly ProducerRecord[]): Promise<RecordMetadata[]> {
    if (this.closed) throw new ClientError('CLIENT_CLOSED', 'the producer is closed');
    if (!this.broker.topics.has(topic)) await this.broker.ensureTopic(topic);
    if (records.length === 0) return [];
    const partitionCount = this.broker.topics.get(topic).partitions;
    // Everything is checked before anything is queued: a bad record fails the call as a whole.
    const request = this.prepare(topic, partitionCount, records);
    const state = this.topicState(topic);
    return new Promise<RecordMetadata[]>((resolve, reject) => {
      request.resolve = resolve;
      request.reject = reject;
      this.enqueueFrom(request, state, 0);
    });
  }

  /** Checks every record and picks its partition (throws, queueing nothing, at the first bad one). */
  private prepare(topic: string, partitionCount: number, records: readonly ProducerRecord[]): SendRequest {
    const count = records.length;
    const nowMs = Date.now();
    let partitions: Int32Array | null = null;
    let partition = -1;
    let keylessPartition = -1;
    let keyBytes: Buffer[] | null = null;
    let headers: (readonly RecordHeaderInput[])[] | null = null;
    let timestamps: Float64Array | null = null;
    for (let index = 0; index < count; index++) {
      const record = records[index]!;
      const key: unknown = record.key ?? null;
      let keyBuffer: Buffer | null;
      if (typeof key === 'string') (keyBytes ??= [])[index] = keyBuffer = Buffer.from(key);
      else if (key === null || key instanceof Uint8Array) keyBuffer = key as Buffer | null;
      else throw invalid(`record key must be a Buffer, a string or null, got ${typeof key}`);
      checkBytes(record.value, 'value');
      if (record.timestamp !== undefined) {
        if (!Number.isSafeInteger(record.timestamp) || record.timestamp < 0) throw invalid(`record timestamp ${record.timestamp} is not a non-negative integer number of milliseconds`);
        (timestamps ??= new Float64Array(count).fill(nowMs))[index] = record.timestamp;
      }
      if (record.headers !== undefined) {
        (headers ??= [])[index] = headersOf(record.headers);
      }
      const sizeBytes = accountedBytes(keyBuffer, record.value ?? null, headers === null ? undefined : headers[index]);
      if (sizeBytes > this.bufferMemoryBytes) throw new ClientError('RECORD_TOO_LARGE', `a record of ${sizeBytes} bytes exceeds bufferMemoryBytes (${this.bufferMemoryBytes})`);

      let chosen: number;
      if (keyBuffer === null && record.partition === undefined && this.stickyKeyless) {
        if (keylessPartition < 0) keylessPartition = selectPartition({ topic, partitionCount, key: null }, this.partitioner);
        chosen = keylessPartition;
      } else {
        chosen = selectPartition({ topic, partitionCount, key: keyBuffer, partition: record.partition }, this.partitioner);
      }
      if (index === 0) partition = chosen;
      else if (partitions !== null) partitions[index] = chosen;
      else if (chosen !== partition) {
        partitions = new Int32Array(count).fill(partition, 0, index);
        partitions[index] = chosen;
      }
    }
    return new SendRequest(topic, records, nowMs, partitions, partition, keyBytes, headers, timestamps, this.requestWritten);
  }

  private topicState(topic: string): TopicState {
    let state = this.topicStates.get(topic);
    if (state === undefined) this.topicStates.set(topic, (state = { topic, open: [], partitions: [] }));
    return state;
  }

  /** Queues the request's records from `start` in order, waiting for buffer room only when it runs out. */
  private enqueueFrom(request: SendRequest, state: TopicState, start: number): void {
    const count = request.records.length;
    for (let index = start; index < count; index++) {
      if (!this.append(request, state, index, false)) {
        this.enqueueAfterRoom(request, state, index);
        return;
      }
    }
  }

  private enqueueAfterRoom(request: SendRequest, state: TopicState, index: number): void {
    // The records are read again once there is room: take them as they are now.
    if (!request.copied) {
      request.records = request.records.map((record) => ({ ...record }));
      request.copied = true;
    }
    const record = request.records[index]!;
    const key = typeof record.key === 'string' ? request.keyBytes![index]! : (record.key ?? null);
    this.reserve(accountedBytes(key, record.value ?? null, request.headers === null ? undefined : request.headers[index])).then(
      () => {
        this.append(request, state, index, true);
        this.enqueueFrom(request, state, index + 1);
      },
      (error: unknown) => request.fail(error),
    );
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
    if (this.roomWaiters.length > 0) for (const wake of this.roomWaiters.splice(0)) wake();
  }

  /**
   * Encodes record `index` of `request` into its partition's open batch (closing it when full),
   * taking its room in the buffer; false, doing nothing, when there is no room (unless `reserved`).
   */
  private append(request: SendRequest, state: TopicState, index: number, reserved: boolean): boolean {
    const record = request.records[index]!;
    const key = typeof record.key === 'string' ? request.keyBytes![index]! : (record.key ?? null);
    const value = record.value ?? null;
    const headers = request.headers === null ? undefined : request.headers[index];
    const sizeBytes = accountedBytes(key, value, headers);
    if (!reserved) {
      if (this.bufferedBytes + sizeBytes > this.bufferMemoryBytes) return false;
      this.bufferedBytes += sizeBytes;
    }
    const partition = request.partitions === null ? request.partition : request.partitions[index]!;
    const timestamp = request.timestamps === null ? request.nowMs : request.timestamps[index]!;
    let batch = state.open[partition] ?? this.openBatch(state, partition);
    let sizeBefore = batch.builder.sizeBytes;
    if (!batch.builder.tryAppend(timestamp, key, value, headers)) {
      this.closeBatch(state, batch);
      batch = this.openBatch(state, partition);
      sizeBefore = batch.builder.sizeBytes;
      batch.builder.tryAppend(timestamp, key, value, headers); // an empty batch takes any record
    }
    batch.add(request, index, sizeBytes);
    // Full once another record like this one would not fit: closed now rather than at the next record.
    if (2 * batch.builder.sizeBytes - sizeBefore > this.batchSizeBytes) this.closeBatch(state, batch);
    return true;
  }

  private recycle(buffer: Buffer): void {
    if (buffer.length === this.batchSizeBytes && (this.spareBuffers.length + 1) * buffer.length <= MAX_SPARE_BUFFER_BYTES) this.spareBuffers.push(buffer);
  }

  private openBatch(state: TopicState, partition: number): ProducerBatch {
    const batch = new ProducerBatch(partition, this.batchSizeBytes, this.spareBuffers.pop(), this.batchSettled);
    batch.cancelTimer = this.scheduleClose(() => this.closeBatch(state, batch));
    state.open[partition] = batch;
    return batch;
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

  private closeBatch(state: TopicState, batch: ProducerBatch): void {
    if (state.open[batch.partition] !== batch) return;
    state.open[batch.partition] = undefined;
    batch.cancelTimer();
    batch.endRun();
    this.partitioner.onNewBatch?.(state.topic);
    this.sendBatch(state, batch);
  }

  private flushOpenBatches(): void {
    for (const state of this.topicStates.values()) {
      for (const batch of state.open) if (batch !== undefined) this.closeBatch(state, batch);
    }
  }

  /**
   * Finishes a closed batch (with the producer's id and the partition's next sequence) and hands it
   * to its partition's lane, which pipelines and retries in order. Batches closed before the
   * producer id arrives wait for it in the order they closed.
   */
  private sendBatch(state: TopicState, batch: ProducerBatch): void {
    this.unsettledBatches++;
    const { topic } = state;
    let partitionState = state.partitions[batch.partition];
    if (partitionState === undefined) state.partitions[batch.partition] = partitionState = { nextSequence: 0, lane: this.newLane(topic, batch.partition) };
    const baseSequence = partitionState.nextSequence;
    partitionState.nextSequence = (partitionState.nextSequence + batch.builder.recordCount) % 2 ** 31;
    const lane = partitionState.lane;
    const finishAndPush = (identity: ProducerIdentity | null): void => {
      try {
        batch.bytes = batch.builder.finish(identity === null ? { compression: this.compression } : { compression: this.compression, ...identity, baseSequence });
        if (!batch.builder.batchIsView) this.recycle(batch.builder.releaseBuffer());
      } catch (error) {
        batch.onFailed(error);
        return;
      }
      if (this.acks === 0) {
        batch.succeed(-1);
        this.broker
          .produce(topic, batch.partition, batch.bytes, 0, { trusted: true })
          .catch(() => undefined)
          .finally(() => this.batchSettled(batch));
        return;
      }
      lane.push(batch);
    };
    if (this.options.idempotent === false) finishAndPush(null);
    else if (this.identityValue !== null) finishAndPush(this.identityValue);
    else this.identity().then(finishAndPush, (error: unknown) => batch.onFailed(error));
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
    if (this.unsettledBatches > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Flushes, then refuses further sends. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    for (const wake of this.roomWaiters.splice(0)) wake();
  }
}
