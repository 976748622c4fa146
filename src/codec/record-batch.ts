/**
 * Record batch v2 as a whole: encode records into a batch, decode a batch into records (or pull
 * a fetch's records one at a time: RecordBatchesReader), and validate a batch's records without
 * building them. The header layout is in
 * ./record-batch-header.ts, one record's layout in ./record.ts.
 *
 * Encoding sizes everything first and writes into one buffer (two for a compressed batch), so a
 * batch costs one allocation plus one per compression. (The producer builds its batches record by
 * record instead, with ./record-batch-builder.ts: the same bytes.) Decoded keys and values are views
 * into the batch (or its decompressed records), never copies.
 */

import { readInt64, writeInt64 } from './byte-reader.js';
import { CodecError } from './codec-error.js';
import {
  compress,
  compressionName,
  CompressionId,
  decompress,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  type CompressionName,
} from './compression.js';
import { crc32c } from './crc32c.js';
import { RecordCursor, recordBodySize, writeRecord, type DecodedRecord, type RecordHeader, type RecordInput } from './record.js';
import {
  Attribute,
  BATCH_HEADER_BYTES,
  BATCH_LENGTH_PREFIX_BYTES,
  compressionIdOf,
  CRC_START,
  Field,
  readBatchHeader,
  RECORD_BATCH_MAGIC,
  validateBatchFrame,
  type RecordBatchHeader,
} from './record-batch-header.js';
import { varintSize } from './varint.js';

export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;

export interface EncodeBatchOptions {
  compression?: CompressionName;
  baseOffset?: number;
  partitionLeaderEpoch?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
  control?: boolean;
  /** Timestamp type LogAppendTime (attributes bit 3) instead of CreateTime. */
  logAppendTime?: boolean;
  /** Defaults to the first record's timestamp, as Kafka's producer does. */
  baseTimestamp?: number;
  /** Offset deltas of the records (strictly increasing); defaults to 0, 1, 2, … */
  offsetDeltas?: readonly number[];
  /** Timestamp for records that carry none; defaults to Date.now(). */
  nowMs?: number;
}

export interface DecodedBatch {
  header: RecordBatchHeader;
  records: DecodedRecord[];
}

export interface BatchRecordsSummary {
  /** Total bytes of the batch. */
  sizeBytes: number;
  recordCount: number;
  /** Largest record timestamp (for LogAppendTime batches: the header's maxTimestamp). -1 if empty. */
  maxTimestamp: number;
  /** Offset delta of the record with the largest timestamp (the first such). */
  offsetDeltaOfMaxTimestamp: number;
}

export interface DecodeOptions {
  /** Limit on the decompressed size of a compressed batch's records. */
  maxDecompressedBytes?: number;
}

const INT32_MAX = 0x7fffffff;

function checkInt(value: number, min: number, max: number, what: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new CodecError('INVALID_ARGUMENT', `${what} ${value} is outside [${min}, ${max}]`);
  }
  return value;
}

function checkTimestamp(timestamp: number): number {
  if (!Number.isSafeInteger(timestamp)) throw new CodecError('INVALID_ARGUMENT', `timestamp ${timestamp} is not an integer number of milliseconds`);
  return timestamp;
}

function attributesFor(options: EncodeBatchOptions, compression: CompressionName): number {
  let attributes = CompressionId[compression];
  if (options.logAppendTime) attributes |= Attribute.logAppendTime;
  if (options.transactional) attributes |= Attribute.transactional;
  if (options.control) attributes |= Attribute.control;
  return attributes;
}

function offsetDeltasFor(records: readonly RecordInput[], given: readonly number[] | undefined): readonly number[] {
  if (given === undefined) return records.map((_, index) => index);
  if (given.length !== records.length) {
    throw new CodecError('INVALID_ARGUMENT', `${given.length} offset deltas for ${records.length} records`);
  }
  let previous = -1;
  for (const delta of given) {
    if (checkInt(delta, 0, INT32_MAX, 'offset delta') <= previous) {
      throw new CodecError('INVALID_ARGUMENT', 'offset deltas must be strictly increasing');
    }
    previous = delta;
  }
  return given;
}

