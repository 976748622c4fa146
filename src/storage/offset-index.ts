/**
 * A segment's offset index: `<base offset, 20 digits>.index`. Sparse: an entry is added when more
 * than `index.interval.bytes` of batches were appended since the last one.
 *
 *   entry (8 bytes, big-endian):  relativeOffset u32   last offset of a batch - segment base offset
 *                                 position       u32   byte position of that batch in the .log
 *
 * Entries are strictly increasing in both fields, and every position is > 0 (the first batch of a
 * segment is never indexed: it sits at position 0). To find an offset: take the greatest entry
 * whose offset is ≤ the target, then scan batch headers forward from its position.
 */

import type { FileIO } from './file-io.js';
import { SparseIndex } from './sparse-index.js';

export const OFFSET_INDEX_ENTRY_BYTES = 8;

export class OffsetIndex extends SparseIndex {
  constructor(path: string, baseOffset: number, maxIndexBytes: number, io: FileIO) {
    super(path, baseOffset, OFFSET_INDEX_ENTRY_BYTES, maxIndexBytes, io);
  }

  relativeOffsetAt(index: number): number {
    return this.entry(index).readUInt32BE(0);
  }

  positionAt(index: number): number {
    return this.entry(index).readUInt32BE(4);
  }

  append(offset: number, position: number): void {
    this.appendEntry((entry) => {
      entry.writeUInt32BE(offset - this.baseOffset, 0);
      entry.writeUInt32BE(position, 4);
    });
  }

  /** Log position to start scanning from for `offset` (0 when no entry is ≤ it). */
  lookup(offset: number): number {
    const index = this.floorEntry(offset - this.baseOffset, (entryIndex) => this.relativeOffsetAt(entryIndex), false);
    return index < 0 ? 0 : this.positionAt(index);
  }

  /** Index of the first entry whose offset is ≥ `offset` (for truncation), or `entries`. */
  firstEntryAtOrAfter(offset: number): number {
    return this.floorEntry(offset - this.baseOffset, (entryIndex) => this.relativeOffsetAt(entryIndex), true) + 1;
  }

  /** Checks entries are strictly increasing, positive and inside a log of `logSizeBytes`. */
  isConsistent(logSizeBytes: number): boolean {
    let previousOffset = -1;
    let previousPosition = 0;
    for (let index = 0; index < this.entries; index++) {
      const relativeOffset = this.relativeOffsetAt(index);
      const position = this.positionAt(index);
      if (relativeOffset <= previousOffset || position <= previousPosition || position >= logSizeBytes) return false;
      previousOffset = relativeOffset;
      previousPosition = position;
    }
    return true;
  }
}
