/**
 * One partition's durable log: a directory of segments (./segment.ts), the newest one active.
 *
 *   <dir>/00000000000000000000.log|.index|.timeindex    sealed segment
 *   <dir>/00000000000000368769.log|.index|.timeindex    … the active segment, named by its base offset
 *
 * Appends are validated (header, CRC, counts; records are not parsed), given offsets by rewriting
 * baseOffset in place, and written in order by one writer that coalesces queued batches into one
 * write. flush() is group commit: one fdatasync covers every append that completed before it, and
 * concurrent callers share it. A failed write leaves no partial batch and the log usable; a failed
 * fsync takes the log offline until it is reopened (the page cache's state is unknown).
 *
 * Recovery on open: after a clean shutdown nothing is scanned. Otherwise every segment from the
 * one holding the recovery point on is read batch by batch (CRC, offsets, lengths); the log is cut
 * at the first torn or corrupt batch, later segments are deleted, indexes rebuilt.
 */

import { mkdir } from 'node:fs/promises';
import { CodecError } from '../codec/codec-error.js';
import { baseOffsetAt, batchSizeAt, BATCH_HEADER_BYTES, maxTimestampAt, validateBatchFrame, writeBaseOffset } from '../codec/record-batch-header.js';
import { nodeFileIO, type FileIO } from './file-io.js';
import { resolveLogConfig, type LogConfig } from './log-config.js';
import { LOG_SUFFIX, Segment, type SegmentRecovery } from './segment.js';
import { SerialQueue } from './serial-queue.js';
import { assert, StorageError } from './storage-error.js';

export interface AppendResult {
  baseOffset: number;
  lastOffset: number;
  /** Wall-clock time of the append (ms). */
  appendTimeMs: number;
  logStartOffset: number;
}

export interface RecoveryStats {
  cleanShutdown: boolean;
  segmentsScanned: number;
  bytesScanned: number;
  truncatedBytes: number;
  segmentsDeleted: number;
  durationMs: number;
}

export interface SegmentInfo {
  baseOffset: number;
  sizeBytes: number;
  active: boolean;
}

export type LogEvent =
  | { type: 'recovery-truncated'; file: string; position: number; truncatedBytes: number; reason: string }
  | { type: 'segment-deleted'; file: string; reason: 'retention-time' | 'retention-size' | 'log-start-offset' | 'truncation' | 'recovery' }
  | { type: 'log-offline'; directory: string; error: string };

export interface PartitionLogOptions {
  config?: Partial<LogConfig>;
  io?: FileIO;
  /** Offset below which data is known flushed (from the data directory's checkpoint). Default 0. */
  recoveryPoint?: number;
  /** Whether the last close was orderly (the data directory's marker). Default false: scan. */
  cleanShutdown?: boolean;
  logStartOffset?: number;
  nowMs?: () => number;
  onEvent?: (event: LogEvent) => void;
}

interface PendingAppend {
  batch: Buffer;
  recordCount: number;
  maxTimestamp: number;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

interface FlushWaiter {
  targetOffset: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Most batches and bytes the writer puts into one write call. */
const MAX_BATCHES_PER_WRITE = 1024;
const MAX_BYTES_PER_WRITE = 8 * 1024 * 1024;
const SEGMENT_FILE = /^(\d{20})\.(log|index|timeindex)$/;

function storageFailure(operation: string, error: unknown): StorageError {
  const errno = (error as NodeJS.ErrnoException).code ?? 'unknown';
  return new StorageError('KAFKA_STORAGE_ERROR', `${operation} failed: ${errno}: ${(error as Error).message}`, { cause: error });
}

export class PartitionLog {
  readonly config: LogConfig;
  recovery!: RecoveryStats;
  private segments: Segment[] = [];
  private logEndOffsetValue = 0;
  private logStartOffsetValue = 0;
  private recoveryPointValue = 0;
  private readonly queue = new SerialQueue();
  private pending: PendingAppend[] = [];
  private writerScheduled = false;
  private flushWaiters: FlushWaiter[] = [];
  private flushing = false;
  private flushTimer: NodeJS.Timeout | null = null;
  private unflushedRecords = 0;
  private activeSegmentStartMs = 0;
  private offlineError: StorageError | null = null;
  private closed = false;
  private readonly io: FileIO;
  private readonly nowMs: () => number;
  private readonly onEvent: (event: LogEvent) => void;

