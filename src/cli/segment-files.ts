/**
 * Reads a partition's segment files directly, for `strata dump-log` and `strata verify`, without
 * opening (and so without recovering or rewriting) the log. Formats (see src/storage):
 *
 *   <base offset, 20 digits>.log        record batches v2 back to back, nothing else
 *   <base offset>.index                 entries (relativeOffset u32, position u32), big-endian;
 *                                       relativeOffset = a batch's last offset - base offset,
 *                                       position = that batch's byte position in the .log
 *   <base offset>.timeindex             entries (timestamp i64, relativeOffset u32), big-endian
 *
 * An active segment's index files are preallocated: trailing all-zero entries are unused space,
 * not entries. `scanLog` walks a .log batch by batch through a sliding read window (a 1 GiB
 * segment never sits in memory whole), checking each batch's framing and CRC-32C, and stops at
 * the first batch it cannot frame (its length cannot be trusted, so nothing after it can be found).
 */

import { open, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { readInt64 } from '../codec/byte-reader.js';
import { CodecError } from '../codec/codec-error.js';
import { compressionIdOf, readBatchHeader, validateBatchFrame, BATCH_HEADER_BYTES, BATCH_LENGTH_PREFIX_BYTES, type RecordBatchHeader } from '../codec/record-batch-header.js';

const WINDOW_BYTES = 4 * 1024 * 1024;
/** A batch claiming more than this is treated as a corrupt length (Kafka's max is far below). */
const MAX_BATCH_BYTES = 1024 * 1024 * 1024;

export type SegmentFileKind = 'log' | 'index' | 'timeindex';

/** `.log` / `.index` / `.timeindex` and the segment's base offset from a file name, or null. */
export function segmentFileOf(path: string): { kind: SegmentFileKind; baseOffset: number } | null {
  const match = /^(\d{20})\.(log|index|timeindex)$/.exec(basename(path));
  if (match === null) return null;
  return { kind: match[2] as SegmentFileKind, baseOffset: Number(match[1]) };
}

export interface ScannedBatch {
  position: number;
  sizeBytes: number;
  header: RecordBatchHeader;
  compression: number;
  /** The whole batch (a view into the read window: copy it to keep it). */
  bytes: Buffer;
  /** Null when framing and CRC are good; else what is wrong. */
  problem: string | null;
}

/** A window over a file: `bytesAt(position, length)` reads through it, refilling as needed. */
class FileWindow {
  private buffer = Buffer.alloc(0);
  private start = 0;

  constructor(
    private readonly handle: FileHandle,
    readonly sizeBytes: number,
  ) {}

  async bytesAt(position: number, length: number): Promise<Buffer> {
    if (position < this.start || position + length > this.start + this.buffer.length) {
      const want = Math.min(Math.max(length, WINDOW_BYTES), this.sizeBytes - position);
      const buffer = Buffer.allocUnsafe(want);
      const { bytesRead } = await this.handle.read(buffer, 0, want, position);
      this.buffer = buffer.subarray(0, bytesRead);
      this.start = position;
    }
    return this.buffer.subarray(position - this.start, position - this.start + length);
  }
}

/**
 * Calls `onBatch` for each batch of a .log file, in order. A batch whose length is readable but
 * whose CRC or fields are wrong is reported (problem set) and skipped over; one whose length is
 * not usable ends the scan with `onStop` (position and why). Returns the bytes scanned.
 */
export async function scanLog(
  path: string,
  onBatch: (batch: ScannedBatch) => void | Promise<void>,
  onStop: (position: number, problem: string) => void,
  onProgress: (bytes: number) => void = () => undefined,
): Promise<number> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const window = new FileWindow(handle, size);
    let position = 0;
    while (position < size) {
      if (size - position < BATCH_LENGTH_PREFIX_BYTES) {
        onStop(position, `${size - position} trailing bytes are too few for a batch`);
        break;
      }
      const prefix = await window.bytesAt(position, BATCH_LENGTH_PREFIX_BYTES);
      const sizeBytes = prefix.readInt32BE(8) + BATCH_LENGTH_PREFIX_BYTES;
      if (sizeBytes < BATCH_HEADER_BYTES || sizeBytes > MAX_BATCH_BYTES) {
        onStop(position, `batch length field says ${sizeBytes - BATCH_LENGTH_PREFIX_BYTES} bytes, which cannot be right`);
        break;
      }
      if (position + sizeBytes > size) {
        onStop(position, `batch of ${sizeBytes} bytes runs past the end of the file (${size} bytes): torn write`);
        break;
      }
      const bytes = await window.bytesAt(position, sizeBytes);
      const header = readBatchHeader(bytes, 0);
      let problem: string | null = null;
      try {
        validateBatchFrame(bytes, 0, sizeBytes);
      } catch (error) {
        if (!(error instanceof CodecError)) throw error;
        problem = error.message.replace(/^batch at 0: /, '');
      }
      await onBatch({ position, sizeBytes, header, compression: compressionIdOf(header.attributes), bytes, problem });
      position += sizeBytes;
      onProgress(sizeBytes);
    }
    return size;
  } finally {
    await handle.close();
  }
}

export interface OffsetIndexEntry {
  /** Absolute offset (base + relative). */
  offset: number;
  position: number;
}

export interface TimeIndexEntry {
  timestamp: number;
  offset: number;
}

/** The entries of an index file and any problem with its size (trailing zero entries dropped). */
async function readEntries(path: string, entryBytes: number): Promise<{ entries: Buffer[]; problem: string | null }> {
  const handle = await open(path, 'r');
  try {
    const bytes = await handle.readFile();
    const problem = bytes.length % entryBytes === 0 ? null : `size ${bytes.length} is not a multiple of the ${entryBytes}-byte entry`;
    let count = Math.floor(bytes.length / entryBytes);
    while (count > 0 && bytes.subarray((count - 1) * entryBytes, count * entryBytes).every((byte) => byte === 0)) count--;
    return { entries: Array.from({ length: count }, (_, index) => bytes.subarray(index * entryBytes, (index + 1) * entryBytes)), problem };
  } finally {
    await handle.close();
  }
}

export async function readOffsetIndex(path: string, baseOffset: number): Promise<{ entries: OffsetIndexEntry[]; problem: string | null }> {
  const { entries, problem } = await readEntries(path, 8);
  return { entries: entries.map((entry) => ({ offset: baseOffset + entry.readUInt32BE(0), position: entry.readUInt32BE(4) })), problem };
}

export async function readTimeIndex(path: string, baseOffset: number): Promise<{ entries: TimeIndexEntry[]; problem: string | null }> {
  const { entries, problem } = await readEntries(path, 12);
  return { entries: entries.map((entry) => ({ timestamp: readInt64(entry, 0), offset: baseOffset + entry.readUInt32BE(8) })), problem };
}
