/**
 * One record inside a record batch v2 (all integers zig-zag varints unless noted):
 *
 *   length          varint   bytes of everything after this field
 *   attributes      int8     unused, 0
 *   timestampDelta  varlong  timestamp - batch baseTimestamp (ms)
 *   offsetDelta     varint   offset - batch baseOffset
 *   keyLength       varint   -1 = null key
 *   key             bytes
 *   valueLength     varint   -1 = null value (a tombstone on compacted topics)
 *   value           bytes
 *   headerCount     varint
 *   headers         headerKeyLength varint, headerKey UTF-8 (never null),
 *                   headerValueLength varint (-1 = null), headerValue bytes
 *
 * RecordCursor walks records without allocating (validation and storage use it); readRecord builds
 * the decoded object, whose key, value and header values are views into the batch's bytes.
 */

import { Buffer } from 'node:buffer'; // the module binding: the global `Buffer` is a getter, called on every use
import { ByteReader } from './byte-reader.js';
import { CodecError } from './codec-error.js';
import { varintSize, varlongSize, writeVarint, writeVarlong } from './varint.js';

export type RecordBytes = Buffer | string | null;

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface RecordHeaderInput {
  key: string;
  value: RecordBytes;
}

/** A record to encode. Strings are written as UTF-8. */
export interface RecordInput {
  key?: RecordBytes;
  value: RecordBytes;
  headers?: readonly RecordHeaderInput[];
  /** Milliseconds since the epoch; the encoder's `nowMs` when absent. */
  timestamp?: number;
}

export interface DecodedRecord {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

const NULL_LENGTH_BYTES = 1; // varint(-1)

/** Byte length of a key, value or header value as encoded; -1 for null. Strings count as UTF-8. */
export function byteLength(bytes: RecordBytes | undefined): number {
  if (bytes === null || bytes === undefined) return -1;
  return typeof bytes === 'string' ? Buffer.byteLength(bytes, 'utf8') : bytes.length;
}

function lengthPrefixedSize(length: number): number {
  return length < 0 ? NULL_LENGTH_BYTES : varintSize(length) + length;
}

function headersSize(headers: readonly RecordHeaderInput[] | undefined): number {
  if (headers === undefined) return varintSize(0);
  let size = varintSize(headers.length);
  for (const header of headers) {
    size += lengthPrefixedSize(Buffer.byteLength(header.key, 'utf8'));
    size += lengthPrefixedSize(byteLength(header.value));
  }
  return size;
}

/**
 * Size of a record body (everything after its length varint), from its parts; `keyLength` and
 * `valueLength` are their byteLength()s (-1 = null).
 */
export function recordBodySizeOf(timestampDelta: number, offsetDelta: number, keyLength: number, valueLength: number, headers: readonly RecordHeaderInput[] | undefined): number {
  return 1 + varlongSize(timestampDelta) + varintSize(offsetDelta) + lengthPrefixedSize(keyLength) + lengthPrefixedSize(valueLength) + headersSize(headers);
}

/** Size of the record body (everything after its length varint). */
export function recordBodySize(record: RecordInput, timestampDelta: number, offsetDelta: number): number {
  return recordBodySizeOf(timestampDelta, offsetDelta, byteLength(record.key), byteLength(record.value), record.headers);
}

/** Writes a length-prefixed field whose byteLength() (-1 = null) the caller has computed. */
function writeLengthPrefixed(buffer: Buffer, position: number, bytes: RecordBytes | undefined, length: number): number {
  position = writeVarint(buffer, position, length);
  if (length <= 0) return position;
  if (typeof bytes === 'string') buffer.write(bytes, position, length, 'utf8');
  else buffer.set(bytes!, position); // TypedArray.set: cheaper than Buffer.copy for the small values records carry
  return position + length;
}

/**
 * Writes one record (length prefix included) at `position` from its parts, with the body size
 * and the key's and value's byteLength()s already computed; returns the next position.
 */
export function writeRecordOf(
  buffer: Buffer,
  position: number,
  bodySize: number,
  timestampDelta: number,
  offsetDelta: number,
  key: RecordBytes | undefined,
  keyLength: number,
  value: RecordBytes,
  valueLength: number,
  headers: readonly RecordHeaderInput[] | undefined,
): number {
  position = writeVarint(buffer, position, bodySize);
  buffer[position++] = 0; // attributes
  position = writeVarlong(buffer, position, timestampDelta);
  position = writeVarint(buffer, position, offsetDelta);
  position = writeLengthPrefixed(buffer, position, key, keyLength);
  position = writeLengthPrefixed(buffer, position, value, valueLength);
  if (headers === undefined) {
    buffer[position++] = 0; // varint(0): no headers
    return position;
  }
  position = writeVarint(buffer, position, headers.length);
  for (const header of headers) {
    position = writeLengthPrefixed(buffer, position, header.key, Buffer.byteLength(header.key, 'utf8'));
    position = writeLengthPrefixed(buffer, position, header.value, byteLength(header.value));
  }
  return position;
}

/** Writes one record (length prefix included) at `position`; returns the next position. */
export function writeRecord(
  buffer: Buffer,
  position: number,
  record: RecordInput,
  bodySize: number,
  timestampDelta: number,
  offsetDelta: number,
): number {
  return writeRecordOf(buffer, position, bodySize, timestampDelta, offsetDelta, record.key, byteLength(record.key), record.value, byteLength(record.value), record.headers);
}

/**
 * Walks the records of a batch's (decompressed) record bytes one at a time, checking each one's
 * framing. After next(), the fields describe the current record; positions index `reader.buffer`.
 */
export class RecordCursor {
  readonly reader: ByteReader;
  timestampDelta = 0;
  offsetDelta = 0;
  keyStart = 0;
  /** -1 for a null key. */
  keyLength = -1;
  valueStart = 0;
  /** -1 for a null value. */
  valueLength = -1;
  headerCount = 0;
  headersStart = 0;
  /** Where `reader.buffer` lies in its ArrayBuffer: views are made with Buffer.from(arrayBuffer, …), cheaper than subarray. */
  private readonly arrayBuffer: ArrayBufferLike;
  private readonly byteOffset: number;