  private constructor(
    readonly directory: string,
    options: PartitionLogOptions,
  ) {
    this.config = resolveLogConfig(options.config);
    this.io = options.io ?? nodeFileIO;
    this.nowMs = options.nowMs ?? Date.now;
    this.onEvent = options.onEvent ?? (() => undefined);
  }

  static async open(directory: string, options: PartitionLogOptions = {}): Promise<PartitionLog> {
    const log = new PartitionLog(directory, options);
    await log.load(options);
    return log;
  }

  get logStartOffset(): number {
    return this.logStartOffsetValue;
  }

  /** Offset the next appended record gets; also the high watermark (a single node). */
  get logEndOffset(): number {
    return this.logEndOffsetValue;
  }

  get highWatermark(): number {
    return this.logEndOffsetValue;
  }

  /** Every offset below this is on disk (fsynced). */
  get recoveryPoint(): number {
    return this.recoveryPointValue;
  }

  get sizeBytes(): number {
    return this.segments.reduce((sum, segment) => sum + segment.sizeBytes, 0);
  }

  get isOffline(): boolean {
    return this.offlineError !== null;
  }

  segmentInfos(): SegmentInfo[] {
    return this.segments.map((segment) => ({ baseOffset: segment.baseOffset, sizeBytes: segment.sizeBytes, active: segment === this.active }));
  }

  private get active(): Segment {
    const active = this.segments[this.segments.length - 1];
    assert(active !== undefined, 'a log always has an active segment');
    return active;
  }

  private segmentConfig() {
    return { maxIndexBytes: this.config.segmentIndexBytes, indexIntervalBytes: this.config.indexIntervalBytes };
  }

  // ---- open and recovery ------------------------------------------------------------------

  private async load(options: PartitionLogOptions): Promise<void> {
    const startMs = performance.now();
    await mkdir(this.directory, { recursive: true });
    const baseOffsets = await this.listSegments();
    const cleanShutdown = options.cleanShutdown ?? false;
    const stats: RecoveryStats = { cleanShutdown, segmentsScanned: 0, bytesScanned: 0, truncatedBytes: 0, segmentsDeleted: 0, durationMs: 0 };
    if (baseOffsets.length === 0) {
      this.segments = [await Segment.create(this.directory, options.logStartOffset ?? 0, this.segmentConfig(), this.io)];
      await this.io.syncDirectory(this.directory);
    } else if (cleanShutdown) {
      await this.openAfterCleanShutdown(baseOffsets);
    } else {
      await this.recoverAfterCrash(baseOffsets, options.recoveryPoint ?? 0, stats);
    }
    this.logEndOffsetValue = this.active.nextOffset;
    this.recoveryPointValue = this.logEndOffsetValue;
    const firstBase = this.segments[0]!.baseOffset;
    this.logStartOffsetValue = Math.min(Math.max(options.logStartOffset ?? firstBase, firstBase), this.logEndOffsetValue);
    this.activeSegmentStartMs = this.nowMs();
    stats.durationMs = performance.now() - startMs;
    this.recovery = stats;
  }

  /** Base offsets of the segments on disk, sorted; removes index files that lost their log. */
  private async listSegments(): Promise<number[]> {
    const names = await this.io.readdir(this.directory);
    const logs = new Set<string>();
    for (const name of names) if (name.endsWith(LOG_SUFFIX) && SEGMENT_FILE.test(name)) logs.add(name.slice(0, 20));
    for (const name of names) {
      const match = SEGMENT_FILE.exec(name);
      if (match !== null && !logs.has(match[1]!)) await this.io.remove(`${this.directory}/${name}`);
    }
    return [...logs].map(Number).sort((a, b) => a - b);
  }

