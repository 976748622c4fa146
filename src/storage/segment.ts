/**
 * One segment of a partition log: three files named by the segment's base offset (20 digits).
 *
 *   00000000000000368769.log        record batches (Kafka record batch v2), back to back, nothing
 *                                   else: no file header, no padding. Batch offsets increase;
 *                                   the first batch's base offset is ≥ the segment's base offset.
 *   00000000000000368769.index      offset index (./offset-index.ts)
 *   00000000000000368769.timeindex  time index (./time-index.ts)
 *
 * The log file is the truth; both indexes can be rebuilt from it (recover()). Bytes past
 * `sizeBytes` are never read: that is where the appends in flight, or a torn one, lie.
 */

import { join } from 'node:path';
import { CodecError } from '../codec/codec-error.js';
import { BATCH_HEADER_BYTES, batchSizeAt, baseOffsetAt, lastOffsetAt, maxTimestampAt, validateBatchFrame } from '../codec/record-batch-header.js';
import { decodeRecordBatch } from '../codec/record-batch.js';
import { ChunkedFileReader } from './chunked-file-reader.js';
import type { FileIO, StorageFile } from './file-io.js';
import { OffsetIndex } from './offset-index.js';
import { assert, StorageError } from './storage-error.js';
import { TimeIndex } from './time-index.js';

export const LOG_SUFFIX = '.log';
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';

const SCAN_CHUNK_BYTES = 64 * 1024;
/**
 * Index entries are written to their files in groups of this many (and on seal and close): one
 * write per entry would cost a thread-pool round trip per append. Entries not yet written are
 * rebuilt by recovery, which rescans the active segment after a crash anyway.
 */
const PERSIST_INDEX_EVERY_ENTRIES = 256;
/** Bytes read past `maxBytes` so one read usually covers the scan from the index entry too. */
const READ_SLACK_BYTES = 16 * 1024;
const RECOVERY_CHUNK_BYTES = 4 * 1024 * 1024;
/** Relative offsets are u32 in the index; stay within i32 as Kafka does. */
export const MAX_RELATIVE_OFFSET = 0x7fffffff;

export interface SegmentConfig {
  /** Bytes of each index file while the segment is active (segment.index.bytes). */
  maxIndexBytes: number;
  /** Bytes appended between index entries (index.interval.bytes). */
  indexIntervalBytes: number;
}

/** Where a batch lies in a segment, from its header. */
export interface BatchLocation {
  position: number;
  sizeBytes: number;
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
}

export interface SegmentRecovery {
  validBytes: number;
  truncatedBytes: number;
  /** Why the scan stopped before the end of the file, if it did. */
  stopReason: string | null;
}

export function segmentFileName(baseOffset: number, suffix: string): string {
  return `${String(baseOffset).padStart(20, '0')}${suffix}`;
}

export class Segment {
  /** Bytes of whole batches in the log file. */
  sizeBytes = 0;
  /** Offset after the last batch (the segment's base offset when empty). */
  nextOffset: number;
  /** Largest batch maxTimestamp in the segment, -1 when empty. */
  maxTimestamp = -1;
  private offsetOfMaxTimestamp = -1;
  private bytesSinceLastIndexEntry = 0;
  private log: StorageFile | null = null;
  private indexesChecked = false;
  /** The load of a sealed segment's indexes in progress, shared by the reads waiting for it. */
  private indexesLoading: Promise<void> | null = null;
  private deleted = false;
  readonly offsetIndex: OffsetIndex;
  readonly timeIndex: TimeIndex;

  private constructor(
    readonly directory: string,
    readonly baseOffset: number,
    private readonly config: SegmentConfig,
    private readonly io: FileIO,
  ) {
    this.nextOffset = baseOffset;
    this.offsetIndex = new OffsetIndex(this.pathOf(INDEX_SUFFIX), baseOffset, config.maxIndexBytes, io);
    this.timeIndex = new TimeIndex(this.pathOf(TIME_INDEX_SUFFIX), baseOffset, config.maxIndexBytes, io);
  }

  pathOf(suffix: string): string {
    return join(this.directory, segmentFileName(this.baseOffset, suffix));
  }

  get logPath(): string {
    return this.pathOf(LOG_SUFFIX);
  }

  /** Whether this is an active segment (indexes open for appends). */
  get isWritable(): boolean {
    return this.offsetIndex.isWritable;
  }