/** Encodes `records` (at least one) into a record batch v2. */
export function encodeRecordBatch(records: readonly RecordInput[], options: EncodeBatchOptions = {}): Buffer {
  if (records.length === 0) throw new CodecError('INVALID_ARGUMENT', 'a record batch needs at least one record');
  const compression = options.compression ?? 'none';
  const nowMs = options.nowMs ?? Date.now();
  const offsetDeltas = offsetDeltasFor(records, options.offsetDeltas);
  const timestamps = records.map((record) => checkTimestamp(record.timestamp ?? nowMs));
  const baseTimestamp = options.baseTimestamp ?? timestamps[0]!;
  const maxTimestamp = timestamps.reduce((max, timestamp) => (timestamp > max ? timestamp : max));

  const bodySizes = new Int32Array(records.length);
  let recordsBytes = 0;
  for (let index = 0; index < records.length; index++) {
    const bodySize = recordBodySize(records[index]!, timestamps[index]! - baseTimestamp, offsetDeltas[index]!);
    bodySizes[index] = bodySize;
    recordsBytes += varintSize(bodySize) + bodySize;
  }

  const uncompressed = compression === 'none';
  const batch = Buffer.allocUnsafe(uncompressed ? BATCH_HEADER_BYTES + recordsBytes : BATCH_HEADER_BYTES);
  const recordsBuffer = uncompressed ? batch : Buffer.allocUnsafe(recordsBytes);
  let position = uncompressed ? BATCH_HEADER_BYTES : 0;
  for (let index = 0; index < records.length; index++) {
    position = writeRecord(recordsBuffer, position, records[index]!, bodySizes[index]!, timestamps[index]! - baseTimestamp, offsetDeltas[index]!);
  }

  const header = {
    baseOffset: options.baseOffset ?? 0,
    partitionLeaderEpoch: options.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH,
    attributes: attributesFor(options, compression),
    lastOffsetDelta: offsetDeltas[offsetDeltas.length - 1]!,
    baseTimestamp,
    maxTimestamp,
    producerId: options.producerId ?? NO_PRODUCER_ID,
    producerEpoch: options.producerEpoch ?? NO_PRODUCER_EPOCH,
    baseSequence: options.baseSequence ?? NO_SEQUENCE,
    recordCount: records.length,
  };
  if (uncompressed) {
    writeHeader(batch, header);
    return batch;
  }
  const compressed = compress(compression, recordsBuffer);
  const whole = Buffer.concat([batch, compressed]);
  writeHeader(whole, header);
  return whole;
}

export type HeaderFields = Omit<RecordBatchHeader, 'batchLength' | 'magic' | 'crc'>;

/**
 * Writes the header fields, batchLength and magic into `batch` (exactly the batch's bytes, records
 * in place after the header), then its CRC. ./record-batch-builder.ts finishes its batches with it.
 */
export function writeHeader(batch: Buffer, header: HeaderFields): void {
  checkInt(header.partitionLeaderEpoch, -0x80000000, INT32_MAX, 'partition leader epoch');
  checkInt(header.producerEpoch, -0x8000, 0x7fff, 'producer epoch');
  checkInt(header.baseSequence, -0x80000000, INT32_MAX, 'base sequence');
  writeInt64(batch, Field.baseOffset, header.baseOffset);
  batch.writeInt32BE(batch.length - BATCH_LENGTH_PREFIX_BYTES, Field.batchLength);
  batch.writeInt32BE(header.partitionLeaderEpoch, Field.partitionLeaderEpoch);
  batch.writeInt8(RECORD_BATCH_MAGIC, Field.magic);
  batch.writeInt16BE(header.attributes, Field.attributes);
  batch.writeInt32BE(header.lastOffsetDelta, Field.lastOffsetDelta);
  writeInt64(batch, Field.baseTimestamp, header.baseTimestamp);
  writeInt64(batch, Field.maxTimestamp, header.maxTimestamp);
  writeInt64(batch, Field.producerId, header.producerId);
  batch.writeInt16BE(header.producerEpoch, Field.producerEpoch);
  batch.writeInt32BE(header.baseSequence, Field.baseSequence);
  batch.writeInt32BE(header.recordCount, Field.recordCount);
  batch.writeUInt32BE(crc32c(batch.subarray(CRC_START)), Field.crc);
}

/** The batch's record bytes, decompressed if needed, with where they lie in the returned buffer. */
export function recordBytesOf(batch: Buffer, position: number, sizeBytes: number, options: DecodeOptions = {}): { bytes: Buffer; start: number; end: number } {
  const attributes = batch.readInt16BE(position + Field.attributes);
  const codec = compressionName(compressionIdOf(attributes));
  const start = position + BATCH_HEADER_BYTES;
  const end = position + sizeBytes;
  if (codec === 'none') return { bytes: batch, start, end };
  const bytes = decompress(codec, batch.subarray(start, end), options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES);
  return { bytes, start: 0, end: bytes.length };
}

