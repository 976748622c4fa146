/**
 * One compaction pass over one partition log (Kafka's LogCleaner.doClean, simplified).
 *
 * 1. Key map: the dirty part of the sealed segments (offsets from the log's firstDirtyOffset on)
 *    is read batch by batch into an OffsetMap (key → newest offset) until the map is full or the
 *    sealed segments end; the map then covers [firstDirty, mapEnd). A dirty section larger than
 *    the map is cleaned over several passes.
 * 2. Rewrite: every sealed segment holding offsets below mapEnd is copied, in groups of
 *    consecutive segments (at most segment.bytes of input each), into one cleaned segment per
 *    group (<B>.<E>.log.cleaned, see ./segment-swap.ts for the files and the crash-safe swap).
 *    A record below mapEnd stays only if it is the newest of its key; a tombstone (null value)
 *    also goes once its timestamp is older than delete.retention.ms; records without a key go
 *    (a compacted topic refuses them at produce). Records at or past mapEnd stay.
 *    Offsets and timestamps never change. A batch whose records all stay is copied byte for byte;
 *    one that lost some is rebuilt from its kept records' bytes, with the same header fields
 *    (lastOffsetDelta included: the batch still ends where it did) and codec, a new record count,
 *    maxTimestamp and CRC; one that lost all is dropped — except the last batch of a group, which stays as an empty batch (no
 *    records, same offsets) so a reader always finds a batch up to the segment's end offset.
 *    Control batches are copied. The active segment is never read nor written.
 * 3. Swap: PartitionLog.swapInCleaned, in the log's queue; then firstDirtyOffset = mapEnd.
 *
 * Every batch is CRC-checked and decoded once per pass, corrupt bytes failing the pass (nothing is
 * swapped): the mapped section [firstDirty, mapEnd) by the map pass, after which the rewrite keeps
 * its records by offset (the map's newest offsets, sorted: no key is hashed again, and a batch
 * holding none of them is not walked); every other batch by the rewrite, which looks each key up.
 * In the cleaner worker the reads, writes and fsyncs run synchronously on the worker's own thread.
 */

import { CodecError } from '../../codec/codec-error.js';
import { crc32c } from '../../codec/crc32c.js';
import { readInt64, writeInt64 } from '../../codec/byte-reader.js';
import { compress, compressionName } from '../../codec/compression.js';
import { Attribute, BATCH_HEADER_BYTES, BATCH_LENGTH_PREFIX_BYTES, baseOffsetAt, batchSizeAt, compressionIdOf, CRC_START, Field, lastOffsetAt, maxTimestampAt } from '../../codec/record-batch-header.js';
import { recordBytesOf, walkRawRecords } from '../../codec/record-batch.js';
import { RecordCursor } from '../../codec/record.js';
import type { FileIO, StorageFile } from '../file-io.js';
import type { PartitionLog } from '../partition-log.js';
import { MAX_RELATIVE_OFFSET, type Segment } from '../segment.js';
import { StorageError } from '../storage-error.js';
import type { OffsetMap } from './offset-map.js';
import { cleanedPathOf, type SwapHook } from './segment-swap.js';
import { Throttler } from './throttler.js';

export interface CleanOptions {
  map: OffsetMap;
  io: FileIO;
  nowMs: number;
  /** Checked between chunks: true ends the pass early (nothing half-swapped; CleanerStoppedError). */
  shouldStop?: () => boolean;
  /** Test hook after each swap step (./segment-swap.ts). */
  swapHook?: SwapHook;
  /** log.cleaner.io.max.bytes.per.second (default -1: no limit). */
  maxIoBytesPerSecond?: number;
}

export interface CleanResult {
  /** Bytes of sealed log read while rewriting (the "MB cleaned"). */
  bytesRead: number;
  bytesWritten: number;
  recordsRead: number;
  recordsKept: number;
  /** Entries in the key map this pass. */
  mapEntries: number;
  /** Cleaned segments swapped in. */
  groupsSwapped: number;
  /** The log's firstDirtyOffset after the pass. */
  cleanedUpTo: number;
}

export class CleanerStoppedError extends Error {
  override readonly name = 'CleanerStoppedError';
}

/** The pass's I/O rate limit, shared by its reads and writes. */
interface Throttled {
  throttler: Throttler;
}