  get isEmpty(): boolean {
    return this.sizeBytes === 0;
  }

  /** A new, empty, active segment. */
  static async create(directory: string, baseOffset: number, config: SegmentConfig, io: FileIO): Promise<Segment> {
    const segment = new Segment(directory, baseOffset, config, io);
    segment.log = await io.open(segment.logPath, { create: true });
    await segment.log.truncate(0);
    await segment.offsetIndex.createEmpty();
    await segment.timeIndex.createEmpty();
    segment.indexesChecked = true;
    return segment;
  }

  /** An existing sealed segment: only its size is read now; files open on first use. */
  static async openSealed(directory: string, baseOffset: number, config: SegmentConfig, io: FileIO): Promise<Segment> {
    const segment = new Segment(directory, baseOffset, config, io);
    segment.sizeBytes = await io.fileSizeBytes(segment.logPath);
    return segment;
  }

  /**
   * An existing segment that becomes the active one after a clean shutdown: indexes reopened
   * (rebuilt if missing or inconsistent), end offset and max timestamp read from the tail.
   */
  static async openActive(directory: string, baseOffset: number, config: SegmentConfig, io: FileIO): Promise<Segment> {
    const segment = new Segment(directory, baseOffset, config, io);
    const log = await segment.openLog();
    segment.sizeBytes = await log.sizeBytes();
    const indexesLoaded = (await segment.offsetIndex.reopenActive()) && (await segment.timeIndex.reopenActive());
    if (!indexesLoaded || !segment.offsetIndex.isConsistent(segment.sizeBytes)) {
      await segment.recover();
      return segment;
    }
    await segment.loadTailState();
    if (!segment.timeIndex.isConsistent(segment.nextOffset - 1)) await segment.recover();
    segment.indexesChecked = true;
    return segment;
  }

  /** This sealed segment reopened as the active one (indexes writable again). */
  async reactivate(): Promise<Segment> {
    await this.close(false);
    return Segment.openActive(this.directory, this.baseOffset, this.config, this.io);
  }

  private async openLog(): Promise<StorageFile> {
    if (this.deleted) throw new StorageError('OFFSET_OUT_OF_RANGE', `segment ${this.logPath} was deleted (retention or truncation)`);
    if (this.log === null) this.log = await this.io.open(this.logPath, { create: false });
    return this.log;
  }

  /** Scans batch headers after the last offset-index entry to find the end offset and max timestamp. */
  private async loadTailState(): Promise<void> {
    const entries = this.offsetIndex.entries;
    const start = entries === 0 ? 0 : this.offsetIndex.positionAt(entries - 1);
    this.maxTimestamp = this.timeIndex.lastTimestamp;
    this.offsetOfMaxTimestamp = this.timeIndex.entries === 0 ? -1 : this.baseOffset + this.timeIndex.relativeOffsetAt(this.timeIndex.entries - 1);
    let lastPosition = start;
    await this.scanHeaders(start, (batch) => {
      this.noteBatch(batch);
      lastPosition = batch.position;
      return true;
    });
    this.bytesSinceLastIndexEntry = this.sizeBytes - lastPosition;
  }

  private noteBatch(batch: Omit<BatchLocation, 'position'>): void {
    this.nextOffset = batch.lastOffset + 1;
    if (batch.maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = batch.maxTimestamp;
      this.offsetOfMaxTimestamp = batch.lastOffset;
    }
  }

  /**
   * Whether a batch of `sizeBytes` ending at `lastOffset` may be written at `position`, behind
   * `batchesAhead` batches written (or being written) but not yet indexed: each batch may add one
   * entry to each index, so room is kept for all of them.
   */
  canAppendAt(position: number, batchesAhead: number, sizeBytes: number, lastOffset: number, segmentBytes: number): boolean {
    const indexRoom = Math.min(this.offsetIndex.maxEntries - this.offsetIndex.entries, this.timeIndex.maxEntries - this.timeIndex.entries);
    if (batchesAhead >= indexRoom) return false;
    if (lastOffset - this.baseOffset > MAX_RELATIVE_OFFSET) return false;
    return position === 0 || position + sizeBytes <= segmentBytes;
  }