/**
 * Walks every record of the batch at `position` (framing and CRC already valid), checking that the
 * records fill the batch exactly, that there are recordCount of them, and that their offset deltas
 * increase strictly and stay within lastOffsetDelta. Calls `onRecord` with the cursor at each one.
 */
function walkRecords(
  batch: Buffer,
  position: number,
  sizeBytes: number,
  options: DecodeOptions,
  onRecord: (cursor: RecordCursor, recordStart: number, bytes: Buffer) => void,
): void {
  const recordCount = batch.readInt32BE(position + Field.recordCount);
  const lastOffsetDelta = batch.readInt32BE(position + Field.lastOffsetDelta);
  const { bytes, start, end } = recordBytesOf(batch, position, sizeBytes, options);
  const cursor = new RecordCursor(bytes, start, end);
  let previousOffsetDelta = -1;
  for (let index = 0; index < recordCount; index++) {
    if (cursor.atEnd) throw new CodecError('INVALID_RECORD', `batch at ${position}: header says ${recordCount} records, found ${index}`);
    const recordStart = cursor.reader.position;
    cursor.next();
    if (cursor.offsetDelta <= previousOffsetDelta || cursor.offsetDelta > lastOffsetDelta) {
      throw new CodecError('INVALID_RECORD', `batch at ${position}: record ${index} has offset delta ${cursor.offsetDelta} (previous ${previousOffsetDelta}, last ${lastOffsetDelta})`);
    }
    previousOffsetDelta = cursor.offsetDelta;
    onRecord(cursor, recordStart, bytes);
  }
  if (!cursor.atEnd) throw new CodecError('INVALID_RECORD', `batch at ${position}: ${cursor.reader.remaining} bytes after its ${recordCount} records`);
}

/**
 * Full validation of the batch at `position`: framing and CRC, then every record (count, sizes,
 * offset deltas, timestamps), without building record objects. Returns what storage needs to know.
 */
export function validateRecordBatch(batch: Buffer, position = 0, end = batch.length, options: DecodeOptions = {}): BatchRecordsSummary {
  const sizeBytes = validateBatchFrame(batch, position, end);
  const header = readBatchHeader(batch, position);
  const logAppendTime = (header.attributes & Attribute.logAppendTime) !== 0;
  const summary: BatchRecordsSummary = { sizeBytes, recordCount: header.recordCount, maxTimestamp: -1, offsetDeltaOfMaxTimestamp: -1 };
  walkRecords(batch, position, sizeBytes, options, (cursor) => {
    const timestamp = logAppendTime ? header.maxTimestamp : timestampOf(header.baseTimestamp, cursor.timestampDelta);
    if (timestamp > summary.maxTimestamp) {
      summary.maxTimestamp = timestamp;
      summary.offsetDeltaOfMaxTimestamp = cursor.offsetDelta;
    }
  });
  return summary;
}

function timestampOf(baseTimestamp: number, timestampDelta: number): number {
  const timestamp = baseTimestamp + timestampDelta;
  if (!Number.isSafeInteger(timestamp)) throw new CodecError('INT64_OUT_OF_RANGE', `record timestamp ${timestamp} is out of range`);
  return timestamp;
}

/** Decodes the batch at `position` (validating framing, CRC and every record) into its records. */
export function decodeRecordBatch(batch: Buffer, position = 0, end = batch.length, options: DecodeOptions = {}): DecodedBatch {
  const sizeBytes = validateBatchFrame(batch, position, end);
  const header = readBatchHeader(batch, position);
  const logAppendTime = (header.attributes & Attribute.logAppendTime) !== 0;
  const records: DecodedRecord[] = [];
  walkRecords(batch, position, sizeBytes, options, (cursor) => {
    const timestamp = logAppendTime ? header.maxTimestamp : timestampOf(header.baseTimestamp, cursor.timestampDelta);
    records.push(cursor.toRecord(header.baseOffset, timestamp));
  });
  return { header, records };
}

/**
 * Receives one record of walkRawRecords without any object built for it: the cursor has its
 * deltas and the positions of its key and value in `bytes` (the batch, or its decompressed
 * records); the record's own bytes are [start, end) of `bytes`.
 */
export type RawRecordVisitor = (cursor: RecordCursor, bytes: Buffer, start: number, end: number) => void;

/**
 * Walks the records of the one batch in `batch` (validating framing, CRC and every record, as
 * decodeRecordBatch does; a compressed batch is decompressed once). For compaction, which keeps or
 * drops records by key and copies the kept ones' bytes as they are.
 */