/** Bytes read at a time (the next chunk is read while this one is processed without yielding). */
const READ_CHUNK_BYTES = 4 * 1024 * 1024;
const WRITE_BUFFER_BYTES = 4 * 1024 * 1024;

/** The segments a pass may compact, each with the base offset of the segment after it. */
export interface CompactableSegment {
  segment: Segment;
  endOffset: number;
}

/** What the rewrite needs besides the segments (plain data: it crosses to the cleaner worker). */
export interface RewriteSettings {
  directory: string;
  firstDirtyOffset: number;
  segmentBytes: number;
  /** Tombstones with a timestamp at or before this are removed. */
  tombstoneHorizonMs: number;
  /** log.cleaner.io.max.bytes.per.second: read plus written bytes per second (≤ 0: no limit). */
  maxIoBytesPerSecond: number;
}

/** One cleaned file written: it replaces `count` segments from index `first` of the pass's list. */
export interface CleanedGroup {
  first: number;
  count: number;
  endOffset: number;
  /** False when swapping it in would change nothing (the file is then just deleted). */
  changed: boolean;
}

export interface CleanedSegments {
  mapEnd: number;
  groups: CleanedGroup[];
  stats: Omit<CleanResult, 'groupsSwapped' | 'cleanedUpTo'>;
}

/**
 * Steps 1 and 2 of a pass, reading sealed segments and writing `.cleaned` files, touching no log
 * state: the part that can run in the cleaner worker (./cleaner-worker.ts).
 */
export async function writeCleanedSegments(
  compactable: readonly CompactableSegment[],
  settings: RewriteSettings,
  options: Pick<CleanOptions, 'map' | 'io' | 'shouldStop'>,
): Promise<CleanedSegments> {
  const stats = { bytesRead: 0, bytesWritten: 0, recordsRead: 0, recordsKept: 0, mapEntries: 0 };
  const throttled = { ...options, throttler: new Throttler(settings.maxIoBytesPerSecond) };
  // With nothing dirty the clean section is still rewritten: tombstones may have expired since.
  const mapEnd = await buildOffsetMap(compactable, settings.firstDirtyOffset, throttled);
  stats.mapEntries = options.map.size;
  const rewrite = compactable.filter(({ segment }) => segment.baseOffset < mapEnd);
  const context: RewriteContext = { map: options.map, firstDirty: settings.firstDirtyOffset, mapEnd, newestOffsets: options.map.newestOffsets(), nextNewest: 0, tombstoneHorizonMs: settings.tombstoneHorizonMs, stats };
  const groups: CleanedGroup[] = [];
  try {
    for (const group of groupSegments(rewrite, settings.segmentBytes)) {
      const endOffset = group[group.length - 1]!.endOffset;
      const changed = await writeCleaned(group.map(({ segment }) => segment), cleanedPathOf(settings.directory, group[0]!.segment.baseOffset, endOffset), context, throttled);
      groups.push({ first: compactable.indexOf(group[0]!), count: group.length, endOffset, changed });
    }
  } catch (error) {
    for (const written of groups) await options.io.remove(cleanedPathOf(settings.directory, compactable[written.first]!.segment.baseOffset, written.endOffset)).catch(() => undefined);
    throw error;
  }
  return { mapEnd, groups, stats };
}

/** Writes the cleaned files of a pass (in this thread unless a `write` function is given). */
export type CleanedSegmentsWriter = (compactable: readonly CompactableSegment[], settings: RewriteSettings) => Promise<CleanedSegments>;

/** Runs one pass; resolves with what it did (groupsSwapped 0 when there was nothing to clean). */
export async function cleanLog(log: PartitionLog, options: CleanOptions & { write?: CleanedSegmentsWriter }): Promise<CleanResult> {
  const compactable = await compactableSegments(log, options.nowMs);
  const settings: RewriteSettings = {
    directory: log.directory,
    firstDirtyOffset: log.firstDirtyOffset,
    segmentBytes: log.config.segmentBytes,
    tombstoneHorizonMs: options.nowMs - log.config.deleteRetentionMs,
    maxIoBytesPerSecond: options.maxIoBytesPerSecond ?? -1,
  };
  const write = options.write ?? ((segments, rewrite) => writeCleanedSegments(segments, rewrite, options));
  const cleaned = await write(compactable, settings);
  let groupsSwapped = 0;
  for (let index = 0; index < cleaned.groups.length; index++) {
    const group = cleaned.groups[index]!;
    const replaced = compactable.slice(group.first, group.first + group.count).map(({ segment }) => segment);
    const cleanedPath = cleanedPathOf(log.directory, replaced[0]!.baseOffset, group.endOffset);
    try {
      if (group.changed && (await log.swapInCleaned(replaced, group.endOffset, options.swapHook))) groupsSwapped++;
      else await options.io.remove(cleanedPath);
    } catch (error) {
      // Not swapped: the old segments stay, and so must no cleaned file (unless the log is offline
      // mid-swap: then reopening completes or discards it).
      if (!log.isOffline) {
        for (const left of cleaned.groups.slice(index)) await options.io.remove(cleanedPathOf(log.directory, compactable[left.first]!.segment.baseOffset, left.endOffset)).catch(() => undefined);
      }
      throw error;
    }
  }
  log.markCleanedUpTo(cleaned.mapEnd);
  return { ...cleaned.stats, groupsSwapped, cleanedUpTo: log.firstDirtyOffset };
}

