/**
 * A bounds-checked cursor over a Buffer for decoding untrusted bytes. Every read checks that its
 * bytes lie inside [start, end) first and throws CodecError('TRUNCATED') otherwise, so a decoder
 * built on it can only fail with a CodecError, never a RangeError and never by reading past the
 * slice it was given. Reads do not allocate, except readBytes (a view, not a copy) and readString.
 */

import { CodecError, requireBytes } from './codec-error.js';
import { MAX_VARINT_BYTES, MAX_VARLONG_BYTES, unzigzagBigVarlong } from './varint.js';

const TWO_POW_32 = 2 ** 32;
/** The high 32-bit word of an i64 that still fits a safe integer lies in [-2^21, 2^21). */
const SAFE_HIGH_WORD_LIMIT = 2 ** 21;

/** Reads a big-endian i64 at `position` as a number; throws if it is not a safe integer. */
export function readInt64(buffer: Buffer, position: number): number {
  const high = buffer.readInt32BE(position);
  const low = buffer.readUInt32BE(position + 4);
  if (high >= SAFE_HIGH_WORD_LIMIT || high < -SAFE_HIGH_WORD_LIMIT) {
    throw new CodecError('INT64_OUT_OF_RANGE', `int64 at ${position} is outside the safe integer range`);
  }
  return high * TWO_POW_32 + low;
}

/** Writes a safe integer as a big-endian i64 at `position`. */
export function writeInt64(buffer: Buffer, position: number, value: number): void {
  if (!Number.isSafeInteger(value)) {
    throw new CodecError('INVALID_ARGUMENT', `int64 value ${value} is not a safe integer`);
  }
  const high = Math.floor(value / TWO_POW_32);
  buffer.writeInt32BE(high, position);
  buffer.writeUInt32BE(value - high * TWO_POW_32, position + 4);
}

export class ByteReader {
  position: number;

  constructor(
    readonly buffer: Buffer,
    start = 0,
    readonly end = buffer.length,
  ) {
    if (start < 0 || end > buffer.length || start > end) {
      throw new CodecError('INVALID_ARGUMENT', `reader bounds [${start}, ${end}) outside a ${buffer.length}-byte buffer`);
    }
    this.position = start;
  }

  get remaining(): number {
    return this.end - this.position;
  }

  /** Moves past `length` bytes, which must be there. */
  skip(length: number, what: string): void {
    requireBytes(this.position, length, this.end, what);
    this.position += length;
  }

  /** A zig-zag varint (signed 32-bit). */
  readVarint(): number {
    // Fast path, small enough to inline: most varints in a record (deltas, counts, and the lengths
    // of records and values up to 8 KiB) fit one or two bytes.
    const position = this.position;
    if (position + 2 <= this.end) {
      const first = this.buffer[position]!;
      if (first < 0x80) {
        this.position = position + 1;
        return (first >>> 1) ^ -(first & 1);
      }
      const second = this.buffer[position + 1]!;
      if (second < 0x80) {
        const raw = (first & 0x7f) | (second << 7);
        this.position = position + 2;
        return (raw >>> 1) ^ -(raw & 1);
      }
    }
    return this.readLongVarint();
  }

  private readLongVarint(): number {
    let raw = 0;
    for (let shift = 0; shift < 7 * MAX_VARINT_BYTES; shift += 7) {
      requireBytes(this.position, 1, this.end, 'varint');
      const byte = this.buffer[this.position++]!;
      if (shift === 28 && byte > 0x0f) break;
      raw |= (byte & 0x7f) << shift;
      if (byte < 0x80) return (raw >>> 1) ^ -(raw & 1);
    }
    throw new CodecError('MALFORMED_VARINT', `varint ending at ${this.position} is longer than ${MAX_VARINT_BYTES} bytes or exceeds 32 bits`);
  }

  /** A zig-zag varlong (signed 64-bit) as a safe integer. */
  readVarlong(): number {
    if (this.position < this.end) {
      const first = this.buffer[this.position]!;
      if (first < 0x80) {
        this.position++;
        return (first >>> 1) ^ -(first & 1);
      }
    }
    const start = this.position;
    let raw = 0;
    // Fast path: up to 4 bytes (28 bits) accumulate with bit operations.
    for (let shift = 0; shift < 28; shift += 7) {
      requireBytes(this.position, 1, this.end, 'varlong');
      const byte = this.buffer[this.position++]!;
      raw |= (byte & 0x7f) << shift;
      if (byte < 0x80) return (raw >>> 1) ^ -(raw & 1);
    }
    this.position = start;
    return this.readLongVarlong();
  }

  private readLongVarlong(): number {
    let raw = 0n;
    for (let index = 0; index < MAX_VARLONG_BYTES; index++) {
      requireBytes(this.position, 1, this.end, 'varlong');
      const byte = this.buffer[this.position++]!;
      raw |= BigInt(byte & 0x7f) << BigInt(7 * index);
      if (byte < 0x80) {
        if (raw >= 1n << 64n) break;
        return unzigzagBigVarlong(raw);
      }
    }
    throw new CodecError('MALFORMED_VARINT', `varlong ending at ${this.position} is longer than ${MAX_VARLONG_BYTES} bytes or exceeds 64 bits`);
  }

  /** A view (not a copy) of the next `length` bytes. */
  readBytes(length: number): Buffer {
    requireBytes(this.position, length, this.end, 'bytes');
    const view = this.buffer.subarray(this.position, this.position + length);
    this.position += length;
    return view;
  }

  /** Varint length then bytes; length -1 is null. Returns a view into the buffer. */
  readVarintBytes(what: string): Buffer | null {
    const length = this.readVarint();
    if (length === -1) return null;
    if (length < -1) throw new CodecError('INVALID_LENGTH', `${what} length ${length} at ${this.position} is negative`);
    return this.readBytes(length);
  }

  /** Varint length then UTF-8 bytes; null (-1) is not allowed. */
  readVarintString(what: string): string {
    const length = this.readVarint();
    if (length < 0) throw new CodecError('INVALID_LENGTH', `${what} length ${length} at ${this.position} is negative`);
    requireBytes(this.position, length, this.end, what);
    const text = this.buffer.toString('utf8', this.position, this.position + length);
    this.position += length;
    return text;
  }
}
