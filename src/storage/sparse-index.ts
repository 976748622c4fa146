/**
 * The mechanics shared by a segment's two sparse indexes (./offset-index.ts, ./time-index.ts):
 * fixed-size big-endian entries, sorted, at most `maxIndexBytes` of them.
 *
 * File: entries back to back, nothing else (no header, no checksum: an index can always be rebuilt
 * from its log, and recovery does so when one looks wrong). "mmap-style", as Kafka's: while its
 * segment is active the file is preallocated (sparse) to `maxIndexBytes` and mirrored by an
 * in-memory Buffer of that size; new entries are written through to the file at their fixed
 * positions (batched, see persist()); the Buffer starts small and doubles. When the segment is sealed the
 * file is trimmed to its entries and fsynced, and the Buffer shrinks to fit. A sealed segment's
 * index is read into memory only when first searched.
 */

import type { FileIO, StorageFile } from './file-io.js';
import { assert } from './storage-error.js';

/** Entries the in-memory mirror of an active index starts with (it doubles up to the maximum). */
const INITIAL_MIRROR_ENTRIES = 512;

export abstract class SparseIndex {
  private buffer: Buffer | null = null;
  private file: StorageFile | null = null;
  private entryCount = 0;
  /** Entries [persistedEntries, entryCount) are in memory but not yet written to the file. */
  private persistedEntries = 0;

  protected constructor(
    readonly path: string,
    readonly baseOffset: number,
    readonly entryBytes: number,
    private readonly maxIndexBytes: number,
    private readonly io: FileIO,
  ) {
    assert(maxIndexBytes >= entryBytes, `index size ${maxIndexBytes} below one entry`);
  }

  get entries(): number {
    return this.entryCount;
  }

  get maxEntries(): number {
    return Math.floor(this.maxIndexBytes / this.entryBytes);
  }

  get isFull(): boolean {
    return this.entryCount >= this.maxEntries;
  }

  /** Open for appends (the active segment's index). */
  get isWritable(): boolean {
    return this.file !== null;
  }

  get isLoaded(): boolean {
    return this.buffer !== null;
  }

  /**
   * Starts an empty, writable index (a new active segment): the file is preallocated (sparse) to
   * its maximum size; the in-memory mirror starts small and doubles as entries come.
   */
  async createEmpty(): Promise<void> {
    this.file = await this.io.open(this.path, { create: true });
    await this.file.truncate(0);
    await this.file.truncate(this.maxEntries * this.entryBytes);
    this.buffer = Buffer.alloc(Math.min(INITIAL_MIRROR_ENTRIES, this.maxEntries) * this.entryBytes);
    this.entryCount = 0;
    this.persistedEntries = 0;
  }

  /** Entries in memory not yet written to the file. */
  get unpersistedEntries(): number {
    return this.entryCount - this.persistedEntries;
  }

  /** Doubles the in-memory mirror (up to the index's maximum) when it is full. */
  private growMirror(): void {
    const buffer = this.buffer!;
    if (buffer.length >= (this.entryCount + 1) * this.entryBytes) return;
    const grown = Buffer.alloc(Math.min(buffer.length * 2, this.maxEntries * this.entryBytes));
    buffer.copy(grown);
    this.buffer = grown;
  }

  /**
   * Reads a sealed index file into memory. Returns false (and leaves the index empty) if the file
   * is missing or its size is not a whole number of entries; the caller then rebuilds it.
   */
  async loadSealed(): Promise<boolean> {
    if (!(await this.io.exists(this.path))) return false;
    const bytes = await this.io.readFile(this.path);
    if (bytes.length % this.entryBytes !== 0 || bytes.length > this.maxIndexBytes) return false;
    this.buffer = bytes;
    this.entryCount = this.persistedEntries = bytes.length / this.entryBytes;
    return true;
  }

  /** Reopens a trimmed index as the active one: preallocated again, its entries kept. */
  async reopenActive(): Promise<boolean> {
    if (!(await this.loadSealed())) return false;
    const entries = this.buffer!;
    this.buffer = Buffer.alloc(Math.max(entries.length * 2, INITIAL_MIRROR_ENTRIES * this.entryBytes, this.entryBytes));
    entries.copy(this.buffer);
    this.file = await this.io.open(this.path, { create: true });
    await this.file.truncate(this.maxEntries * this.entryBytes);
    return true;
  }