  private async openAfterCleanShutdown(baseOffsets: number[]): Promise<void> {
    const config = this.segmentConfig();
    const sealed = baseOffsets.slice(0, -1);
    this.segments = await Promise.all(sealed.map((baseOffset) => Segment.openSealed(this.directory, baseOffset, config, this.io)));
    this.segments.push(await Segment.openActive(this.directory, baseOffsets[baseOffsets.length - 1]!, config, this.io));
  }

  private async recoverAfterCrash(baseOffsets: number[], recoveryPoint: number, stats: RecoveryStats): Promise<void> {
    const config = this.segmentConfig();
    const firstUnflushed = Math.max(0, baseOffsets.findLastIndex((baseOffset) => baseOffset <= recoveryPoint));
    const flushed = baseOffsets.slice(0, firstUnflushed);
    const unflushed = baseOffsets.slice(firstUnflushed);
    this.segments = await Promise.all(flushed.map((baseOffset) => Segment.openSealed(this.directory, baseOffset, config, this.io)));
    for (let index = 0; index < unflushed.length; index++) {
      const segment = await Segment.openSealed(this.directory, unflushed[index]!, config, this.io);
      const result = await segment.recover();
      stats.segmentsScanned++;
      stats.bytesScanned += result.validBytes + result.truncatedBytes;
      stats.truncatedBytes += result.truncatedBytes;
      this.noteTruncation(segment, result);
      const isLast = index === unflushed.length - 1;
      if (!isLast && result.stopReason === null) {
        await segment.seal();
        this.segments.push(segment);
        continue;
      }
      // The log ends in this segment: whatever follows a torn or corrupt batch goes.
      stats.segmentsDeleted += await this.deleteSegmentFiles(unflushed.slice(index + 1));
      if (segment.isEmpty && this.segments.length > 0) {
        await segment.delete(); // nothing valid in it: the previous segment becomes the active one
        stats.segmentsDeleted++;
        await this.reopenLastAsActive();
      } else {
        this.segments.push(segment);
      }
      break;
    }
    await this.io.syncDirectory(this.directory);
  }

  private noteTruncation(segment: Segment, result: SegmentRecovery): void {
    if (result.truncatedBytes > 0) {
      this.onEvent({ type: 'recovery-truncated', file: segment.logPath, position: result.validBytes, truncatedBytes: result.truncatedBytes, reason: result.stopReason ?? 'torn tail' });
    }
  }

  private async deleteSegmentFiles(baseOffsets: number[]): Promise<number> {
    for (const baseOffset of baseOffsets) {
      const segment = await Segment.openSealed(this.directory, baseOffset, this.segmentConfig(), this.io);
      await segment.delete();
      this.onEvent({ type: 'segment-deleted', file: segment.logPath, reason: 'recovery' });
    }
    return baseOffsets.length;
  }

  /** Makes the last (sealed) segment writable again. */
  private async reopenLastAsActive(): Promise<void> {
    const last = this.segments.pop();
    assert(last !== undefined, 'a segment to reopen');
    await last.close(false);
    this.segments.push(await Segment.openActive(this.directory, last.baseOffset, this.segmentConfig(), this.io));
  }

  // ---- append -----------------------------------------------------------------------------

  private checkWritable(): void {
    if (this.closed) throw new StorageError('LOG_CLOSED', `log ${this.directory} is closed`);
    if (this.offlineError !== null) throw new StorageError('LOG_OFFLINE', `log ${this.directory} is offline after a failed fsync or write; reopen it (${this.offlineError.message})`, { cause: this.offlineError });
  }