  /**
   * Writes `buffers` (whole batches) at `position`, at or past the segment's end: nothing there is
   * read until noteWritten() takes the batches in. The partition log keeps several such writes in
   * flight at consecutive positions and takes them in in order; after a failed one it cuts the
   * file back with cutBackTo().
   */
  writeAt(buffers: readonly Buffer[], position: number): Promise<void> {
    assert(this.log !== null && this.isWritable, `write to a segment that is not active: ${this.logPath}`);
    assert(position >= this.sizeBytes, 'writes go at or past the end of the segment');
    return this.log.write(buffers, position);
  }

  /** Takes in the batches a completed writeAt() put at the segment's end: indexed, then readable. */
  noteWritten(batches: readonly Omit<BatchLocation, 'position'>[], startPosition: number): void {
    assert(startPosition === this.sizeBytes, 'writes are taken in in order, each at the end of the segment');
    let position = startPosition;
    for (const batch of batches) {
      this.indexBatch(batch, position);
      position += batch.sizeBytes;
    }
    this.sizeBytes = position;
  }

  /** Writes the index entries added since the last persist once enough have gathered. */
  async persistIndexesIfDue(): Promise<void> {
    if (this.offsetIndex.unpersistedEntries + this.timeIndex.unpersistedEntries >= PERSIST_INDEX_EVERY_ENTRIES) await this.persistIndexes();
  }

  /**
   * After a failed write: cuts the file back to the segment's end, removing the failed write's
   * partial bytes and whatever later writes put past it, so that recovery cannot bring any of them
   * back. If even that fails the segment cannot be trusted: the error says so (LOG_OFFLINE).
   */
  async cutBackTo(position: number): Promise<void> {
    assert(position === this.sizeBytes, 'a failed write is cut back to the end of the segment');
    try {
      await (await this.openLog()).truncate(position);
    } catch (error) {
      throw new StorageError('LOG_OFFLINE', `write to ${this.logPath} failed and the partial write could not be removed`, { cause: error });
    }
  }