/** The sealed segments old enough for min.compaction.lag.ms (a prefix: newer ones wait). */
async function compactableSegments(log: PartitionLog, nowMs: number): Promise<CompactableSegment[]> {
  const all = log.segmentsSnapshot();
  const cutoffMs = nowMs - log.config.minCompactionLagMs;
  const ready: CompactableSegment[] = [];
  for (let index = 0; index < all.length - 1; index++) {
    const segment = all[index]!;
    if (log.config.minCompactionLagMs > 0 && (await segment.largestTimestamp()) > cutoffMs) break;
    ready.push({ segment, endOffset: all[index + 1]!.baseOffset });
  }
  return ready;
}

/** Fills the map from `firstDirty` on; returns mapEnd (the offset after the last batch mapped). */
async function buildOffsetMap(compactable: readonly CompactableSegment[], firstDirty: number, options: Pick<CleanOptions, 'map' | 'shouldStop'> & Throttled): Promise<number> {
  const { map } = options;
  map.clear();
  let mapEnd = firstDirty;
  let full = false;
  for (const { segment, endOffset } of compactable) {
    if (full) break;
    if (endOffset <= firstDirty) continue;
    await forEachBatch(segment, options, (batch) => {
      const lastOffset = lastOffsetAt(batch, 0);
      if (lastOffset < firstDirty) return true;
      if (map.size + batch.readInt32BE(Field.recordCount) > map.maxEntries) {
        full = true;
        return false;
      }
      const baseOffset = baseOffsetAt(batch, 0);
      walkRawRecords(batch, (cursor, bytes) => {
        const offset = baseOffset + cursor.offsetDelta;
        if (cursor.keyLength >= 0 && offset >= firstDirty) map.putRange(bytes, cursor.keyStart, cursor.keyLength, offset);
      });
      mapEnd = lastOffset + 1;
      return true;
    });
  }
  if (full && mapEnd === firstDirty) {
    throw new StorageError('INVALID_CONFIG', `log.cleaner.dedupe.buffer.size (${options.map.memoryBytes} bytes, ${options.map.maxEntries} keys) cannot hold the keys of one batch at offset ${firstDirty}`);
  }
  return mapEnd;
}