  /** Validates a batch as appended by a producer; returns its record count and max timestamp. */
  private validateAppend(batch: Buffer): { recordCount: number; maxTimestamp: number } {
    if (batch.length > this.config.maxMessageBytes) {
      throw new StorageError('MESSAGE_TOO_LARGE', `batch of ${batch.length} bytes exceeds max.message.bytes (${this.config.maxMessageBytes})`);
    }
    let maxTimestamp: number;
    try {
      if (validateBatchFrame(batch, 0) !== batch.length) throw new CodecError('INVALID_LENGTH', `buffer holds ${batch.length} bytes but the batch is ${batchSizeAt(batch, 0)}`);
      maxTimestamp = maxTimestampAt(batch, 0);
    } catch (error) {
      if (error instanceof CodecError) throw new StorageError('CORRUPT_MESSAGE', `invalid batch: ${error.message}`, { cause: error });
      throw error;
    }
    const recordCount = batch.readInt32BE(57);
    const lastOffsetDelta = batch.readInt32BE(23);
    if (recordCount < 1 || lastOffsetDelta !== recordCount - 1) {
      throw new StorageError('CORRUPT_MESSAGE', `invalid batch: ${recordCount} records with lastOffsetDelta ${lastOffsetDelta} (must be count - 1)`);
    }
    return { recordCount, maxTimestamp };
  }

