/**
 * Builds one record batch v2 a record at a time, as a producer's records arrive: each record is
 * written into the batch's buffer when it is appended (nothing is kept per record), and the 61-byte
 * header with its CRC is written when the batch is finished, compressing the records then if asked.
 * The bytes are exactly encodeRecordBatch's for the same records and options (offset deltas
 * 0, 1, 2, …; the base timestamp is the first record's; partitionLeaderEpoch -1; baseOffset 0, the
 * log assigns it). Record layout: ./record.ts; header layout: ./record-batch-header.ts.
 *
 * The buffer is handed in by the caller (a producer reuses the buffers of finished batches:
 * `releaseBuffer`), or starts at MIN_BUFFER_BYTES and doubles up to the capacity as records arrive
 * (a batch that stays small holds little memory); a batch finishing in less than half its buffer
 * is copied out, so a small batch does not pin a large buffer while in flight.
 */

import { compress, CompressionId, type CompressionName } from './compression.js';
import type { RecordBytes, RecordHeaderInput } from './record.js';
import { NO_PARTITION_LEADER_EPOCH, NO_PRODUCER_EPOCH, NO_PRODUCER_ID, NO_SEQUENCE, writeHeader } from './record-batch.js';
import { BATCH_HEADER_BYTES } from './record-batch-header.js';
import { varlongSize, writeVarlong } from './varint.js';

export interface FinishBatchOptions {
  compression?: CompressionName;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
}

const MIN_BUFFER_BYTES = 1024;
const EMPTY = Buffer.alloc(0);
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Byte length of a key, value or header value; -1 for null. Strings count as UTF-8. */
function byteLengthOf(bytes: RecordBytes): number {
  if (bytes === null) return -1;
  return typeof bytes === 'string' ? Buffer.byteLength(bytes, 'utf8') : bytes.length;
}

/** Bytes of the varint of an unsigned int32 (a zig-zag form). */
function rawVarintSize(raw: number): number {
  return raw < 0x80 ? 1 : raw < 0x4000 ? 2 : raw < 0x200000 ? 3 : raw < 0x10000000 ? 4 : 5;
}

/** Size of a length-prefixed field of `length` bytes (-1 = null: the prefix alone). */
function fieldSize(length: number): number {
  return length < 0 ? 1 : rawVarintSize(2 * length) + length;
}

/** The zig-zag form of a signed int32, as an unsigned int32. */
function zigzag32(value: number): number {
  return ((value << 1) ^ (value >> 31)) >>> 0;
}

/** Writes an unsigned int32 (a zig-zag form) as a varint; returns the next position. */
function writeRaw(buffer: Buffer, position: number, raw: number): number {
  while (raw >= 0x80) {
    buffer[position++] = (raw & 0x7f) | 0x80;
    raw >>>= 7;
  }
  buffer[position++] = raw;
  return position;
}

/** Writes a length-prefixed field whose byte length (-1 = null) the caller has computed. */
function writeField(buffer: Buffer, position: number, bytes: RecordBytes, length: number): number {
  if (length < 0) {
    buffer[position] = 1; // varint(-1)
    return position + 1;
  }
  position = writeRaw(buffer, position, zigzag32(length));
  if (typeof bytes === 'string') buffer.write(bytes, position, length, 'utf8');
  else buffer.set(bytes!, position); // TypedArray.set: cheaper than Buffer.copy for small values
  return position + length;
}

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
    const keyLength = byteLengthOf(key);
    const valueLength = byteLengthOf(value);
    const smallDelta = timestampDelta >= INT32_MIN && timestampDelta <= INT32_MAX;
    let bodySize = 1 + (smallDelta ? rawVarintSize(zigzag32(timestampDelta)) : varlongSize(timestampDelta)) + rawVarintSize(2 * this.count) + fieldSize(keyLength) + fieldSize(valueLength);
    bodySize += headers === undefined || headers.length === 0 ? 1 : headersSize(headers);
    const end = this.position + rawVarintSize(2 * bodySize) + bodySize;
    if (end > this.capacityBytes && this.count > 0) return false;
    if (end > this.buffer.length) this.grow(end);

    const buffer = this.buffer;
    let position = writeRaw(buffer, this.position, zigzag32(bodySize));
    buffer[position++] = 0; // attributes
    position = smallDelta ? writeRaw(buffer, position, zigzag32(timestampDelta)) : writeVarlong(buffer, position, timestampDelta);
    position = writeRaw(buffer, position, zigzag32(this.count));
    position = writeField(buffer, position, key, keyLength);
    position = writeField(buffer, position, value, valueLength);
    if (headers === undefined || headers.length === 0) {
      buffer[position++] = 0;
    } else {
      position = writeRaw(buffer, position, zigzag32(headers.length));
      for (const header of headers) {
        position = writeField(buffer, position, header.key, Buffer.byteLength(header.key, 'utf8'));
        position = writeField(buffer, position, header.value, byteLengthOf(header.value));
      }
    }
    this.position = position;
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

function headersSize(headers: readonly RecordHeaderInput[]): number {
  let size = rawVarintSize(2 * headers.length);
  for (const header of headers) size += fieldSize(Buffer.byteLength(header.key, 'utf8')) + fieldSize(byteLengthOf(header.value));
  return size;
}
