/**
 * CRC-32C (Castagnoli), the checksum of Kafka's record batch v2.
 *
 * Two implementations, on purpose:
 * - `crc32c`, the hot path: @node-rs/crc32, a prebuilt SIMD (SSE4.2 / ARMv8 CRC) native module,
 *   several GB/s. Every produced and recovered batch goes through it.
 * - `crc32cReference`: crc-32's pure-JavaScript CRC-32C, the independent reference the fast one is
 *   property-tested against (and a second opinion for tools).
 * Both return the unsigned 32-bit value stored in the batch header.
 */

import { crc32c as nativeCrc32c } from '@node-rs/crc32';
import CRC32C from 'crc-32/crc32c.js';

/** CRC-32C of `bytes`, fast path. */
export function crc32c(bytes: Uint8Array): number {
  return nativeCrc32c(bytes) >>> 0;
}

/** CRC-32C of `bytes` with crc-32's pure-JavaScript implementation (the reference). */
export function crc32cReference(bytes: Uint8Array): number {
  return CRC32C.buf(bytes) >>> 0;
}