  constructor(bytes: Buffer, start = 0, end = bytes.length) {
    this.reader = new ByteReader(bytes, start, end);
    this.arrayBuffer = bytes.buffer;
    this.byteOffset = bytes.byteOffset;
  }

  get atEnd(): boolean {
    return this.reader.remaining === 0;
  }

  next(): void {
    const reader = this.reader;
    const bodyLength = reader.readVarint();
    if (bodyLength < 0) throw new CodecError('INVALID_LENGTH', `record at ${reader.position}: negative length ${bodyLength}`);
    const bodyEnd = reader.position + bodyLength;
    if (bodyEnd > reader.end) throw new CodecError('TRUNCATED', `record at ${reader.position}: ${bodyLength} bytes declared, ${reader.remaining} left`);
    reader.skip(1, 'record attributes');
    this.timestampDelta = reader.readVarlong();
    this.offsetDelta = reader.readVarint();
    this.keyLength = this.readLength('key');
    this.keyStart = reader.position;
    if (this.keyLength > 0) reader.position += this.keyLength;
    this.valueLength = this.readLength('value');
    this.valueStart = reader.position;
    if (this.valueLength > 0) reader.position += this.valueLength;
    this.headerCount = reader.readVarint();
    if (this.headerCount < 0) throw new CodecError('INVALID_LENGTH', `record header count ${this.headerCount} is negative`);
    this.headersStart = reader.position;
    for (let index = 0; index < this.headerCount; index++) {
      const keyLength = reader.readVarint();
      if (keyLength < 0) throw new CodecError('INVALID_LENGTH', `record header key length ${keyLength} is negative`);
      this.skip(keyLength, bodyEnd);
      const valueLength = this.readLength('header value');
      if (valueLength > 0) this.skip(valueLength, bodyEnd);
    }
    if (reader.position !== bodyEnd) {
      throw new CodecError('INVALID_RECORD', `record ending at ${reader.position}: its fields do not add up to its declared length (${bodyLength})`);
    }
  }

  /** A varint length (-1 = null) whose bytes must fit in what is left. */
  private readLength(what: string): number {
    const reader = this.reader;
    const length = reader.readVarint();
    if (length < -1) throw new CodecError('INVALID_LENGTH', `record ${what} length ${length} is negative`);
    if (length > reader.remaining) throw new CodecError('TRUNCATED', `record ${what}: ${length} bytes declared, ${reader.remaining} left`);
    return length;
  }

  private skip(length: number, bodyEnd: number): void {
    if (this.reader.position + length > bodyEnd) throw new CodecError('TRUNCATED', `record field of ${length} bytes runs past its record`);
    this.reader.position += length;
  }

  /** The current record as an object; key, value and header values are views, not copies. */
  toRecord(baseOffset: number, timestamp: number): DecodedRecord {
    return { offset: baseOffset + this.offsetDelta, timestamp, key: this.key(), value: this.value(), headers: this.headers() };
  }

  /** The current record's key: a view, or null. */
  key(): Buffer | null {
    return this.keyLength < 0 ? null : Buffer.from(this.arrayBuffer, this.byteOffset + this.keyStart, this.keyLength);
  }

  /** The current record's value: a view, or null (a tombstone). */
  value(): Buffer | null {
    return this.valueLength < 0 ? null : Buffer.from(this.arrayBuffer, this.byteOffset + this.valueStart, this.valueLength);
  }

  headers(): RecordHeader[] {
    return this.headerCount === 0 ? [] : this.readHeaders();
  }

  private readHeaders(): RecordHeader[] {
    const reader = new ByteReader(this.reader.buffer, this.headersStart, this.reader.position);
    const headers: RecordHeader[] = [];
    for (let index = 0; index < this.headerCount; index++) {
      const key = reader.readVarintString('header key');
      headers.push({ key, value: reader.readVarintBytes('header value') });
    }
    return headers;
  }
}