export function walkRawRecords(batch: Buffer, visit: RawRecordVisitor, options: DecodeOptions = {}): void {
  const sizeBytes = validateBatchFrame(batch, 0, batch.length);
  walkRecords(batch, 0, sizeBytes, options, (cursor, recordStart, bytes) => visit(cursor, bytes, recordStart, cursor.reader.position));
}

/** Receives one record; key, value and header values are views into the fetched bytes. */
export type RecordVisitor = (offset: number, timestamp: number, key: Buffer | null, value: Buffer | null, headers: RecordHeader[]) => void;

/**
 * Visits every record of the whole batches in `bytes` (as a fetch returns them; a partial batch at
 * the end is ignored) without building per-batch or per-record objects of its own, validating as
 * decodeRecordBatch does. Returns the offset after the last batch visited (a batch may end past
 * its last record after compaction), or -1 when `bytes` held no whole batch.
 */
export function forEachRecord(bytes: Buffer, visit: RecordVisitor, options: DecodeOptions = {}): number {
  const reader = new RecordBatchesReader(bytes, options);
  while (reader.next()) visit(reader.offset, reader.timestamp, reader.cursor.key(), reader.cursor.value(), reader.cursor.headers());
  return reader.nextOffset;
}

/**
 * The offset after the last whole batch in `bytes` (as a fetch returns them), from the batch
 * headers alone; -1 when `bytes` holds no whole batch. What a RecordBatchesReader's nextOffset
 * ends at, known before reading any record.
 */
export function nextOffsetAfterBatches(bytes: Buffer): number {
  let nextOffset = -1;
  for (let position = 0; position + BATCH_HEADER_BYTES <= bytes.length; ) {
    const sizeBytes = bytes.readInt32BE(position + Field.batchLength) + BATCH_LENGTH_PREFIX_BYTES;
    if (sizeBytes < BATCH_HEADER_BYTES) throw new CodecError('INVALID_LENGTH', `batch at ${position}: batchLength ${sizeBytes - BATCH_LENGTH_PREFIX_BYTES} is smaller than a batch header`);
    if (position + sizeBytes > bytes.length) break;
    nextOffset = readInt64(bytes, position + Field.baseOffset) + bytes.readInt32BE(position + Field.lastOffsetDelta) + 1;
    position += sizeBytes;
  }
  return nextOffset;
}

export interface RecordBatchesReaderOptions extends DecodeOptions {
  /**
   * The bytes come from storage, which checked every batch's CRC when it read them
   * (PartitionLog.read): check the framing only, not the CRC a second time.
   */
  crcChecked?: boolean;
}

/**
 * Pulls the records of the whole batches in `bytes` (as a fetch returns them; a partial batch at
 * the end is ignored) one at a time, so a consumer decodes a record only when it hands it out and
 * builds no per-fetch arrays. Each batch's framing and CRC are checked when the reader enters it,
 * before any of its records is returned (a compressed batch is decompressed then, once); each
 * record is checked as decodeRecordBatch checks it when the reader reaches it, and the batch's
 * record count and size when it leaves it. Errors are CodecErrors.
 */
export class RecordBatchesReader {
  /** The current record (after next() returned true): its offset and timestamp. */
  offset = -1;
  timestamp = -1;
  /** At the current record: its key(), value() and headers() (a new cursor for each batch). */
  cursor = new RecordCursor(Buffer.alloc(0));
  /** The offset after the last batch entered (a batch may end past its last record after compaction); -1 before the first. */
  nextOffset = -1;
  /** Where the next batch starts in `bytes`. */
  private nextBatchPosition = 0;
  private batchPosition = 0;
  private baseOffset = 0;
  private baseTimestamp = 0;
  /** LogAppendTime: every record of the batch has its maxTimestamp. */
  private logAppendTime = false;
  private maxTimestamp = 0;
  private recordCount = 0;
  private recordIndex = 0;
  private lastOffsetDelta = 0;
  private previousOffsetDelta = -1;
  private inBatch = false;

  constructor(
    private readonly bytes: Buffer,
    private readonly options: RecordBatchesReaderOptions = {},
  ) {}