/** Consecutive segments whose inputs together stay within segment.bytes and i32 relative offsets. */
function groupSegments(segments: readonly CompactableSegment[], maxBytes: number): CompactableSegment[][] {
  const groups: CompactableSegment[][] = [];
  let group: CompactableSegment[] = [];
  let groupBytes = 0;
  for (const entry of segments) {
    const { segment, endOffset } = entry;
    const fits = group.length > 0 && groupBytes + segment.sizeBytes <= maxBytes && endOffset - 1 - group[0]!.segment.baseOffset <= MAX_RELATIVE_OFFSET;
    if (group.length > 0 && !fits) {
      groups.push(group);
      group = [];
      groupBytes = 0;
    }
    group.push(entry);
    groupBytes += segment.sizeBytes;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

interface RewriteContext {
  map: OffsetMap;
  firstDirty: number;
  mapEnd: number;
  /** map.newestOffsets(): the offsets in [firstDirty, mapEnd) that are the newest of their key. */
  newestOffsets: Float64Array;
  /** Index in newestOffsets of the first one not passed yet (batches are visited in offset order). */
  nextNewest: number;
  tombstoneHorizonMs: number;
  stats: CleanedSegments['stats'];
}

/**
 * Writes the cleaned copy of `group` to `path` and fsyncs it. Returns false when swapping it in
 * would change nothing (one segment, every batch kept as it was).
 */
async function writeCleaned(group: readonly Segment[], path: string, context: RewriteContext, options: Pick<CleanOptions, 'io' | 'shouldStop'> & Throttled): Promise<boolean> {
  let changed = group.length > 1;
  const writer = new CleanedWriter(await options.io.open(path, { create: true }), options.throttler);
  try {
    await writer.reset();
    for (let index = 0; index < group.length; index++) {
      const segment = group[index]!;
      const lastSegment = index === group.length - 1;
      await forEachBatch(segment, options, (batch, position) => {
        context.stats.bytesRead += batch.length;
        const isLastBatch = lastSegment && position + batch.length === segment.sizeBytes;
        const cleaned = cleanBatch(batch, context, isLastBatch);
        if (cleaned !== batch) changed = true;
        if (cleaned !== null) writer.add(cleaned);
        return true;
      }, () => writer.drainIfFull());
    }
    context.stats.bytesWritten += await writer.finish();
  } finally {
    await writer.close();
  }
  return changed;
}

/** The records of a batch to keep: byte ranges of `records` (the batch, or its decompressed records). */
interface Selection {
  records: Buffer;
  kept: [number, number][];
  recordCount: number;
  maxTimestamp: number;
}

/** The batch to keep in place of `batch` (itself, a rebuilt one, or an empty one), or null to drop it. */
function cleanBatch(batch: Buffer, context: RewriteContext, isLastBatch: boolean): Buffer | null {
  const attributes = batch.readInt16BE(Field.attributes);
  if ((attributes & Attribute.control) !== 0) return batch;
  const baseOffset = baseOffsetAt(batch, 0);
  const mapped = baseOffset >= context.firstDirty && lastOffsetAt(batch, 0) < context.mapEnd;
  const { records, kept, recordCount, maxTimestamp } = mapped ? selectNewest(batch, context) : selectByKeyMap(batch, context);
  context.stats.recordsRead += recordCount;
  context.stats.recordsKept += kept.length;
  if (kept.length === recordCount) return batch;
  if (kept.length === 0) return isLastBatch ? emptyBatchLike(batch) : null;
  return rebuiltBatch(batch, records, kept, (attributes & Attribute.logAppendTime) !== 0 ? maxTimestampAt(batch, 0) : maxTimestamp);
}

/** Whether a record stays once it is known to be the newest of its key: not if an expired tombstone. */
function isLiveNewest(valueLength: number, timestamp: number, context: RewriteContext): boolean {
  return valueLength >= 0 || timestamp > context.tombstoneHorizonMs;
}

/**
 * Selection for a batch outside the mapped section (cleaned before, or at or past mapEnd): CRC
 * checked and walked here, each key looked up in the map. A record stays if it has a key and,
 * below mapEnd, no newer record of its key exists and it is not an expired tombstone.
 */
function selectByKeyMap(batch: Buffer, context: RewriteContext): Selection {
  const baseOffset = baseOffsetAt(batch, 0);
  const baseTimestamp = readInt64(batch, Field.baseTimestamp);
  const logAppendTime = (batch.readInt16BE(Field.attributes) & Attribute.logAppendTime) !== 0;
  const { map, mapEnd } = context;
  const selection: Selection = { records: batch, kept: [], recordCount: 0, maxTimestamp: -1 };
  walkRawRecords(batch, (cursor, bytes, start, end) => {
    selection.records = bytes;
    selection.recordCount++;
    const offset = baseOffset + cursor.offsetDelta;
    const timestamp = logAppendTime ? maxTimestampAt(batch, 0) : baseTimestamp + cursor.timestampDelta;
    if (cursor.keyLength < 0) return; // no key: not kept (a compacted topic refuses them at produce)
    if (offset < mapEnd && (map.getRange(bytes, cursor.keyStart, cursor.keyLength) > offset || !isLiveNewest(cursor.valueLength, timestamp, context))) return;
    selection.kept.push([start, end]);
    if (timestamp > selection.maxTimestamp) selection.maxTimestamp = timestamp;
  });
  return selection;
}

/**
 * Selection for a batch of the mapped section [firstDirty, mapEnd), which the map pass has just
 * CRC-checked and walked: a record stays if its offset is the newest of its key (one of
 * context.newestOffsets, met in ascending order as batches are) and it is not an expired
 * tombstone. No key is hashed again, and a batch holding none of those offsets is not walked at all.
 */
function selectNewest(batch: Buffer, context: RewriteContext): Selection {
  const { newestOffsets } = context;
  const baseOffset = baseOffsetAt(batch, 0);
  const recordCount = batch.readInt32BE(Field.recordCount);
  const selection: Selection = { records: batch, kept: [], recordCount, maxTimestamp: -1 };
  let next = context.nextNewest;
  while (next < newestOffsets.length && newestOffsets[next]! < baseOffset) next++;
  context.nextNewest = next;
  if (recordCount === 0 || next === newestOffsets.length || newestOffsets[next]! > lastOffsetAt(batch, 0)) return selection;
  const attributes = batch.readInt16BE(Field.attributes);
  const logAppendTime = (attributes & Attribute.logAppendTime) !== 0;
  const baseTimestamp = readInt64(batch, Field.baseTimestamp);
  const { bytes: records, start, end } = recordBytesOf(batch, 0, batch.length);
  const cursor = new RecordCursor(records, start, end);
  for (let index = 0; index < recordCount; index++) {
    const start = cursor.reader.position;
    cursor.next();
    const offset = baseOffset + cursor.offsetDelta;
    if (newestOffsets[next] !== offset) {
      if (newestOffsets[next]! < offset) throw new CodecError('INVALID_RECORD', `no record at offset ${newestOffsets[next]}, which the key map pass found in this batch`);
      continue;
    }
    next++;
    const timestamp = logAppendTime ? maxTimestampAt(batch, 0) : baseTimestamp + cursor.timestampDelta;
    if (!isLiveNewest(cursor.valueLength, timestamp, context)) continue;
    selection.kept.push([start, cursor.reader.position]);
    if (timestamp > selection.maxTimestamp) selection.maxTimestamp = timestamp;
  }
  const lastOffset = lastOffsetAt(batch, 0);
  if (next < newestOffsets.length && newestOffsets[next]! <= lastOffset) throw new CodecError('INVALID_RECORD', `no record at offset ${newestOffsets[next]}, which the key map pass found in this batch`);
  selection.records = records;
  context.nextNewest = next;
  return selection;
}

/**
 * `batch` with only the records at `kept` ranges of `records` (its records, decompressed if it was
 * compressed). Records are copied byte for byte: their offset and timestamp deltas stay valid
 * because the base offset, base timestamp and lastOffsetDelta do not change (the batch still spans
 * the offsets it did, so a reader moves past it). Recompressed with the batch's codec, new CRC.
 */
function rebuiltBatch(batch: Buffer, records: Buffer, kept: readonly [number, number][], maxTimestamp: number): Buffer {
  const attributes = batch.readInt16BE(Field.attributes);
  const codec = compressionName(compressionIdOf(attributes));
  const parts = kept.map(([start, end]) => records.subarray(start, end));
  const body = codec === 'none' ? parts : [compress(codec, Buffer.concat(parts))];
  const header = Buffer.from(batch.subarray(0, BATCH_HEADER_BYTES));
  const sizeBytes = BATCH_HEADER_BYTES + body.reduce((sum, part) => sum + part.length, 0);
  header.writeInt32BE(sizeBytes - BATCH_LENGTH_PREFIX_BYTES, Field.batchLength);
  header.writeInt32BE(kept.length, Field.recordCount);
  writeInt64(header, Field.maxTimestamp, maxTimestamp);
  const rebuilt = Buffer.concat([header, ...body], sizeBytes);
  rebuilt.writeUInt32BE(crc32c(rebuilt.subarray(CRC_START)), Field.crc);
  return rebuilt;
}

/** A batch with the same offsets and header as `batch` but no records (uncompressed, CRC recomputed). */
export function emptyBatchLike(batch: Buffer): Buffer {
  const empty = Buffer.from(batch.subarray(0, BATCH_HEADER_BYTES));
  empty.writeInt32BE(BATCH_HEADER_BYTES - BATCH_LENGTH_PREFIX_BYTES, Field.batchLength);
  empty.writeInt16BE(batch.readInt16BE(Field.attributes) & ~Attribute.compressionMask, Field.attributes);
  empty.writeInt32BE(0, Field.recordCount);
  empty.writeUInt32BE(crc32c(empty.subarray(CRC_START)), Field.crc);
  return empty;
}

/**
 * Calls `visit` with every whole batch of a sealed segment (a view, valid during the call) and its
 * position; stops when `visit` returns false. Each read starts at a batch boundary (the partial
 * batch at a chunk's end is read again with the next chunk, so no bytes are copied), and the next
 * chunk is read while this one is visited. `afterChunk` runs between chunks (the writer drains there).
 */
async function forEachBatch(segment: Segment, options: Pick<CleanOptions, 'shouldStop'> & Throttled, visit: (batch: Buffer, position: number) => boolean, afterChunk: () => Promise<void> = async () => undefined): Promise<void> {
  const endPosition = segment.sizeBytes;
  const readFrom = (position: number, minimumBytes: number): Promise<Buffer> | null => {
    if (position >= endPosition) return null;
    const read = segment.readAt(position, Math.min(Math.max(READ_CHUNK_BYTES, minimumBytes), endPosition - position));
    read.catch(() => undefined); // awaited below, or abandoned when the walk stops early
    return read;
  };
  let position = 0;
  let pending = readFrom(0, 0);
  while (pending !== null) {
    if (options.shouldStop?.()) throw new CleanerStoppedError('the cleaner is stopping');
    const chunk = await pending;
    const wholeBytes = wholeBatchBytes(segment, chunk, position);
    if (wholeBytes === 0) {
      // One batch larger than a chunk: read it whole.
      pending = readFrom(position, batchSizeAt(chunk, 0));
      continue;
    }
    pending = readFrom(position + wholeBytes, 0);
    for (let offset = 0; offset < wholeBytes; ) {
      const batch = chunk.subarray(offset, offset + batchSizeAt(chunk, offset));
      let goOn: boolean;
      try {
        goOn = visit(batch, position + offset);
      } catch (error) {
        if (error instanceof CodecError) throw segment.corruption(position + offset, error.message);
        throw error;
      }
      if (!goOn) return;
      offset += batch.length;
    }
    position += wholeBytes;
    await afterChunk();
    await options.throttler.account(chunk.length);
  }
}

/**
 * Bytes of `chunk` (read at `position` of `segment`) taken by whole batches; 0 when its first
 * batch runs past the chunk, which must then be shorter than that batch's size and end inside the
 * segment (else the segment is corrupt).
 */
function wholeBatchBytes(segment: Segment, chunk: Buffer, position: number): number {
  const chunkEnd = position + chunk.length;
  let offset = 0;
  while (offset + BATCH_LENGTH_PREFIX_BYTES <= chunk.length) {
    const sizeBytes = batchSizeAt(chunk, offset);
    if (sizeBytes < BATCH_HEADER_BYTES || position + offset + sizeBytes > segment.sizeBytes) throw segment.corruption(position + offset, `batch size ${sizeBytes} does not fit the segment`);
    if (offset + sizeBytes > chunk.length) break;
    offset += sizeBytes;
  }
  if (offset === 0 && chunkEnd === segment.sizeBytes) throw segment.corruption(position, 'a batch runs past the end of the segment');
  return offset;
}

/** Appends batches to the cleaned file through one buffer of pending writes. */
class CleanedWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private position = 0;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: StorageFile,
    private readonly throttler: Throttler,
  ) {}

  async reset(): Promise<void> {
    await this.file.truncate(0);
  }

  /** `batch` may be a view of a read chunk: chunks are never reused, so no copy is needed. */
  add(batch: Buffer): void {
    this.pending.push(batch);
    this.pendingBytes += batch.length;
  }

  /** Starts writing what is pending once there is enough; one write in flight at a time. */
  async drainIfFull(): Promise<void> {
    if (this.pendingBytes >= WRITE_BUFFER_BYTES) await this.drain();
  }

  private async drain(): Promise<void> {
    await this.inFlight;
    if (this.pendingBytes === 0) return;
    this.inFlight = this.file.write(this.pending, this.position);
    this.inFlight.catch(() => undefined); // awaited by the next drain or finish
    this.position += this.pendingBytes;
    const written = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    await this.throttler.account(written);
  }

  /** Writes what is left and fsyncs; returns the file's size. */
  async finish(): Promise<number> {
    await this.drain();
    await this.inFlight;
    await this.file.datasync();
    return this.position;
  }

  async close(): Promise<void> {
    await this.inFlight.catch(() => undefined);
    await this.file.close();
  }
}