  /** Index bookkeeping for one batch at `position`, as Kafka's LogSegment.append does it. */
  private indexBatch(batch: Omit<BatchLocation, 'position'>, position: number): void {
    this.noteBatch(batch);
    if (this.bytesSinceLastIndexEntry > this.config.indexIntervalBytes) {
      this.offsetIndex.append(batch.lastOffset, position);
      this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += batch.sizeBytes;
  }

  /** Index writes are best effort: a failed one is retried on the next persist, and recovery rebuilds. */
  private async persistIndexes(): Promise<void> {
    try {
      await this.offsetIndex.persist();
      await this.timeIndex.persist();
    } catch {
      // The log is the truth; the entries stay in memory and go out with the next persist or seal.
    }
  }

  async datasync(): Promise<void> {
    await (await this.openLog()).datasync();
  }

  /** Seals the segment when a new one is rolled: final time index entry, indexes trimmed, all fsynced. */
  async seal(): Promise<void> {
    if (this.maxTimestamp >= 0) this.timeIndex.maybeAppend(this.maxTimestamp, Math.max(this.offsetOfMaxTimestamp, this.baseOffset));
    await this.offsetIndex.seal();
    await this.timeIndex.seal();
    await this.datasync();
  }

  /**
   * Loads a sealed segment's indexes on first use, rebuilding them if missing or inconsistent.
   * Concurrent reads share one load: two rebuilds of the same files would close them under each other.
   */
  private ensureIndexes(): Promise<void> {
    if (this.indexesChecked && this.offsetIndex.isLoaded) return Promise.resolve();
    this.indexesLoading ??= this.loadIndexes().finally(() => (this.indexesLoading = null));
    return this.indexesLoading;
  }

  private async loadIndexes(): Promise<void> {
    const loaded = (await this.offsetIndex.loadSealed()) && (await this.timeIndex.loadSealed());
    if (!loaded || !this.offsetIndex.isConsistent(this.sizeBytes) || !this.timeIndex.isConsistent(Number.MAX_SAFE_INTEGER)) {
      await this.rebuildSealedIndexes();
    }
    this.indexesChecked = true;
  }

  private async rebuildSealedIndexes(): Promise<void> {
    await this.offsetIndex.createEmpty();
    await this.timeIndex.createEmpty();
    this.resetState();
    await this.scanHeaders(0, (batch) => {
      this.indexBatch(batch, batch.position);
      return true;
    });
    await this.seal();
  }

  private resetState(): void {
    this.nextOffset = this.baseOffset;
    this.maxTimestamp = -1;
    this.offsetOfMaxTimestamp = -1;
    this.bytesSinceLastIndexEntry = 0;
  }

  /**
   * Reads batch headers from `startPosition` to the end of the segment, calling `visit` until it
   * returns false. A header that cannot be a batch (bad size) is corruption: a typed error naming
   * the file and position.
   */
  async scanHeaders(startPosition: number, visit: (batch: BatchLocation) => boolean): Promise<void> {
    const reader = new ChunkedFileReader(await this.openLog(), this.sizeBytes, SCAN_CHUNK_BYTES);
    let position = startPosition;
    while (position < this.sizeBytes) {
      const header = await reader.view(position, BATCH_HEADER_BYTES);
      if (header === null) throw this.corruption(position, 'a batch header runs past the end of the segment');
      const batch = this.locate(header, position);
      if (!visit(batch)) return;
      position += batch.sizeBytes;
    }
  }

  private locate(header: Buffer, position: number): BatchLocation {
    try {
      const sizeBytes = batchSizeAt(header, 0);
      if (sizeBytes < BATCH_HEADER_BYTES || position + sizeBytes > this.sizeBytes) throw this.corruption(position, `batch size ${sizeBytes} does not fit the segment`);
      return { position, sizeBytes, baseOffset: baseOffsetAt(header, 0), lastOffset: lastOffsetAt(header, 0), maxTimestamp: maxTimestampAt(header, 0) };
    } catch (error) {
      if (error instanceof CodecError) throw this.corruption(position, error.message);
      throw error;
    }
  }

  corruption(position: number, reason: string): StorageError {
    return new StorageError('CORRUPT_MESSAGE', `corrupt batch in ${this.logPath} at position ${position}: ${reason}`);
  }

  /** The first batch whose last offset is ≥ `offset`, or null if the segment has none. */
  async findBatch(offset: number): Promise<BatchLocation | null> {
    await this.ensureIndexes();
    let found: BatchLocation | null = null;
    await this.scanHeaders(this.offsetIndex.lookup(offset), (batch) => {
      if (batch.lastOffset < offset) return true;
      found = batch;
      return false;
    });
    return found;
  }

  /**
   * Whole batches starting with the one that holds `offset` (or the first after it), up to
   * `maxBytes` — but always at least one whole batch. Every batch's CRC is checked: corrupt bytes
   * are an error naming file and position, never returned. Null if no batch reaches `offset`.
   */
  async read(offset: number, maxBytes: number): Promise<Buffer | null> {
    await this.ensureIndexes();
    const start = this.offsetIndex.lookup(offset);
    // One read from the index entry usually holds both the scan to `offset` and the batches wanted.
    const windowBytes = Math.min(this.sizeBytes - start, maxBytes + this.config.indexIntervalBytes + READ_SLACK_BYTES);
    const window = await this.readAt(start, windowBytes);
    const found = this.firstBatchInWindow(window, start, offset);
    if (found === 'beyond-window') return this.readFromBatch(await this.findBatch(offset), maxBytes);
    if (found === null) return null;
    const firstSize = batchSizeAt(window, found);
    if (found + firstSize > window.length || window.length - found < Math.min(maxBytes, this.sizeBytes - start - found)) {
      return this.readFromBatch({ position: start + found, sizeBytes: firstSize }, maxBytes);
    }
    const bytes = window.subarray(found, found + Math.max(firstSize, maxBytes));
    return bytes.subarray(0, this.checkBatches(bytes, start + found));
  }

  /**
   * Where in `window` (read at file position `windowPosition`) the first batch whose last offset
   * is ≥ `offset` starts; null if the segment has none; 'beyond-window' if the window ends first.
   */
  private firstBatchInWindow(window: Buffer, windowPosition: number, offset: number): number | 'beyond-window' | null {
    let position = 0;
    while (position + BATCH_HEADER_BYTES <= window.length) {
      const batch = this.locate(window.subarray(position, position + BATCH_HEADER_BYTES), windowPosition + position);
      if (batch.lastOffset >= offset) return position;
      position += batch.sizeBytes;
    }
    return windowPosition + position >= this.sizeBytes ? null : 'beyond-window';
  }

  /** Whole batches from `first` up to `maxBytes` (at least the first), CRC-checked. */
  private async readFromBatch(first: Pick<BatchLocation, 'position' | 'sizeBytes'> | null, maxBytes: number): Promise<Buffer | null> {
    if (first === null) return null;
    const bytes = await this.readAt(first.position, Math.max(first.sizeBytes, Math.min(maxBytes, this.sizeBytes - first.position)));
    return bytes.subarray(0, this.checkBatches(bytes, first.position));
  }

  /** `length` bytes at `position` of the log file (the caller keeps within `sizeBytes`). */
  async readAt(position: number, length: number): Promise<Buffer> {
    const bytes = Buffer.allocUnsafe(length);
    const bytesRead = await (await this.openLog()).read(bytes, 0, length, position);
    if (bytesRead < length) throw new StorageError('KAFKA_STORAGE_ERROR', `short read of ${this.logPath}: ${bytesRead} of ${length} bytes at ${position}`);
    return bytes;
  }

  /** Validates the whole batches in `bytes` (read at `filePosition`); returns the bytes they span. */
  private checkBatches(bytes: Buffer, filePosition: number): number {
    let position = 0;
    while (position + BATCH_HEADER_BYTES <= bytes.length) {
      const sizeBytes = bytes.readInt32BE(position + 8) + 12;
      if (sizeBytes >= BATCH_HEADER_BYTES && position + sizeBytes > bytes.length && position > 0) break; // past maxBytes
      try {
        validateBatchFrame(bytes, position, bytes.length);
      } catch (error) {
        if (error instanceof CodecError) throw this.corruption(filePosition + position, error.message);
        throw error;
      }
      position += sizeBytes;
    }
    if (position === 0) throw this.corruption(filePosition, 'no whole batch');
    return position;
  }

  /** The first record with timestamp ≥ `timestampMs` in this segment, or null. */
  async findOffsetByTimestamp(timestampMs: number): Promise<{ offset: number; timestamp: number } | null> {
    if (this.isEmpty) return null;
    await this.ensureIndexes();
    const startPosition = this.offsetIndex.lookup(this.timeIndex.lookup(timestampMs));
    for (let batch = await this.batchReaching(startPosition, timestampMs); batch !== null; batch = await this.batchReaching(batch.position + batch.sizeBytes, timestampMs)) {
      // A batch's header may claim a max timestamp none of its records has (clients set it): go on.
      const found = await this.firstRecordAtOrAfter(batch, timestampMs);
      if (found !== null) return found;
    }
    return null;
  }

  /** The first batch at or after `startPosition` whose max timestamp is ≥ `timestampMs`. */
  private async batchReaching(startPosition: number, timestampMs: number): Promise<BatchLocation | null> {
    let found: BatchLocation | null = null;
    await this.scanHeaders(startPosition, (batch) => {
      if (batch.maxTimestamp >= timestampMs) found = batch;
      return found === null;
    });
    return found;
  }

  private async firstRecordAtOrAfter(batch: BatchLocation, timestampMs: number): Promise<{ offset: number; timestamp: number } | null> {
    const bytes = Buffer.allocUnsafe(batch.sizeBytes);
    await (await this.openLog()).read(bytes, 0, batch.sizeBytes, batch.position);
    try {
      const record = decodeRecordBatch(bytes).records.find((candidate) => candidate.timestamp >= timestampMs);
      return record === undefined ? null : { offset: record.offset, timestamp: record.timestamp };
    } catch (error) {
      if (error instanceof CodecError) throw this.corruption(batch.position, error.message);
      throw error;
    }
  }

  /**
   * Recovery: reads every batch from the start, checking framing, CRC and that offsets increase;
   * cuts the log at the first batch that fails (a torn or corrupt tail), rebuilds both indexes,
   * and fsyncs. Leaves the segment active (indexes writable).
   */
  async recover(): Promise<SegmentRecovery> {
    const log = await this.openLog();
    const fileSizeBytes = await log.sizeBytes();
    await this.offsetIndex.reset();
    await this.timeIndex.reset();
    this.resetState();
    const reader = new ChunkedFileReader(log, fileSizeBytes, RECOVERY_CHUNK_BYTES);
    let position = 0;
    let stopReason: string | null = null;
    while (position < fileSizeBytes) {
      const problem = await this.checkBatchAt(reader, position);
      if (typeof problem === 'string') {
        stopReason = `${problem} at position ${position}`;
        break;
      }
      this.indexBatch(problem, problem.position);
      position += problem.sizeBytes;
    }
    if (position < fileSizeBytes) await log.truncate(position);
    this.sizeBytes = position;
    await this.persistIndexes();
    await log.datasync();
    this.indexesChecked = true;
    return { validBytes: position, truncatedBytes: fileSizeBytes - position, stopReason };
  }

  /** The batch at `position` if it is whole and valid and follows the previous one, else why not. */
  private async checkBatchAt(reader: ChunkedFileReader, position: number): Promise<BatchLocation | string> {
    const header = await reader.view(position, BATCH_HEADER_BYTES);
    if (header === null) return 'torn batch header';
    const sizeBytes = header.readInt32BE(8) + 12;
    if (sizeBytes < BATCH_HEADER_BYTES) return `impossible batch size ${sizeBytes}`;
    const bytes = await reader.view(position, sizeBytes);
    if (bytes === null) return `torn batch (${sizeBytes} bytes declared)`;
    try {
      validateBatchFrame(bytes, 0);
      const batch = { position, sizeBytes, baseOffset: baseOffsetAt(bytes, 0), lastOffset: lastOffsetAt(bytes, 0), maxTimestamp: maxTimestampAt(bytes, 0) };
      if (batch.baseOffset < this.nextOffset) return `offset ${batch.baseOffset} does not follow ${this.nextOffset - 1}`;
      if (batch.lastOffset - this.baseOffset > MAX_RELATIVE_OFFSET) return `offset ${batch.lastOffset} too far from the segment base`;
      return batch;
    } catch (error) {
      if (error instanceof CodecError) return error.message;
      throw error;
    }
  }

  /**
   * Removes the batch holding `offset` and everything after it. Returns the new end offset
   * (the removed batch's base offset), or null when no batch reaches `offset`.
   */
  async truncateTo(offset: number): Promise<number | null> {
    const batch = await this.findBatch(offset);
    if (batch === null) return null;
    const log = await this.openLog();
    await log.truncate(batch.position);
    this.sizeBytes = batch.position;
    await this.offsetIndex.truncateEntries(this.firstIndexEntryAtOrAfterPosition(batch.position));
    await this.timeIndex.truncateEntries(this.timeIndex.firstEntryAtOrAfter(batch.baseOffset));
    this.resetState();
    await this.loadTailState();
    if (this.isEmpty) this.nextOffset = this.baseOffset;
    return batch.baseOffset;
  }

  private firstIndexEntryAtOrAfterPosition(position: number): number {
    for (let index = 0; index < this.offsetIndex.entries; index++) if (this.offsetIndex.positionAt(index) >= position) return index;
    return this.offsetIndex.entries;
  }

  /** The largest timestamp in a sealed segment (from its time index), for time-based retention. */
  async largestTimestamp(): Promise<number> {
    if (this.maxTimestamp >= 0 || this.isEmpty) return this.maxTimestamp;
    const fromIndexTail = await this.timeIndex.readLastTimestamp();
    if (fromIndexTail !== null) {
      this.maxTimestamp = fromIndexTail;
    } else {
      await this.ensureIndexes();
      this.maxTimestamp = this.timeIndex.lastTimestamp;
    }
    return this.maxTimestamp;
  }

  /** Closes the files; when `clean`, the active indexes are trimmed first (as on a clean shutdown). */
  async close(clean: boolean): Promise<void> {
    if (clean) {
      await this.offsetIndex.seal();
      await this.timeIndex.seal();
    } else {
      await this.offsetIndex.close();
      await this.timeIndex.close();
    }
    if (this.log !== null) await this.log.close();
    this.log = null;
  }

  /**
   * Closes a segment the cleaner replaced (its files are already gone or replaced): any later use
   * is refused as for a deleted segment, and the reader retries on the new segments.
   */
  async retire(): Promise<void> {
    this.deleted = true;
    await this.close(false);
  }

  /** Closes and deletes the segment's files. */
  async delete(): Promise<void> {
    this.deleted = true;
    await this.close(false);
    for (const suffix of [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX]) await this.io.remove(this.pathOf(suffix));
  }
}