  /** Moves to the next record; false once every whole batch has been read. */
  next(): boolean {
    while (this.recordIndex === this.recordCount) {
      if (this.inBatch) this.leaveBatch();
      if (!this.enterBatch()) return false;
    }
    const cursor = this.cursor;
    if (cursor.atEnd) throw new CodecError('INVALID_RECORD', `batch at ${this.batchPosition}: header says ${this.recordCount} records, found ${this.recordIndex}`);
    cursor.next();
    const offsetDelta = cursor.offsetDelta;
    if (offsetDelta <= this.previousOffsetDelta || offsetDelta > this.lastOffsetDelta) {
      throw new CodecError('INVALID_RECORD', `batch at ${this.batchPosition}: record ${this.recordIndex} has offset delta ${offsetDelta} (previous ${this.previousOffsetDelta}, last ${this.lastOffsetDelta})`);
    }
    this.previousOffsetDelta = offsetDelta;
    this.recordIndex++;
    this.offset = this.baseOffset + offsetDelta;
    this.timestamp = this.logAppendTime ? this.maxTimestamp : timestampOf(this.baseTimestamp, cursor.timestampDelta);
    return true;
  }

  /** Enters the next whole batch (checking its frame); false if there is none. */
  private enterBatch(): boolean {
    const bytes = this.bytes;
    const position = this.nextBatchPosition;
    if (position + BATCH_HEADER_BYTES > bytes.length || position + bytes.readInt32BE(position + Field.batchLength) + BATCH_LENGTH_PREFIX_BYTES > bytes.length) return false;
    const sizeBytes = validateBatchFrame(bytes, position, bytes.length, this.options.crcChecked !== true);
    const attributes = bytes.readInt16BE(position + Field.attributes);
    this.batchPosition = position;
    this.nextBatchPosition = position + sizeBytes;
    this.baseOffset = readInt64(bytes, position + Field.baseOffset);
    this.baseTimestamp = readInt64(bytes, position + Field.baseTimestamp);
    this.logAppendTime = (attributes & Attribute.logAppendTime) !== 0;
    this.maxTimestamp = readInt64(bytes, position + Field.maxTimestamp);
    this.recordCount = bytes.readInt32BE(position + Field.recordCount);
    this.lastOffsetDelta = bytes.readInt32BE(position + Field.lastOffsetDelta);
    this.recordIndex = 0;
    this.previousOffsetDelta = -1;
    this.nextOffset = this.baseOffset + this.lastOffsetDelta + 1;
    const { bytes: recordBytes, start, end } = recordBytesOf(bytes, position, sizeBytes, this.options);
    this.cursor = new RecordCursor(recordBytes, start, end);
    this.inBatch = true;
    return true;
  }

  /** Checks that the batch just read held exactly its records. */
  private leaveBatch(): void {
    if (!this.cursor.atEnd) throw new CodecError('INVALID_RECORD', `batch at ${this.batchPosition}: ${this.cursor.reader.remaining} bytes after its ${this.recordCount} records`);
  }
}

/**
 * Decodes consecutive batches from `bytes` (as a fetch or a segment file holds them). A partial
 * batch at the very end (a fetch may end in one) is ignored when `allowPartialTail` is set.
 */
export function decodeRecordBatches(bytes: Buffer, options: DecodeOptions & { allowPartialTail?: boolean } = {}): DecodedBatch[] {
  const batches: DecodedBatch[] = [];
  let position = 0;
  while (position < bytes.length) {
    const remaining = bytes.length - position;
    if (options.allowPartialTail && (remaining < BATCH_HEADER_BYTES || bytes.readInt32BE(position + Field.batchLength) + BATCH_LENGTH_PREFIX_BYTES > remaining)) break;
    const decoded = decodeRecordBatch(bytes, position, bytes.length, options);
    batches.push(decoded);
    position += decoded.header.batchLength + BATCH_LENGTH_PREFIX_BYTES;
  }
  return batches;
}

/**
 * Rewrites the batch's maxTimestamp and timestamp type and recomputes its CRC (the broker does
 * this when a client's maxTimestamp is wrong, or to stamp LogAppendTime).
 */
export function setMaxTimestamp(batch: Buffer, position: number, maxTimestamp: number, logAppendTime: boolean): void {
  const sizeBytes = batch.readInt32BE(position + Field.batchLength) + BATCH_LENGTH_PREFIX_BYTES;
  const attributes = batch.readInt16BE(position + Field.attributes);
  batch.writeInt16BE(logAppendTime ? attributes | Attribute.logAppendTime : attributes & ~Attribute.logAppendTime, position + Field.attributes);
  writeInt64(batch, position + Field.maxTimestamp, maxTimestamp);
  batch.writeUInt32BE(crc32c(batch.subarray(position + CRC_START, position + sizeBytes)), position + Field.crc);
}
