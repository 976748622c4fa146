/**
 * Builds one record batch v2 a record at a time, as a producer's records arrive: each record is
 * written into the batch's buffer when it is appended (nothing is kept per record), and the 61-byte
 * header with its CRC is written when the batch is finished, compressing the records then if asked.
 * The bytes are exactly encodeRecordBatch's for the same records and options (offset deltas
 * 0, 1, 2, …; the base timestamp is the first record's; partitionLeaderEpoch -1; baseOffset 0, the
 * log assigns it): each record is sized and written by ./record.ts's encoder, the header by
 * ./record-batch.ts's writeHeader. Header layout: ./record-batch-header.ts.
 *
 * The buffer is handed in by the caller (a producer reuses the buffers of finished batches:
 * `releaseBuffer`), or starts at MIN_BUFFER_BYTES and doubles up to the capacity as records arrive
 * (a batch that stays small holds little memory); a batch finishing in less than half its buffer
 * is copied out, so a small batch does not pin a large buffer while in flight.
 */

import { compress, CompressionId, type CompressionName } from './compression.js';
import { byteLength, recordBodySizeOf, writeRecordOf, type RecordBytes, type RecordHeaderInput } from './record.js';
import { NO_PARTITION_LEADER_EPOCH, NO_PRODUCER_EPOCH, NO_PRODUCER_ID, NO_SEQUENCE, writeHeader } from './record-batch.js';
import { BATCH_HEADER_BYTES } from './record-batch-header.js';
import { varintSize } from './varint.js';

export interface FinishBatchOptions {
  compression?: CompressionName;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
}

const MIN_BUFFER_BYTES = 1024;
const EMPTY = Buffer.alloc(0);

export class RecordBatchBuilder {
  private buffer: Buffer;
  /** Whether the finished batch is a view of `buffer` (else `buffer` is free at once). */
  private finishedInPlace = false;
  private position = BATCH_HEADER_BYTES;
  private count = 0;
  private baseTimestamp = 0;
  private maxTimestamp = 0;
  private finished = false;

  /**
   * `capacityBytes`: the batch's size limit, header included (a first record larger still goes in).
   * `buffer`: one to write into (else it is allocated as records arrive).
   */
  constructor(
    private readonly capacityBytes: number,
    buffer: Buffer = EMPTY,
  ) {
    this.buffer = buffer;
  }

  get recordCount(): number {
    return this.count;
  }

  /** Bytes of the batch so far, uncompressed, header included. */
  get sizeBytes(): number {
    return this.position;
  }

  /**
   * Appends a record if it fits within the capacity, or if the batch is empty (a record larger than
   * the capacity gets a batch of its own). Returns false, writing nothing, when it does not fit.
   * `timestamp` must be a non-negative safe integer (ms); header keys must be strings.
   */
  tryAppend(timestamp: number, key: RecordBytes, value: RecordBytes, headers: readonly RecordHeaderInput[] | undefined): boolean {
    if (this.finished) throw new Error('RecordBatchBuilder: append after finish');
    if (this.count === 0) this.baseTimestamp = this.maxTimestamp = timestamp;
    const timestampDelta = timestamp - this.baseTimestamp;
    const keyLength = byteLength(key);
    const valueLength = byteLength(value);
    const bodySize = recordBodySizeOf(timestampDelta, this.count, keyLength, valueLength, headers);
    const end = this.position + varintSize(bodySize) + bodySize;
    if (end > this.capacityBytes && this.count > 0) return false;
    if (end > this.buffer.length) this.grow(end);
    this.position = writeRecordOf(this.buffer, this.position, bodySize, timestampDelta, this.count, key, keyLength, value, valueLength, headers);
    this.count++;
    if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp;
    return true;
  }

  /** Room for `end` bytes: up to the capacity while it suffices, else exactly what is needed. */
  private grow(end: number): void {
    const grown = Buffer.allocUnsafe(Math.max(end, Math.min(this.capacityBytes, Math.max(MIN_BUFFER_BYTES, 2 * this.buffer.length))));
    this.buffer.copy(grown, 0, 0, this.position);
    this.buffer = grown;
  }

  /**
   * The finished batch (at least one record appended): header, CRC, and the records compressed if
   * asked. The builder is spent afterwards.
   */
  finish(options: FinishBatchOptions = {}): Buffer {
    if (this.finished || this.count === 0) throw new Error('RecordBatchBuilder: finish needs an unfinished batch with records');
    this.finished = true;
    const compression = options.compression ?? 'none';
    let batch: Buffer;
    if (compression !== 'none') {
      const compressed = compress(compression, this.buffer.subarray(BATCH_HEADER_BYTES, this.position));
      batch = Buffer.allocUnsafe(BATCH_HEADER_BYTES + compressed.length);
      batch.set(compressed, BATCH_HEADER_BYTES);
    } else if (this.position < this.buffer.length / 2) {
      batch = Buffer.allocUnsafe(this.position);
      this.buffer.copy(batch, 0, 0, this.position);
    } else {
      batch = this.buffer.subarray(0, this.position);
      this.finishedInPlace = true;
    }
    writeHeader(batch, {
      baseOffset: 0,
      partitionLeaderEpoch: NO_PARTITION_LEADER_EPOCH,
      attributes: CompressionId[compression],
      lastOffsetDelta: this.count - 1,
      baseTimestamp: this.baseTimestamp,
      maxTimestamp: this.maxTimestamp,
      producerId: options.producerId ?? NO_PRODUCER_ID,
      producerEpoch: options.producerEpoch ?? NO_PRODUCER_EPOCH,
      baseSequence: options.baseSequence ?? NO_SEQUENCE,
      recordCount: this.count,
    });
    return batch;
  }

  /** Whether the finished batch is a view of the builder's buffer (see releaseBuffer). */
  get batchIsView(): boolean {
    return this.finishedInPlace;
  }

  /**
   * The buffer the records were written into, for another builder; this one is spent. When the
   * finished batch is a view of it (batchIsView), call only once that batch is no longer used.
   */
  releaseBuffer(): Buffer {
    const buffer = this.buffer;
    this.buffer = EMPTY;
    this.finished = true;
    return buffer;
  }
}
