/**
 * A bounds-checked cursor over untrusted bytes for the Kafka protocol's primitive types. Every read
 * checks that its bytes lie inside [position, end) before touching the buffer and throws a
 * ProtocolDecodeError otherwise, so nothing built on it can fail with a RangeError or read past the
 * slice it was given. Lengths and counts are checked against the bytes that remain before anything
 * is allocated for them.
 *
 * bytes and records are returned as views into the input (no copy): keep the input alive and
 * unchanged while you use them, or copy them.
 */

import { ProtocolDecodeError } from './errors.js';

const TWO_POW_32 = 2 ** 32;
const HEX = '0123456789abcdef';

export class WireReader {
  /** Next byte to read. */
  position: number;
  /** One past the last readable byte. Narrowed temporarily while a tagged field is read. */
  end: number;

  constructor(
    readonly buffer: Buffer,
    start = 0,
    end = buffer.length,
  ) {
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > buffer.length || start > end) {
      throw new ProtocolDecodeError('INVALID_LENGTH', `reader bounds [${start}, ${end}) lie outside a ${buffer.length}-byte buffer`, 0);
    }
    this.position = start;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.position;
  }

  /** Throws TRUNCATED unless `count` more bytes are readable. */
  require(count: number, what: string): void {
    if (count > this.end - this.position) {
      throw new ProtocolDecodeError('TRUNCATED', `${what} needs ${count} bytes, only ${this.end - this.position} left`, this.position);
    }
  }

  skip(count: number): void {
    this.require(count, 'skipped bytes');
    this.position += count;
  }

  readInt8(): number {
    this.require(1, 'int8');
    return this.buffer.readInt8(this.position++);
  }

  readUint8(): number {
    this.require(1, 'uint8');
    return this.buffer[this.position++]!;
  }

  /** Kafka booleans: one byte, anything but zero is true. */
  readBoolean(): boolean {
    this.require(1, 'boolean');
    return this.buffer[this.position++] !== 0;
  }

  readInt16(): number {
    this.require(2, 'int16');
    const buffer = this.buffer;
    const position = this.position;
    this.position = position + 2;
    return ((buffer[position]! << 24) | (buffer[position + 1]! << 16)) >> 16;
  }

  readUint16(): number {
    this.require(2, 'uint16');
    const buffer = this.buffer;
    const position = this.position;
    this.position = position + 2;
    return (buffer[position]! << 8) | buffer[position + 1]!;
  }

  readInt32(): number {
    this.require(4, 'int32');
    const value = this.get32(this.position);
    this.position += 4;
    return value;
  }

  readUint32(): number {
    this.require(4, 'uint32');
    const value = this.get32(this.position) >>> 0;
    this.position += 4;
    return value;
  }

  /** A big-endian int64 as a number; values outside ±(2^53 - 1) are INT64_OUT_OF_RANGE. */
  readInt64(): number {
    this.require(8, 'int64');
    const start = this.position;
    const high = this.get32(start);
    const low = this.get32(start + 4) >>> 0;
    this.position += 8;
    const value = high * TWO_POW_32 + low;
    if (!Number.isSafeInteger(value)) {
      const exact = (BigInt(high) << 32n) | BigInt(low);
      throw new ProtocolDecodeError('INT64_OUT_OF_RANGE', `int64 ${exact} is outside the safe integer range`, start);
    }
    return value;
  }

  /** The signed big-endian 32-bit value at `position` (bounds already checked). */
  private get32(position: number): number {
    const buffer = this.buffer;
    return (buffer[position]! << 24) | (buffer[position + 1]! << 16) | (buffer[position + 2]! << 8) | buffer[position + 3]!;
  }

  readFloat64(): number {
    this.require(8, 'float64');
    const value = this.buffer.readDoubleBE(this.position);
    this.position += 8;
    return value;
  }

  /** 16 bytes as a canonical lowercase UUID string (8-4-4-4-12). */
  readUuid(): string {
    this.require(16, 'uuid');
    const buffer = this.buffer;
    const start = this.position;
    let text = '';
    for (let index = 0; index < 16; index++) {
      if (index === 4 || index === 6 || index === 8 || index === 10) text += '-';
      const byte = buffer[start + index]!;
      text += HEX[byte >> 4]! + HEX[byte & 15]!;
    }
    this.position += 16;
    return text;
  }

  /** An unsigned varint of at most 5 bytes and 32 bits, as a non-negative number. */
  readUnsignedVarint(): number {
    const buffer = this.buffer;
    const start = this.position;
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.position >= this.end) {
        throw new ProtocolDecodeError('TRUNCATED', 'varint ends early', start);
      }
      const byte = buffer[this.position++]!;
      if (shift === 28) {
        if (byte > 0x0f) break;
        return value + byte * 2 ** 28;
      }
      value |= (byte & 0x7f) << shift;
      if (byte < 0x80) return value >>> 0;
    }
    throw new ProtocolDecodeError('MALFORMED_VARINT', 'varint is longer than 5 bytes or exceeds 32 bits', start);
  }

  /** An unsigned varlong of at most 10 bytes, as a safe integer. */
  readUnsignedVarlong(): number {
    const start = this.position;
    let value = 0;
    let factor = 1;
    for (let index = 0; index < 10; index++) {
      if (this.position >= this.end) {
        throw new ProtocolDecodeError('TRUNCATED', 'varlong ends early', start);
      }
      const byte = this.buffer[this.position++]!;
      value += (byte & 0x7f) * factor;
      if (byte < 0x80) {
        if (!Number.isSafeInteger(value)) {
          throw new ProtocolDecodeError('INT64_OUT_OF_RANGE', 'varlong is outside the safe integer range', start);
        }
        return value;
      }
      factor *= 128;
    }
    throw new ProtocolDecodeError('MALFORMED_VARINT', 'varlong is longer than 10 bytes', start);
  }

  /** A zig-zag varint (signed 32-bit). */
  readVarint(): number {
    const raw = this.readUnsignedVarint();
    return (raw >>> 1) ^ -(raw & 1);
  }

  /** A zig-zag varlong (signed 64-bit) as a safe integer. */
  readVarlong(): number {
    const start = this.position;
    const raw = this.readUnsignedVarlong();
    // raw is a safe integer, so halving it is exact; odd raw values are negative.
    const value = raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
    if (!Number.isSafeInteger(value)) {
      throw new ProtocolDecodeError('INT64_OUT_OF_RANGE', 'varlong is outside the safe integer range', start);
    }
    return value;
  }

  /** A view of the next `length` bytes. */
  readRaw(length: number): Buffer {
    this.require(length, 'bytes');
    const view = this.buffer.subarray(this.position, this.position + length);
    this.position += length;
    return view;
  }

  // --- Strings: int16 length (classic) or unsigned varint length + 1 (compact); null is -1 / 0.

  readString(): string {
    const value = this.readNullableString();
    if (value === null) throw unexpectedNull('string', this.position - 2);
    return value;
  }

  readNullableString(): string | null {
    const start = this.position;
    const length = this.readInt16();
    if (length === -1) return null;
    return this.readUtf8(length, start);
  }

  readCompactString(): string {
    const start = this.position;
    const value = this.readCompactNullableString();
    if (value === null) throw unexpectedNull('compact string', start);
    return value;
  }

  readCompactNullableString(): string | null {
    const start = this.position;
    const lengthPlusOne = this.readUnsignedVarint();
    if (lengthPlusOne === 0) return null;
    return this.readUtf8(lengthPlusOne - 1, start);
  }

  private readUtf8(length: number, start: number): string {
    if (length < 0) throw new ProtocolDecodeError('INVALID_LENGTH', `string length ${length} is negative`, start);
    if (length > this.end - this.position) {
      throw new ProtocolDecodeError('INVALID_LENGTH', `string length ${length} exceeds the ${this.end - this.position} bytes left`, start);
    }
    const text = this.buffer.toString('utf8', this.position, this.position + length);
    this.position += length;
    return text;
  }

  // --- Bytes: int32 length (classic) or unsigned varint length + 1 (compact); null is -1 / 0.

  readBytes(): Buffer {
    const start = this.position;
    const value = this.readNullableBytes();
    if (value === null) throw unexpectedNull('bytes', start);
    return value;
  }

  readNullableBytes(): Buffer | null {
    const start = this.position;
    const length = this.readInt32();
    if (length === -1) return null;
    return this.readByteRun(length, start);
  }

  readCompactBytes(): Buffer {
    const start = this.position;
    const value = this.readCompactNullableBytes();
    if (value === null) throw unexpectedNull('compact bytes', start);
    return value;
  }

  readCompactNullableBytes(): Buffer | null {
    const start = this.position;
    const lengthPlusOne = this.readUnsignedVarint();
    if (lengthPlusOne === 0) return null;
    return this.readByteRun(lengthPlusOne - 1, start);
  }

  private readByteRun(length: number, start: number): Buffer {
    if (length < 0) throw new ProtocolDecodeError('INVALID_LENGTH', `bytes length ${length} is negative`, start);
    if (length > this.end - this.position) {
      throw new ProtocolDecodeError('INVALID_LENGTH', `bytes length ${length} exceeds the ${this.end - this.position} bytes left`, start);
    }
    const view = this.buffer.subarray(this.position, this.position + length);
    this.position += length;
    return view;
  }

  // --- Array counts: int32 (classic) or unsigned varint count + 1 (compact); -1 means null.

  /**
   * Reads an array count and returns it, or -1 for null. Each element takes at least
   * `minElementBytes` (taken as 1 when smaller), so a count the remaining bytes cannot hold is
   * rejected here, before anyone allocates for it.
   */
  readArrayCount(compact: boolean, minElementBytes: number): number {
    const start = this.position;
    let count: number;
    if (compact) {
      count = this.readUnsignedVarint() - 1;
    } else {
      count = this.readInt32();
      if (count < -1) throw new ProtocolDecodeError('INVALID_LENGTH', `array count ${count} is negative`, start);
    }
    if (count > 0 && count * (minElementBytes > 1 ? minElementBytes : 1) > this.end - this.position) {
      throw new ProtocolDecodeError(
        'INVALID_LENGTH',
        `array count ${count} needs at least ${count * Math.max(1, minElementBytes)} bytes, only ${this.end - this.position} left`,
        start,
      );
    }
    return count;
  }
}

function unexpectedNull(what: string, offset: number): ProtocolDecodeError {
  return new ProtocolDecodeError('UNEXPECTED_NULL', `null ${what} where the version does not allow null`, offset);
}
