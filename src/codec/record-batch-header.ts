/**
 * The 61-byte header of a Kafka record batch (magic v2), the unit Strata stores, indexes and sends.
 * Storage and fetch work from this header alone: they never parse the records behind it.
 *
 *   offset  size  field
 *        0     8  baseOffset            i64  offset of the first record (assigned by the broker)
 *        8     4  batchLength           i32  bytes after this field (whole batch = batchLength + 12)
 *       12     4  partitionLeaderEpoch  i32
 *       16     1  magic                 i8   = 2
 *       17     4  crc                   u32  CRC-32C of bytes [21, end)
 *       21     2  attributes            i16  bits 0-2 compression (0 none, 1 gzip, 2 snappy, 3 lz4,
 *                                            4 zstd), bit 3 timestamp type (1 = log append time),
 *                                            bit 4 transactional, bit 5 control
 *       23     4  lastOffsetDelta       i32  offset of the last record - baseOffset
 *       27     8  baseTimestamp         i64  ms
 *       35     8  maxTimestamp          i64  ms
 *       43     8  producerId            i64
 *       51     2  producerEpoch         i16
 *       53     4  baseSequence          i32
 *       57     4  recordCount           i32
 *       61     …  records (compressed as one block when the codec is not none)
 *
 * The CRC does not cover baseOffset, batchLength or partitionLeaderEpoch: the broker assigns offsets
 * by rewriting those bytes in place without recomputing it.
 */

import { CodecError, requireBytes } from './codec-error.js';
import { crc32c } from './crc32c.js';
import { readInt64, writeInt64 } from './byte-reader.js';

export const BATCH_HEADER_BYTES = 61;
/** Bytes before and including batchLength: the part batchLength does not count. */
export const BATCH_LENGTH_PREFIX_BYTES = 12;
export const RECORD_BATCH_MAGIC = 2;

export const Field = {
  baseOffset: 0,
  batchLength: 8,
  partitionLeaderEpoch: 12,
  magic: 16,
  crc: 17,
  attributes: 21,
  lastOffsetDelta: 23,
  baseTimestamp: 27,
  maxTimestamp: 35,
  producerId: 43,
  producerEpoch: 51,
  baseSequence: 53,
  recordCount: 57,
} as const;

/** Where the CRC-covered bytes start. */
export const CRC_START = Field.attributes;

export const Attribute = {
  compressionMask: 0x07,
  logAppendTime: 0x08,
  transactional: 0x10,
  control: 0x20,
} as const;

export interface RecordBatchHeader {
  baseOffset: number;
  /** Bytes after the batchLength field; the whole batch is batchLength + 12 bytes. */
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

/** Total size in bytes of the batch whose header starts at `position` (needs 12 bytes there). */
export function batchSizeAt(buffer: Buffer, position: number): number {
  requireBytes(position, BATCH_LENGTH_PREFIX_BYTES, buffer.length, 'batch length');
  return buffer.readInt32BE(position + Field.batchLength) + BATCH_LENGTH_PREFIX_BYTES;
}

export function baseOffsetAt(buffer: Buffer, position: number): number {
  return readInt64(buffer, position + Field.baseOffset);
}

/** Offset of the batch's last record: baseOffset + lastOffsetDelta. */
export function lastOffsetAt(buffer: Buffer, position: number): number {
  return baseOffsetAt(buffer, position) + buffer.readInt32BE(position + Field.lastOffsetDelta);
}

export function maxTimestampAt(buffer: Buffer, position: number): number {
  return readInt64(buffer, position + Field.maxTimestamp);
}

export function compressionIdOf(attributes: number): number {
  return attributes & Attribute.compressionMask;
}

/** Decodes the 61-byte header at `position` without touching the records or checking the CRC. */
export function readBatchHeader(buffer: Buffer, position = 0): RecordBatchHeader {
  requireBytes(position, BATCH_HEADER_BYTES, buffer.length, 'record batch header');
  return {
    baseOffset: readInt64(buffer, position + Field.baseOffset),
    batchLength: buffer.readInt32BE(position + Field.batchLength),
    partitionLeaderEpoch: buffer.readInt32BE(position + Field.partitionLeaderEpoch),
    magic: buffer.readInt8(position + Field.magic),
    crc: buffer.readUInt32BE(position + Field.crc),
    attributes: buffer.readInt16BE(position + Field.attributes),
    lastOffsetDelta: buffer.readInt32BE(position + Field.lastOffsetDelta),
    baseTimestamp: readInt64(buffer, position + Field.baseTimestamp),
    maxTimestamp: readInt64(buffer, position + Field.maxTimestamp),
    producerId: readInt64(buffer, position + Field.producerId),
    producerEpoch: buffer.readInt16BE(position + Field.producerEpoch),
    baseSequence: buffer.readInt32BE(position + Field.baseSequence),
    recordCount: buffer.readInt32BE(position + Field.recordCount),
  };
}

/**
 * Checks the framing and CRC of the batch at `position`, which must end at or before `end`:
 * enough bytes for the header, a batchLength that fits, magic 2, a non-negative record count and
 * last offset delta, and (unless `checkCrc` is false: bytes whose CRC storage checked as it read
 * them) the CRC over [attributes, end of batch). Does not parse records. Returns the batch's total
 * size in bytes.
 */
export function validateBatchFrame(buffer: Buffer, position = 0, end = buffer.length, checkCrc = true): number {
  requireBytes(position, BATCH_HEADER_BYTES, end, 'record batch header');
  const batchLength = buffer.readInt32BE(position + Field.batchLength);
  if (batchLength < BATCH_HEADER_BYTES - BATCH_LENGTH_PREFIX_BYTES) {
    throw new CodecError('INVALID_LENGTH', `batch at ${position}: batchLength ${batchLength} is smaller than a batch header`);
  }
  const size = batchLength + BATCH_LENGTH_PREFIX_BYTES;
  requireBytes(position, size, end, `record batch at ${position} (${size} bytes)`);
  const magic = buffer.readInt8(position + Field.magic);
  if (magic !== RECORD_BATCH_MAGIC) {
    throw new CodecError('UNSUPPORTED_MAGIC', `batch at ${position}: magic ${magic}, only record batch v2 (magic 2) is supported`);
  }
  if (checkCrc) checkBatchCrc(buffer, position, size);
  if (buffer.readInt32BE(position + Field.recordCount) < 0) {
    throw new CodecError('INVALID_LENGTH', `batch at ${position}: negative record count`);
  }
  if (buffer.readInt32BE(position + Field.lastOffsetDelta) < 0) {
    throw new CodecError('INVALID_RECORD', `batch at ${position}: negative lastOffsetDelta`);
  }
  return size;
}

function checkBatchCrc(buffer: Buffer, position: number, size: number): void {
  const storedCrc = buffer.readUInt32BE(position + Field.crc);
  const computedCrc = crc32c(buffer.subarray(position + CRC_START, position + size));
  if (storedCrc !== computedCrc) {
    throw new CodecError('CORRUPT_CRC', `batch at ${position}: stored CRC ${hex(storedCrc)} but bytes give ${hex(computedCrc)}`);
  }
}

/** Rewrites baseOffset in place (not covered by the CRC). */
export function writeBaseOffset(buffer: Buffer, position: number, baseOffset: number): void {
  writeInt64(buffer, position + Field.baseOffset, baseOffset);
}

/** Rewrites partitionLeaderEpoch in place (not covered by the CRC). */
export function writePartitionLeaderEpoch(buffer: Buffer, position: number, epoch: number): void {
  buffer.writeInt32BE(epoch, position + Field.partitionLeaderEpoch);
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}