  /**
   * Appends one record batch (the whole buffer). Its baseOffset is rewritten in place with the
   * offset assigned. Resolves once the batch is written (in the page cache, not yet fsynced:
   * await flush() for that), or after the fsync when flush.messages is reached.
   */
  append(batch: Buffer): Promise<AppendResult> {
    try {
      this.checkWritable();
      const { recordCount, maxTimestamp } = this.validateAppend(batch);
      return new Promise((resolve, reject) => {
        this.pending.push({ batch, recordCount, maxTimestamp, resolve, reject });
        this.scheduleWriter();
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private scheduleWriter(): void {
    if (this.writerScheduled) return;
    this.writerScheduled = true;
    void this.queue.run(() => this.writePending());
  }

  private async writePending(): Promise<void> {
    this.writerScheduled = false;
    while (this.pending.length > 0) {
      if (this.offlineError !== null || this.closed) {
        this.rejectPending(this.offlineError ?? new StorageError('LOG_CLOSED', `log ${this.directory} is closed`));
        return;
      }
      await this.rollIfDue(this.pending[0]!);
      await this.writeGroup(this.takeGroup());
    }
  }

  private rejectPending(error: unknown): void {
    for (const append of this.pending.splice(0)) append.reject(error);
  }

  /** Rolls before `next` if it cannot go into the active segment, or segment.ms has passed. */
  private async rollIfDue(next: PendingAppend): Promise<void> {
    const active = this.active;
    const lastOffset = this.logEndOffsetValue + next.recordCount - 1;
    const tooOld = !active.isEmpty && this.nowMs() - this.activeSegmentStartMs > this.config.segmentMs;
    if (tooOld || !active.canAppend(next.batch.length, lastOffset, this.config.segmentBytes)) await this.rollSegment();
  }

  /** The queued appends that fit the active segment together, up to the per-write limits. */
  private takeGroup(): PendingAppend[] {
    const active = this.active;
    let sizeBytes = active.sizeBytes;
    let nextOffset = this.logEndOffsetValue;
    let count = 0;
    let groupBytes = 0;
    for (const append of this.pending) {
      const lastOffset = nextOffset + append.recordCount - 1;
      const fits = count === 0 || (sizeBytes + append.batch.length <= this.config.segmentBytes && lastOffset - active.baseOffset <= 0x7fffffff);
      if (!fits || count >= MAX_BATCHES_PER_WRITE || (count > 0 && groupBytes + append.batch.length > MAX_BYTES_PER_WRITE)) break;
      sizeBytes += append.batch.length;
      groupBytes += append.batch.length;
      nextOffset = lastOffset + 1;
      count++;
    }
    return this.pending.splice(0, count);
  }

  private async writeGroup(group: PendingAppend[]): Promise<void> {
    const active = this.active;
    if (active.isEmpty) this.activeSegmentStartMs = this.nowMs();
    let nextOffset = this.logEndOffsetValue;
    const locations = group.map((append) => {
      writeBaseOffset(append.batch, 0, nextOffset);
      const location = { sizeBytes: append.batch.length, baseOffset: nextOffset, lastOffset: nextOffset + append.recordCount - 1, maxTimestamp: append.maxTimestamp };
      nextOffset = location.lastOffset + 1;
      return location;
    });
    try {
      await active.append(group.map((append) => append.batch), locations);
    } catch (error) {
      const failure = error instanceof StorageError ? error : storageFailure(`append to ${active.logPath}`, error);
      if ((error as { unrecoverable?: boolean }).unrecoverable) this.goOffline(failure);
      for (const append of group) append.reject(failure);
      return;
    }
    this.logEndOffsetValue = nextOffset;
    const appendTimeMs = this.nowMs();
    this.unflushedRecords += group.reduce((sum, append) => sum + append.recordCount, 0);
    const flushed = this.unflushedRecords >= this.config.flushMessages ? this.flush() : null;
    this.scheduleTimedFlush();
    const results = locations.map((location) => ({ baseOffset: location.baseOffset, lastOffset: location.lastOffset, appendTimeMs, logStartOffset: this.logStartOffsetValue }));
    if (flushed === null) {
      group.forEach((append, index) => append.resolve(results[index]!));
      return;
    }
    flushed.then(
      () => group.forEach((append, index) => append.resolve(results[index]!)),
      (flushError: unknown) => group.forEach((append) => append.reject(flushError)),
    );
  }

  /** Seals the active segment (fsynced) and starts a new one at the log end offset. */
  private async rollSegment(): Promise<void> {
    const sealed = this.active;
    if (sealed.isEmpty) return;
    try {
      await sealed.seal();
      const next = await Segment.create(this.directory, this.logEndOffsetValue, this.segmentConfig(), this.io);
      await this.io.syncDirectory(this.directory);
      this.segments.push(next);
      this.activeSegmentStartMs = this.nowMs();
      if (this.recoveryPointValue >= sealed.baseOffset) this.recoveryPointValue = Math.max(this.recoveryPointValue, next.baseOffset);
    } catch (error) {
      this.goOffline(error instanceof StorageError ? error : storageFailure(`roll of ${sealed.logPath}`, error));
      throw this.offlineError;
    }
  }

  /** Starts a new segment now (normally rolls happen on size, age or a full index). */
  roll(): Promise<void> {
    return this.queue.run(async () => {
      this.checkWritable();
      await this.rollSegment();
    });
  }

  // ---- flush (group commit) ---------------------------------------------------------------

  /**
   * Resolves when every append that completed before the call is on disk. Concurrent callers
   * share one fdatasync; it runs on the libuv pool, off the event loop.
   */
  flush(): Promise<void> {
    if (this.offlineError !== null) return Promise.reject(new StorageError('LOG_OFFLINE', `log ${this.directory} is offline: ${this.offlineError.message}`, { cause: this.offlineError }));
    const targetOffset = this.logEndOffsetValue;
    if (this.recoveryPointValue >= targetOffset) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.flushWaiters.push({ targetOffset, resolve, reject });
      if (!this.flushing) void this.runFlushes();
    });
  }

  private async runFlushes(): Promise<void> {
    this.flushing = true;
    while (this.flushWaiters.length > 0) {
      const targetOffset = this.logEndOffsetValue;
      const records = this.unflushedRecords;
      try {
        await this.active.datasync();
      } catch (error) {
        this.goOffline(storageFailure(`fsync of ${this.active.logPath}`, error));
        break;
      }
      this.unflushedRecords -= Math.min(records, this.unflushedRecords);
      this.recoveryPointValue = Math.max(this.recoveryPointValue, targetOffset);
      const waiters = this.flushWaiters;
      this.flushWaiters = waiters.filter((waiter) => waiter.targetOffset > this.recoveryPointValue);
      for (const waiter of waiters) if (waiter.targetOffset <= this.recoveryPointValue) waiter.resolve();
    }
    this.flushing = false;
  }

  private scheduleTimedFlush(): void {
    if (this.flushTimer !== null || this.config.flushMs === Infinity) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      this.flush().catch(() => undefined); // the failure takes the log offline; appends report it
    }, this.config.flushMs);
    this.flushTimer.unref();
  }

