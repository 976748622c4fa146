/**
 * An append-only writer for the Kafka protocol's primitive types. Values are checked before they
 * are written (an int32 field given 2^40, a string over 32767 bytes, a malformed UUID) and a bad
 * one throws ProtocolEncodeError, never a RangeError.
 *
 * The output is a list of chunks: the writer fills a buffer and, when it is full, starts another
 * (nothing already written is ever copied again), and a large byte run (`writeRaw` of at least
 * RAW_REFERENCE_THRESHOLD bytes: record batches in Produce and Fetch) becomes a chunk of its own,
 * referenced rather than copied. `toChunks()` hands the chunks to a socket's writev as they are;
 * `toBuffer()` joins them (no copy at all when there is a single chunk). Referenced buffers must
 * not change until the output has been sent.
 */

import { ProtocolEncodeError } from './errors.js';
import { ZERO_UUID } from './schema.js';

/** writeRaw references (does not copy) byte runs at least this long. */
export const RAW_REFERENCE_THRESHOLD = 1024;
const MAX_GROWTH_CHUNK = 1024 * 1024;
const TWO_POW_32 = 2 ** 32;
const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export class WireWriter {
  private readonly chunks: Buffer[] = [];
  private chunksLength = 0;
  private buffer: Buffer;
  private position = 0;
  /** Start of the part of `buffer` not yet pushed to `chunks`. */
  private segmentStart = 0;
  private nextChunkSize: number;

  constructor(initialCapacity = 256) {
    this.buffer = Buffer.allocUnsafe(Math.max(16, initialCapacity));
    this.nextChunkSize = this.buffer.length * 2;
  }

  /** Bytes written so far. */
  get length(): number {
    return this.chunksLength + this.position - this.segmentStart;
  }

  /** Makes room for `count` contiguous bytes. */
  private ensure(count: number): void {
    if (this.position + count <= this.buffer.length) return;
    this.closeSegment();
    const size = count > this.nextChunkSize ? count + this.nextChunkSize : this.nextChunkSize;
    this.nextChunkSize = Math.min(MAX_GROWTH_CHUNK, this.nextChunkSize * 2);
    this.buffer = Buffer.allocUnsafe(size);
    this.position = 0;
    this.segmentStart = 0;
  }

  private closeSegment(): void {
    if (this.position > this.segmentStart) {
      const segment = this.buffer.subarray(this.segmentStart, this.position);
      this.chunks.push(segment);
      this.chunksLength += segment.length;
      this.segmentStart = this.position;
    }
  }

  /** The output as chunks, in order (see the class comment). */
  toChunks(): Buffer[] {
    const chunks = this.chunks.slice();
    if (this.position > this.segmentStart) chunks.push(this.buffer.subarray(this.segmentStart, this.position));
    return chunks;
  }

  /** The output as one Buffer. */
  toBuffer(): Buffer {
    if (this.chunks.length === 0) return this.buffer.subarray(this.segmentStart, this.position);
    return Buffer.concat(this.toChunks(), this.length);
  }

  // --- Fixed-width integers and floats

  writeInt8(value: number): void {
    if (typeof value !== 'number' || (value << 24) >> 24 !== value) throw invalid('int8', value);
    this.ensure(1);
    this.buffer[this.position++] = value & 0xff;
  }

  writeBoolean(value: boolean): void {
    if (typeof value !== 'boolean') throw invalid('boolean', value);
    this.ensure(1);
    this.buffer[this.position++] = value ? 1 : 0;
  }

  writeInt16(value: number): void {
    if (typeof value !== 'number' || (value << 16) >> 16 !== value) throw invalid('int16', value);
    this.ensure(2);
    const buffer = this.buffer;
    buffer[this.position++] = value >> 8;
    buffer[this.position++] = value;
  }

  writeUint16(value: number): void {
    if (typeof value !== 'number' || (value & 0xffff) !== value) throw invalid('uint16', value);
    this.ensure(2);
    const buffer = this.buffer;
    buffer[this.position++] = value >> 8;
    buffer[this.position++] = value;
  }

  writeInt32(value: number): void {
    if (typeof value !== 'number' || (value | 0) !== value) throw invalid('int32', value);
    this.ensure(4);
    this.put32(value);
  }

  writeUint32(value: number): void {
    if (typeof value !== 'number' || value >>> 0 !== value) throw invalid('uint32', value);
    this.ensure(4);
    this.put32(value);
  }

  /** Writes the low 32 bits of `value`, big-endian (room already ensured). */
  private put32(value: number): void {
    const buffer = this.buffer;
    const position = this.position;
    buffer[position] = value >>> 24;
    buffer[position + 1] = value >>> 16;
    buffer[position + 2] = value >>> 8;
    buffer[position + 3] = value;
    this.position = position + 4;
  }

  /** A safe integer as a big-endian int64. */
  writeInt64(value: number): void {
    if (!Number.isSafeInteger(value)) throw invalid('int64 (a safe integer)', value);
    this.ensure(8);
    const high = Math.floor(value / TWO_POW_32);
    this.put32(high);
    this.put32(value - high * TWO_POW_32);
  }

  writeFloat64(value: number): void {
    if (typeof value !== 'number') throw invalid('float64', value);
    this.ensure(8);
    this.buffer.writeDoubleBE(value, this.position);
    this.position += 8;
  }

  /** A canonical UUID string (8-4-4-4-12 hex, any case) as its 16 bytes. */
  writeUuid(value: string): void {
    if (value === ZERO_UUID) {
      this.ensure(16);
      this.buffer.fill(0, this.position, this.position + 16);
      this.position += 16;
      return;
    }
    if (typeof value !== 'string' || !UUID_PATTERN.test(value)) throw invalid('uuid (8-4-4-4-12 hex)', value);
    this.ensure(16);
    this.buffer.write(value.replace(/-/g, ''), this.position, 16, 'hex');
    this.position += 16;
  }

  // --- Varints

  /** An unsigned 32-bit value as an unsigned varint. */
  writeUnsignedVarint(value: number): void {
    if (typeof value !== 'number' || value >>> 0 !== value) throw invalid('unsigned varint (0 to 2^32 - 1)', value);
    this.ensure(5);
    const buffer = this.buffer;
    let rest = value;
    while (rest >= 0x80) {
      buffer[this.position++] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    buffer[this.position++] = rest;
  }

  /** A non-negative safe integer as an unsigned varlong. */
  writeUnsignedVarlong(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) throw invalid('unsigned varlong (a non-negative safe integer)', value);
    this.ensure(10);
    let rest = value;
    while (rest >= 0x80) {
      this.buffer[this.position++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.buffer[this.position++] = rest;
  }

  /** A signed 32-bit value as a zig-zag varint. */
  writeVarint(value: number): void {
    if (typeof value !== 'number' || (value | 0) !== value) throw invalid('varint (int32)', value);
    this.writeUnsignedVarint(((value << 1) ^ (value >> 31)) >>> 0);
  }

  /** A safe integer as a zig-zag varlong. Values whose zig-zag form exceeds 2^53 are refused. */
  writeVarlong(value: number): void {
    if (!Number.isSafeInteger(value)) throw invalid('varlong (a safe integer)', value);
    const zigzag = value >= 0 ? value * 2 : -value * 2 - 1;
    if (!Number.isSafeInteger(zigzag)) throw invalid('varlong (|value| < 2^52)', value);
    this.writeUnsignedVarlong(zigzag);
  }

  // --- Raw bytes

  /** Appends bytes as they are: copied when short, referenced as a chunk when long. */
  writeRaw(bytes: Uint8Array): void {
    const length = bytes.length;
    if (length >= RAW_REFERENCE_THRESHOLD) {
      this.closeSegment();
      this.chunks.push(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, length));
      this.chunksLength += length;
      return;
    }
    this.ensure(length);
    this.buffer.set(bytes, this.position);
    this.position += length;
  }

  // --- Strings (UTF-8)

  writeString(value: string): void {
    if (typeof value !== 'string') throw invalid('string', value);
    const length = Buffer.byteLength(value, 'utf8');
    if (length > 0x7fff) throw new ProtocolEncodeError(`string of ${length} bytes is longer than 32767 bytes`);
    this.ensure(2 + length);
    this.buffer[this.position++] = length >> 8;
    this.buffer[this.position++] = length;
    this.position += this.buffer.write(value, this.position, length, 'utf8');
  }

  writeNullableString(value: string | null): void {
    if (value === null) {
      this.writeInt16(-1);
      return;
    }
    this.writeString(value);
  }

  writeCompactString(value: string): void {
    if (typeof value !== 'string') throw invalid('string', value);
    const length = Buffer.byteLength(value, 'utf8');
    if (length > 0x7fff) throw new ProtocolEncodeError(`string of ${length} bytes is longer than 32767 bytes`);
    this.writeUnsignedVarint(length + 1);
    this.ensure(length);
    this.position += this.buffer.write(value, this.position, length, 'utf8');
  }

  writeCompactNullableString(value: string | null): void {
    if (value === null) {
      this.writeUnsignedVarint(0);
      return;
    }
    this.writeCompactString(value);
  }

  // --- Bytes

  writeBytes(value: Uint8Array): void {
    if (!(value instanceof Uint8Array)) throw invalid('bytes (a Buffer)', value);
    this.writeInt32(value.length);
    this.writeRaw(value);
  }

  writeNullableBytes(value: Uint8Array | null): void {
    if (value === null) {
      this.writeInt32(-1);
      return;
    }
    this.writeBytes(value);
  }

  writeCompactBytes(value: Uint8Array): void {
    if (!(value instanceof Uint8Array)) throw invalid('bytes (a Buffer)', value);
    if (value.length >= 0xffffffff) throw new ProtocolEncodeError(`bytes of ${value.length} are too long for a compact length`);
    this.writeUnsignedVarint(value.length + 1);
    this.writeRaw(value);
  }

  writeCompactNullableBytes(value: Uint8Array | null): void {
    if (value === null) {
      this.writeUnsignedVarint(0);
      return;
    }
    this.writeCompactBytes(value);
  }

  // --- Array counts

  /** An array count, or null: int32 (-1 for null) or, compact, unsigned varint count + 1 (0). */
  writeArrayCount(count: number | null, compact: boolean): void {
    if (compact) this.writeUnsignedVarint(count === null ? 0 : count + 1);
    else this.writeInt32(count === null ? -1 : count);
  }
}

function invalid(type: string, value: unknown): ProtocolEncodeError {
  return new ProtocolEncodeError(`${describe(value)} is not a valid ${type}`);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Buffer.isBuffer(value)) return `a ${value.length}-byte Buffer`;
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
