/**
 * Opening a partition log directory: finding its segments and, after an unclean stop, recovering
 * them. After a clean shutdown nothing is scanned: sealed segments are only stat'ed and the active
 * one reads its tail. After a crash, every segment from the one holding the recovery point on is
 * read batch by batch (Segment.recover: CRC, offsets, lengths); the log is cut at the first torn or
 * corrupt batch and every later segment deleted. Recovery time follows the unflushed data, not
 * the log size. A compaction interrupted by the crash is completed or discarded first.
 */

import { join } from 'node:path';
import { recoverSwaps } from './cleaner/segment-swap.js';
import type { FileIO } from './file-io.js';
import { LOG_SUFFIX, Segment, type SegmentConfig, type SegmentRecovery } from './segment.js';

export interface RecoveryStats {
  cleanShutdown: boolean;
  segmentsScanned: number;
  bytesScanned: number;
  truncatedBytes: number;
  segmentsDeleted: number;
  durationMs: number;
}

export type LogEvent =
  | { type: 'recovery-truncated'; file: string; position: number; truncatedBytes: number; reason: string }
  | { type: 'segment-deleted'; file: string; reason: 'retention-time' | 'retention-size' | 'log-start-offset' | 'truncation' | 'recovery' }
  | { type: 'log-offline'; directory: string; error: string }
  | { type: 'cleaner-failed'; directory: string; error: string }
  | { type: 'cleaner-swap-recovered'; file: string; action: 'completed' | 'discarded' }
  | { type: 'segments-cleaned'; directory: string; baseOffset: number; replacedSegments: number; bytesBefore: number; bytesAfter: number };

export interface LoadOptions {
  directory: string;
  io: FileIO;
  segmentConfig: SegmentConfig;
  cleanShutdown: boolean;
  recoveryPoint: number;
  /** Base offset of the first segment when the directory is empty. */
  initialOffset: number;
  onEvent: (event: LogEvent) => void;
}

const SEGMENT_FILE = /^(\d{20})\.(log|index|timeindex)$/;

/** The segments of the log in `options.directory`, oldest first, the last one active. */
export async function loadSegments(options: LoadOptions): Promise<{ segments: Segment[]; stats: RecoveryStats }> {
  const startMs = performance.now();
  await options.io.mkdir(options.directory);
  // An interrupted compaction first: its swap completes or is discarded (./cleaner/segment-swap.ts).
  const swaps = await recoverSwaps(options.io, options.directory);
  for (const file of swaps.completed) options.onEvent({ type: 'cleaner-swap-recovered', file, action: 'completed' });
  for (const file of swaps.discarded) options.onEvent({ type: 'cleaner-swap-recovered', file, action: 'discarded' });
  const baseOffsets = await listSegments(options);
  const stats: RecoveryStats = { cleanShutdown: options.cleanShutdown, segmentsScanned: 0, bytesScanned: 0, truncatedBytes: 0, segmentsDeleted: 0, durationMs: 0 };
  let segments: Segment[];
  if (baseOffsets.length === 0) {
    segments = [await Segment.create(options.directory, options.initialOffset, options.segmentConfig, options.io)];
    await options.io.syncDirectory(options.directory);
  } else if (options.cleanShutdown) {
    segments = await openAfterCleanShutdown(baseOffsets, options);
  } else {
    segments = await recoverAfterCrash(baseOffsets, options, stats);
  }
  stats.durationMs = performance.now() - startMs;
  return { segments, stats };
}

/** Base offsets of the segments on disk, sorted; removes index files that lost their log. */
async function listSegments({ directory, io }: LoadOptions): Promise<number[]> {
  const names = await io.readdir(directory);
  const logs = new Set(names.filter((name) => SEGMENT_FILE.test(name) && name.endsWith(LOG_SUFFIX)).map((name) => name.slice(0, 20)));
  for (const name of names) {
    const match = SEGMENT_FILE.exec(name);
    if (match !== null && !logs.has(match[1]!)) await io.remove(join(directory, name));
  }
  return [...logs].map(Number).sort((a, b) => a - b);
}

function openSealed(baseOffset: number, { directory, segmentConfig, io }: LoadOptions): Promise<Segment> {
  return Segment.openSealed(directory, baseOffset, segmentConfig, io);
}

async function openAfterCleanShutdown(baseOffsets: number[], options: LoadOptions): Promise<Segment[]> {
  const segments = await Promise.all(baseOffsets.slice(0, -1).map((baseOffset) => openSealed(baseOffset, options)));
  segments.push(await Segment.openActive(options.directory, baseOffsets[baseOffsets.length - 1]!, options.segmentConfig, options.io));
  return segments;
}

async function recoverAfterCrash(baseOffsets: number[], options: LoadOptions, stats: RecoveryStats): Promise<Segment[]> {
  const firstUnflushed = Math.max(0, baseOffsets.findLastIndex((baseOffset) => baseOffset <= options.recoveryPoint));
  const segments = await Promise.all(baseOffsets.slice(0, firstUnflushed).map((baseOffset) => openSealed(baseOffset, options)));
  const unflushed = baseOffsets.slice(firstUnflushed);
  for (let index = 0; index < unflushed.length; index++) {
    const segment = await openSealed(unflushed[index]!, options);
    const result = await segment.recover();
    noteRecovery(segment, result, stats, options);
    const isLast = index === unflushed.length - 1;
    if (!isLast && result.stopReason === null) {
      await segment.seal();
      segments.push(segment);
      continue;
    }
    // The log ends in this segment: whatever follows a torn or corrupt batch goes.
    stats.segmentsDeleted += await deleteSegments(unflushed.slice(index + 1), options);
    if (segment.isEmpty && segments.length > 0) {
      await segment.delete(); // nothing valid in it: the previous segment becomes the active one
      stats.segmentsDeleted++;
      segments.push(await segments.pop()!.reactivate());
    } else {
      segments.push(segment);
    }
    break;
  }
  await options.io.syncDirectory(options.directory);
  return segments;
}

function noteRecovery(segment: Segment, result: SegmentRecovery, stats: RecoveryStats, options: LoadOptions): void {
  stats.segmentsScanned++;
  stats.bytesScanned += result.validBytes + result.truncatedBytes;
  stats.truncatedBytes += result.truncatedBytes;
  if (result.truncatedBytes > 0) {
    options.onEvent({ type: 'recovery-truncated', file: segment.logPath, position: result.validBytes, truncatedBytes: result.truncatedBytes, reason: result.stopReason ?? 'torn tail' });
  }
}

async function deleteSegments(baseOffsets: number[], options: LoadOptions): Promise<number> {
  for (const baseOffset of baseOffsets) {
    const segment = await openSealed(baseOffset, options);
    await segment.delete();
    options.onEvent({ type: 'segment-deleted', file: segment.logPath, reason: 'recovery' });
  }
  return baseOffsets.length;
}