  /** The file's last `bytes` bytes if its size is a positive whole number of entries, else null. */
  protected async readFileTail(bytes: number): Promise<Buffer | null> {
    if (!(await this.io.exists(this.path))) return null;
    const file = await this.io.open(this.path, { create: false });
    try {
      const sizeBytes = await file.sizeBytes();
      if (sizeBytes === 0 || sizeBytes % this.entryBytes !== 0) return null;
      const tail = Buffer.alloc(bytes);
      return (await file.read(tail, 0, bytes, sizeBytes - bytes)) === bytes ? tail : null;
    } finally {
      await file.close();
    }
  }

  /** The raw bytes of entry `index` (a view). */
  protected entry(index: number): Buffer {
    assert(this.buffer !== null && index >= 0 && index < this.entryCount, `index entry ${index} of ${this.entryCount} in ${this.path}`);
    return this.buffer.subarray(index * this.entryBytes, (index + 1) * this.entryBytes);
  }

  /** Appends an entry; the subclass fills its bytes. */
  protected appendEntry(fill: (entry: Buffer) => void): void {
    assert(this.buffer !== null && this.file !== null, `append to a sealed index ${this.path}`);
    assert(!this.isFull, `append to a full index ${this.path}`);
    this.growMirror();
    const start = this.entryCount * this.entryBytes;
    fill(this.buffer.subarray(start, start + this.entryBytes));
    this.entryCount++;
  }

  /**
   * Greatest entry index whose key is ≤ `key` (strictly < when `strict`), or -1. Keys are
   * non-decreasing in entry order.
   */
  protected floorEntry(key: number, keyOf: (index: number) => number, strict: boolean): number {
    let low = 0;
    let high = this.entryCount - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const middleKey = keyOf(middle);
      if (middleKey < key || (!strict && middleKey === key)) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found;
  }

  /** Writes entries added since the last persist to the file, in one write. */
  async persist(): Promise<void> {
    if (this.file === null || this.persistedEntries === this.entryCount) return;
    const from = this.persistedEntries * this.entryBytes;
    const to = this.entryCount * this.entryBytes;
    await this.file.write([this.buffer!.subarray(from, to)], from);
    this.persistedEntries = this.entryCount;
  }

  /** Drops every entry from `entryIndex` on (truncation), in memory and in the file. */
  async truncateEntries(entryIndex: number): Promise<void> {
    if (entryIndex >= this.entryCount) return;
    this.buffer!.fill(0, entryIndex * this.entryBytes, this.entryCount * this.entryBytes);
    const persisted = this.persistedEntries;
    this.entryCount = entryIndex;
    if (persisted > entryIndex) {
      this.persistedEntries = entryIndex;
      if (this.file !== null) await this.file.write([Buffer.alloc((persisted - entryIndex) * this.entryBytes)], entryIndex * this.entryBytes);
    }
  }

  /** Empties the index (before a rebuild); it stays writable. */
  async reset(): Promise<void> {
    if (this.file === null) {
      await this.createEmpty();
      return;
    }
    await this.truncateEntries(0);
  }

  /** Seals: writes pending entries, trims the file to them, fsyncs, closes, shrinks the Buffer. */
  async seal(): Promise<void> {
    if (this.file === null) return;
    await this.persist();
    await this.file.truncate(this.entryCount * this.entryBytes);
    await this.file.datasync();
    await this.file.close();
    this.file = null;
    this.buffer = Buffer.from(this.buffer!.subarray(0, this.entryCount * this.entryBytes));
  }

  /** Closes without trimming (an unclean state: recovery rebuilds it). */
  async close(): Promise<void> {
    if (this.file === null) return;
    await this.file.close();
    this.file = null;
  }

  /** Frees the in-memory entries of a sealed index; the next search reloads them. */
  unload(): void {
    if (this.file === null) {
      this.buffer = null;
      this.entryCount = this.persistedEntries = 0;
    }
  }
}
