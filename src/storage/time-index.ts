/**
 * A segment's time index: `<base offset, 20 digits>.timeindex`. Sparse, written at the same
 * moments as the offset index, and only when the segment's largest timestamp so far has grown.
 *
 *   entry (12 bytes, big-endian):  timestamp       i64   largest timestamp in the segment so far (ms)
 *                                  relativeOffset  u32   last offset of the batch that brought it
 *                                                        - segment base offset
 *
 * Timestamps strictly increase from entry to entry, offsets never decrease. When a segment is
 * sealed a last entry records its largest timestamp. To find the first offset whose timestamp is
 * ≥ T: take the greatest entry with timestamp < T (every record before its offset is older than
 * T), look its offset up in the offset index, and scan forward.
 */

import { readInt64, writeInt64 } from '../codec/byte-reader.js';
import type { FileIO } from './file-io.js';
import { SparseIndex } from './sparse-index.js';

export const TIME_INDEX_ENTRY_BYTES = 12;

export class TimeIndex extends SparseIndex {
  constructor(path: string, baseOffset: number, maxIndexBytes: number, io: FileIO) {
    super(path, baseOffset, TIME_INDEX_ENTRY_BYTES, maxIndexBytes, io);
  }

  timestampAt(index: number): number {
    return readInt64(this.entry(index), 0);
  }

  relativeOffsetAt(index: number): number {
    return this.entry(index).readUInt32BE(8);
  }

  get lastTimestamp(): number {
    return this.entries === 0 ? -1 : this.timestampAt(this.entries - 1);
  }

  /**
   * The last entry's timestamp read from the file alone (without loading the index), or null when
   * the file is missing, empty or not a whole number of entries.
   */
  async readLastTimestamp(): Promise<number | null> {
    if (this.isLoaded) return this.lastTimestamp;
    const bytes = await this.readFileTail(TIME_INDEX_ENTRY_BYTES);
    if (bytes === null) return null;
    try {
      return readInt64(bytes, 0);
    } catch {
      return null;
    }
  }

  /** Appends (timestamp, offset) if the timestamp is larger than the last entry's. */
  maybeAppend(timestamp: number, offset: number): void {
    if (this.isFull || timestamp <= this.lastTimestamp) return;
    this.appendEntry((entry) => {
      writeInt64(entry, 0, timestamp);
      entry.writeUInt32BE(offset - this.baseOffset, 8);
    });
  }

  /** Offset to start scanning from for the first record with timestamp ≥ `timestamp`. */
  lookup(timestamp: number): number {
    const index = this.floorEntry(timestamp, (entryIndex) => this.timestampAt(entryIndex), true);
    return index < 0 ? this.baseOffset : this.baseOffset + this.relativeOffsetAt(index);
  }

  /** Index of the first entry whose offset is ≥ `offset` (for truncation), or `entries`. */
  firstEntryAtOrAfter(offset: number): number {
    for (let index = 0; index < this.entries; index++) if (this.baseOffset + this.relativeOffsetAt(index) >= offset) return index;
    return this.entries;
  }

  isConsistent(lastOffset: number): boolean {
    try {
      return this.entriesIncrease(lastOffset);
    } catch {
      return false; // a timestamp outside the safe integer range: garbage
    }
  }

  private entriesIncrease(lastOffset: number): boolean {
    let previousTimestamp = -Infinity;
    let previousOffset = -1;
    for (let index = 0; index < this.entries; index++) {
      const timestamp = this.timestampAt(index);
      const relativeOffset = this.relativeOffsetAt(index);
      if (timestamp <= previousTimestamp || relativeOffset < previousOffset || this.baseOffset + relativeOffset > lastOffset) return false;
      previousTimestamp = timestamp;
      previousOffset = relativeOffset;
    }
    return true;
  }
}
