/**
 * The cleaner's key map: record key → newest offset seen, in a fixed amount of memory
 * (`log.cleaner.dedupe.buffer.size`). Nothing here touches the disk.
 *
 * A key is stored as a 64-bit hash (two 32-bit murmur3 hashes with different seeds) rather than
 * its bytes, as Kafka stores an MD5: every entry is 16 bytes (hash 8 + offset 8) whatever the key
 * size. Two different keys with the same 64-bit hash would make the cleaner treat them as one key;
 * with n keys in a pass the chance is about n² / 2⁶⁵ (10⁻⁵ for 10⁷ keys). Open addressing with
 * linear probing, filled to at most `MAX_LOAD_FACTOR` (Kafka's log.cleaner.io.buffer.load.factor);
 * when full, put() refuses new keys and the cleaner ends the pass there (the rest waits for the
 * next pass).
 */

import { assert } from '../storage-error.js';

export const OFFSET_MAP_ENTRY_BYTES = 16;
const MAX_LOAD_FACTOR = 0.9;
const EMPTY = -1;
const SEED_LOW = 0x9747b28c;
const SEED_HIGH = 0x2545f491;

export class OffsetMap {
  /** Two u32 hash halves per slot. */
  private readonly hashes: Uint32Array;
  /** Newest offset per slot; EMPTY for a free slot. */
  private readonly offsets: Float64Array;
  private readonly slots: number;
  private entryCount = 0;
  /** Entries accepted before put() refuses new keys. */
  readonly maxEntries: number;

  constructor(readonly memoryBytes: number) {
    this.slots = Math.floor(memoryBytes / OFFSET_MAP_ENTRY_BYTES);
    assert(this.slots >= 2, `an offset map needs at least ${2 * OFFSET_MAP_ENTRY_BYTES} bytes, got ${memoryBytes}`);
    this.maxEntries = Math.max(1, Math.floor(this.slots * MAX_LOAD_FACTOR));
    this.hashes = new Uint32Array(this.slots * 2);
    this.offsets = new Float64Array(this.slots).fill(EMPTY);
  }

  get size(): number {
    return this.entryCount;
  }

  get isFull(): boolean {
    return this.entryCount >= this.maxEntries;
  }

  clear(): void {
    this.offsets.fill(EMPTY);
    this.entryCount = 0;
  }

  /** Records `offset` as the newest of `key`. False (nothing stored) when the key is new and the map is full. */
  put(key: Buffer, offset: number): boolean {
    return this.putRange(key, 0, key.length, offset);
  }

  /** put() for the key at [start, start + length) of `bytes` (no view allocated). */
  putRange(bytes: Buffer, start: number, length: number, offset: number): boolean {
    const low = murmur3(bytes, SEED_LOW, start, start + length);
    const high = murmur3(bytes, SEED_HIGH, start, start + length);
    const slot = this.find(low, high);
    if (this.offsets[slot] === EMPTY) {
      if (this.isFull) return false;
      this.hashes[slot * 2] = low;
      this.hashes[slot * 2 + 1] = high;
      this.entryCount++;
    }
    this.offsets[slot] = offset;
    return true;
  }

  /** The newest offset recorded for `key`, or -1. */
  get(key: Buffer): number {
    return this.getRange(key, 0, key.length);
  }

  /** get() for the key at [start, start + length) of `bytes`. */
  getRange(bytes: Buffer, start: number, length: number): number {
    return this.offsets[this.find(murmur3(bytes, SEED_LOW, start, start + length), murmur3(bytes, SEED_HIGH, start, start + length))]!;
  }

  /**
   * The newest offset of every key, ascending (8 bytes per key, allocated per call): the offsets
   * of the records the map says to keep.
   */
  newestOffsets(): Float64Array {
    const newest = new Float64Array(this.entryCount);
    let count = 0;
    for (let slot = 0; slot < this.slots; slot++) {
      const offset = this.offsets[slot]!;
      if (offset !== EMPTY) newest[count++] = offset;
    }
    return newest.sort();
  }

  /** The slot holding this hash, or the free slot where it would go (there always is one: load < 1). */
  private find(low: number, high: number): number {
    let slot = (low ^ Math.imul(high, 0x85ebca6b)) >>> 0;
    slot %= this.slots;
    for (;;) {
      if (this.offsets[slot] === EMPTY || (this.hashes[slot * 2] === low && this.hashes[slot * 2 + 1] === high)) return slot;
      slot = slot + 1 === this.slots ? 0 : slot + 1;
    }
  }
}

/** MurmurHash3 x86 32-bit of bytes [start, end) of `bytes`. */
export function murmur3(bytes: Buffer, seed: number, start = 0, end = bytes.length): number {
  let hash = seed >>> 0;
  const length = end - start;
  const blocks = start + (length & ~3);
  for (let index = start; index < blocks; index += 4) {
    let chunk = bytes[index]! | (bytes[index + 1]! << 8) | (bytes[index + 2]! << 16) | (bytes[index + 3]! << 24);
    chunk = Math.imul(chunk, 0xcc9e2d51);
    chunk = (chunk << 15) | (chunk >>> 17);
    chunk = Math.imul(chunk, 0x1b873593);
    hash ^= chunk;
    hash = (hash << 13) | (hash >>> 19);
    hash = (Math.imul(hash, 5) + 0xe6546b64) | 0;
  }
  const rest = length & 3;
  if (rest > 0) {
    let tail = bytes[blocks]!;
    if (rest > 1) tail ^= bytes[blocks + 1]! << 8;
    if (rest > 2) tail ^= bytes[blocks + 2]! << 16;
    tail = Math.imul(tail, 0xcc9e2d51);
    tail = (tail << 15) | (tail >>> 17);
    tail = Math.imul(tail, 0x1b873593);
    hash ^= tail;
  }
  hash ^= length;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