  /** Fail-stop: after a failed fsync the page cache may have dropped our data; refuse to go on. */
  private goOffline(error: StorageError): void {
    if (this.offlineError !== null) return;
    this.offlineError = error;
    this.onEvent({ type: 'log-offline', directory: this.directory, error: error.message });
    for (const waiter of this.flushWaiters.splice(0)) waiter.reject(new StorageError('LOG_OFFLINE', `log ${this.directory} is offline: ${error.message}`, { cause: error }));
    this.rejectPending(error);
  }

  // ---- read -------------------------------------------------------------------------------

  private checkOffset(offset: number): void {
    if (!Number.isSafeInteger(offset) || offset < this.logStartOffsetValue || offset > this.logEndOffsetValue) {
      throw new StorageError('OFFSET_OUT_OF_RANGE', `offset ${offset} is outside the log [${this.logStartOffsetValue}, ${this.logEndOffsetValue}] of ${this.directory}`);
    }
  }

  /** Index of the segment holding `offset`: greatest base offset ≤ it. */
  private segmentIndexFor(offset: number): number {
    let low = 0;
    let high = this.segments.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if (this.segments[middle]!.baseOffset <= offset) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  /**
   * Raw record batches starting with the one holding `offset`, up to `maxBytes` but always at least
   * one whole batch; empty at the log end. The first batch may start before `offset` (a batch is
   * never split). Corrupt bytes are an error naming file and position, never returned.
   */
  async read(offset: number, maxBytes: number): Promise<Buffer> {
    this.checkOffset(offset);
    if (offset === this.logEndOffsetValue) return Buffer.alloc(0);
    const endOffset = this.logEndOffsetValue;
    for (let index = this.segmentIndexFor(offset); index < this.segments.length; index++) {
      const bytes = await this.segments[index]!.read(offset, Math.max(maxBytes, BATCH_HEADER_BYTES));
      if (bytes !== null) return this.trimToOffset(bytes, endOffset);
    }
    return Buffer.alloc(0);
  }

  /** Drops batches at or past `endOffset` (written after the read began). */
  private trimToOffset(bytes: Buffer, endOffset: number): Buffer {
    let position = 0;
    while (position < bytes.length && baseOffsetAt(bytes, position) < endOffset) position += batchSizeAt(bytes, position);
    return bytes.subarray(0, position);
  }

  /** The first record whose timestamp is ≥ `timestampMs`, or null if none is. */
  async offsetForTimestamp(timestampMs: number): Promise<{ offset: number; timestamp: number } | null> {
    for (const segment of [...this.segments]) {
      if (segment !== this.active && (await segment.largestTimestamp()) < timestampMs) continue;
      const found = await segment.findOffsetByTimestamp(timestampMs);
      if (found !== null) return { offset: Math.max(found.offset, this.logStartOffsetValue), timestamp: found.timestamp };
    }
    return null;
  }

  // ---- truncation, retention --------------------------------------------------------------

  /**
   * Removes every batch holding an offset ≥ `offset` (the batch holding `offset` goes whole).
   * Returns the new log end offset. Used by recovery-style repair and tests; the data is fsynced
   * so truncated records cannot come back after a crash.
   */
  truncateTo(offset: number): Promise<number> {
    return this.queue.run(async () => {
      this.checkWritable();
      if (offset >= this.logEndOffsetValue) return this.logEndOffsetValue;
      if (offset < this.logStartOffsetValue) throw new StorageError('OFFSET_OUT_OF_RANGE', `cannot truncate to ${offset}, below the log start ${this.logStartOffsetValue}`);
      const keep = this.segmentIndexFor(offset);
      for (const segment of this.segments.splice(keep + 1)) await this.removeSegment(segment, 'truncation');
      if (!this.active.isWritable) await this.reopenLastAsActive();
      const newEnd = await this.active.truncateTo(offset);
      this.logEndOffsetValue = newEnd ?? this.active.nextOffset;
      await this.active.datasync();
      this.recoveryPointValue = Math.min(this.recoveryPointValue, this.logEndOffsetValue);
      this.unflushedRecords = 0;
      return this.logEndOffsetValue;
    });
  }

  /** Advances the log start offset (Kafka DeleteRecords) and deletes segments wholly below it. */
  deleteRecordsBefore(offset: number): Promise<number> {
    return this.queue.run(async () => {
      this.checkWritable();
      if (offset < this.logStartOffsetValue || offset > this.logEndOffsetValue) {
        throw new StorageError('OFFSET_OUT_OF_RANGE', `cannot delete records before ${offset}: outside [${this.logStartOffsetValue}, ${this.logEndOffsetValue}]`);
      }
      this.logStartOffsetValue = offset;
      await this.deleteSegmentsWhile((_segment, next) => next.baseOffset <= offset, 'log-start-offset');
      return this.logStartOffsetValue;
    });
  }

  /** Deletes sealed segments past retention.ms or beyond retention.bytes, oldest first. */
  enforceRetention(nowMs = this.nowMs()): Promise<{ segmentsDeleted: number; bytesDeleted: number }> {
    return this.queue.run(async () => {
      this.checkWritable();
      let deleted = { segmentsDeleted: 0, bytesDeleted: 0 };
      if (this.config.retentionMs >= 0) {
        const cutoffMs = nowMs - this.config.retentionMs;
        deleted = await this.deleteSegmentsWhile(async (segment) => (await segment.largestTimestamp()) < cutoffMs, 'retention-time');
      }
      if (this.config.retentionBytes >= 0) {
        let excessBytes = this.sizeBytes - this.config.retentionBytes;
        const bySize = await this.deleteSegmentsWhile((segment) => {
          if (excessBytes - segment.sizeBytes < 0) return false;
          excessBytes -= segment.sizeBytes;
          return true;
        }, 'retention-size');
        deleted = { segmentsDeleted: deleted.segmentsDeleted + bySize.segmentsDeleted, bytesDeleted: deleted.bytesDeleted + bySize.bytesDeleted };
      }
      return deleted;
    });
  }

  /** Deletes the oldest sealed segments while `shouldDelete` holds; the log start follows. */
  private async deleteSegmentsWhile(
    shouldDelete: (segment: Segment, next: Segment) => boolean | Promise<boolean>,
    reason: 'retention-time' | 'retention-size' | 'log-start-offset',
  ): Promise<{ segmentsDeleted: number; bytesDeleted: number }> {
    let segmentsDeleted = 0;
    let bytesDeleted = 0;
    while (this.segments.length > 1 && (await shouldDelete(this.segments[0]!, this.segments[1]!))) {
      const segment = this.segments.shift()!;
      bytesDeleted += segment.sizeBytes;
      segmentsDeleted++;
      await this.removeSegment(segment, reason);
    }
    this.logStartOffsetValue = Math.max(this.logStartOffsetValue, this.segments[0]!.baseOffset);
    if (segmentsDeleted > 0) await this.io.syncDirectory(this.directory);
    return { segmentsDeleted, bytesDeleted };
  }

  private async removeSegment(segment: Segment, reason: 'retention-time' | 'retention-size' | 'log-start-offset' | 'truncation'): Promise<void> {
    await segment.delete();
    this.onEvent({ type: 'segment-deleted', file: segment.logPath, reason });
  }

  // ---- close ------------------------------------------------------------------------------

  /** Writes what is queued, fsyncs, trims the active indexes and closes every file. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.queue.idle();
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.offlineError === null) await this.flush();
    this.closed = true;
    this.rejectPending(new StorageError('LOG_CLOSED', `log ${this.directory} is closed`));
    const clean = this.offlineError === null;
    for (const segment of this.segments) await segment.close(clean && segment === this.active);
  }
}

