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
 * next pass). A slot's hash and offset lie side by side (one cache line per probe). Besides the
 * table, a list of the slots in use (4 bytes per key) lets clear() and newestOffsets() take time
 * per key rather than per slot: a small pass does not pay for a large map.
 */

import { assert } from '../storage-error.js';

export const OFFSET_MAP_ENTRY_BYTES = 16;
const MAX_LOAD_FACTOR = 0.9;
const EMPTY = -1;
const SEED_LOW = 0x9747b28c;
const SEED_HIGH = 0x2545f491;
const INITIAL_USED_SLOTS = 16;

export class OffsetMap {
  /**
   * The slots, 16 bytes each so that a probe touches one cache line: words 4·slot and 4·slot + 1
   * of `hashes` are the two u32 hash halves, element 2·slot + 1 of `offsets` (same memory) the
   * newest offset, EMPTY for a free slot.
   */
  private readonly hashes: Uint32Array;
  private readonly offsets: Float64Array;
  private readonly slots: number;
  /** The slots in use, first `entryCount` of them (grown by doubling): clear() and newestOffsets() visit only those. */
  private usedSlots = new Int32Array(INITIAL_USED_SLOTS);
  private entryCount = 0;
  /** Entries accepted before put() refuses new keys. */
  readonly maxEntries: number;

  constructor(readonly memoryBytes: number) {
    this.slots = Math.floor(memoryBytes / OFFSET_MAP_ENTRY_BYTES);
    assert(this.slots >= 2, `an offset map needs at least ${2 * OFFSET_MAP_ENTRY_BYTES} bytes, got ${memoryBytes}`);
    this.maxEntries = Math.max(1, Math.floor(this.slots * MAX_LOAD_FACTOR));
    const table = new ArrayBuffer(this.slots * OFFSET_MAP_ENTRY_BYTES);
    this.hashes = new Uint32Array(table);
    this.offsets = new Float64Array(table).fill(EMPTY);
  }

  get size(): number {
    return this.entryCount;
  }

  get isFull(): boolean {
    return this.entryCount >= this.maxEntries;
  }

  /** Bytes of the list of used slots (4 per slot, grown as keys come): memory besides memoryBytes. */
  get usedSlotsBytes(): number {
    return this.usedSlots.byteLength;
  }

  clear(): void {
    for (let index = 0; index < this.entryCount; index++) this.offsets[this.usedSlots[index]! * 2 + 1] = EMPTY;
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
    if (this.offsets[slot * 2 + 1] === EMPTY) {
      if (this.isFull) return false;
      this.hashes[slot * 4] = low;
      this.hashes[slot * 4 + 1] = high;
      this.addUsed(slot);
    }
    this.offsets[slot * 2 + 1] = offset;
    return true;
  }

  /** The newest offset recorded for `key`, or -1. */
  get(key: Buffer): number {
    return this.getRange(key, 0, key.length);
  }

  /** get() for the key at [start, start + length) of `bytes`. */
  getRange(bytes: Buffer, start: number, length: number): number {
    return this.offsets[this.find(murmur3(bytes, SEED_LOW, start, start + length), murmur3(bytes, SEED_HIGH, start, start + length)) * 2 + 1]!;
  }

  /**
   * The newest offset of every key, ascending (8 bytes per key, allocated per call): the offsets
   * of the records the map says to keep.
   */
  newestOffsets(): Float64Array {
    const newest = new Float64Array(this.entryCount);
    for (let index = 0; index < this.entryCount; index++) newest[index] = this.offsets[this.usedSlots[index]! * 2 + 1]!;
    return newest.sort();
  }

  private addUsed(slot: number): void {
    if (this.entryCount === this.usedSlots.length) {
      const grown = new Int32Array(Math.min(this.maxEntries, this.usedSlots.length * 2));
      grown.set(this.usedSlots);
      this.usedSlots = grown;
    }
    this.usedSlots[this.entryCount++] = slot;
  }

  /** The slot holding this hash, or the free slot where it would go (there always is one: load < 1). */
  private find(low: number, high: number): number {
    let slot = (low ^ Math.imul(high, 0x85ebca6b)) >>> 0;
    slot %= this.slots;
    for (;;) {
      if (this.offsets[slot * 2 + 1] === EMPTY || (this.hashes[slot * 4] === low && this.hashes[slot * 4 + 1] === high)) return slot;
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
