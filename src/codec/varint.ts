/**
 * Zig-zag variable-length integers, as Kafka's record format uses them (protobuf's encoding):
 * 7 bits per byte, least significant group first, high bit set on every byte but the last.
 * A signed value v is stored as (v << 1) ^ (v >> 63), so small negatives stay short.
 *
 * - varint: a signed 32-bit value, at most 5 bytes.
 * - varlong: a signed 64-bit value, at most 10 bytes. JavaScript numbers hold it exactly only up to
 *   2^53 - 1, so a varlong outside the safe-integer range is an INT64_OUT_OF_RANGE error (Kafka uses
 *   varlongs for timestamp deltas, which never come near that).
 *
 * Writers take (buffer, position, value) and return the position after the value; the caller sizes
 * the buffer first with varintSize / varlongSize. Readers live in ByteReader.
 */

import { CodecError } from './codec-error.js';

export const MAX_VARINT_BYTES = 5;
export const MAX_VARLONG_BYTES = 10;

/** Bytes needed for the zig-zag varint of a signed 32-bit `value`. */
export function varintSize(value: number): number {
  const raw = ((value << 1) ^ (value >> 31)) >>> 0;
  return raw < 0x80 ? 1 : raw < 0x4000 ? 2 : raw < 0x200000 ? 3 : raw < 0x10000000 ? 4 : 5;
}

/** Writes `value` (a signed 32-bit integer) as a zig-zag varint; returns the next position. */
export function writeVarint(buffer: Buffer, position: number, value: number): number {
  if ((value | 0) !== value) throw new CodecError('INVALID_ARGUMENT', `varint value ${value} is not a 32-bit integer`);
  let raw = ((value << 1) ^ (value >> 31)) >>> 0;
  while (raw >= 0x80) {
    buffer[position++] = (raw & 0x7f) | 0x80;
    raw >>>= 7;
  }
  buffer[position++] = raw;
  return position;
}

/** The zig-zag transform of a safe integer, as a non-negative number (exact below 2^53). */
function zigzagLong(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

/** Bytes needed for the zig-zag varlong of `value` (a safe integer). */
export function varlongSize(value: number): number {
  if ((value | 0) === value) return varintSize(value);
  return bigVarlongSize(BigInt(value));
}

/** Writes `value` (a safe integer) as a zig-zag varlong; returns the next position. */
export function writeVarlong(buffer: Buffer, position: number, value: number): number {
  if ((value | 0) === value) return writeVarint(buffer, position, value);
  if (!Number.isSafeInteger(value)) {
    throw new CodecError('INVALID_ARGUMENT', `varlong value ${value} is not a safe integer`);
  }
  let raw = zigzagLong(value);
  if (raw > Number.MAX_SAFE_INTEGER) return writeBigVarlong(buffer, position, BigInt(value));
  while (raw >= 0x80) {
    buffer[position++] = (raw % 0x80) | 0x80;
    raw = Math.floor(raw / 0x80);
  }
  buffer[position++] = raw;
  return position;
}

function bigZigzag(value: bigint): bigint {
  return BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
}

function bigVarlongSize(value: bigint): number {
  let raw = bigZigzag(value);
  let bytes = 1;
  while (raw >= 0x80n) {
    raw >>= 7n;
    bytes++;
  }
  return bytes;
}

function writeBigVarlong(buffer: Buffer, position: number, value: bigint): number {
  let raw = bigZigzag(value);
  while (raw >= 0x80n) {
    buffer[position++] = Number(raw & 0x7fn) | 0x80;
    raw >>= 7n;
  }
  buffer[position++] = Number(raw);
  return position;
}

/** Undoes zig-zag on the raw unsigned 64-bit value of a long varlong; throws if not a safe integer. */
export function unzigzagBigVarlong(raw: bigint): number {
  const value = (raw >> 1n) ^ -(raw & 1n);
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new CodecError('INT64_OUT_OF_RANGE', `varlong ${value} is outside the safe integer range`);
  }
  return Number(value);
}
