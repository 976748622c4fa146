/**
 * One partition's durable log: a directory of segments (./segment.ts), the newest one active.
 *
 *   <dir>/00000000000000000000.log|.index|.timeindex    sealed segment
 *   <dir>/00000000000000368769.log|.index|.timeindex    … the active segment, named by its base offset
 *   <dir>/<base>.<end>.log.cleaned|.swap                 a compaction swap in progress (./cleaner/segment-swap.ts)
 *
 * Appends are validated (header, CRC, counts; records are not parsed), given offsets by rewriting
 * baseOffset in place, and written by one writer that coalesces queued batches into one write per
 * group. Up to MAX_WRITES_IN_FLIGHT groups are written at once, each at its own reserved position
 * after the one before (so the event loop validates the next batches while the thread pool copies
 * the last ones), and they are taken in strictly in order: a group becomes readable, and its appends
 * resolve, only after every group before it. flush() is group commit (./group-commit.ts). A failed
 * write leaves no partial batch and the log usable: the writer waits for the writes in flight, cuts
 * the file back to where the failed one began (so no later group survives past it, for recovery to
 * bring back) and fails every append in flight or queued behind it too (order holds for producer
 * retries); a failed fsync takes the log offline (no appends, no reads) until it is reopened.
 * Opening recovers (./log-loader.ts). Writes, rolls, truncations, retention and compaction swaps
 * run one at a time (SerialQueue; the writer makes way for a queued task once its writes in flight
 * are done); reads run alongside them and only ever see whole, CRC-checked batches below the log
 * end. Compaction (./cleaner/) rewrites sealed segments outside the queue and swaps them in inside
 * it; a read that raced a swap is retried on the new segments, and the replaced segments' files are
 * closed only once no read is using them.
 */

import { CodecError } from '../codec/codec-error.js';
import { baseOffsetAt, batchSizeAt, BATCH_HEADER_BYTES, Field, maxTimestampAt, validateBatchFrame, writeBaseOffset } from '../codec/record-batch-header.js';
import { nodeFileIO, type FileIO } from './file-io.js';
import { GroupCommit } from './group-commit.js';
import { resolveLogConfig, type LogConfig } from './log-config.js';
import { loadSegments, type LogEvent, type RecoveryStats } from './log-loader.js';
import { swapIn, type SwapHook } from './cleaner/segment-swap.js';
import { Segment, type BatchLocation, type SegmentConfig } from './segment.js';
import { SerialQueue } from './serial-queue.js';
import { assert, StorageError } from './storage-error.js';

export type { LogEvent, RecoveryStats } from './log-loader.js';

export interface AppendResult {
  baseOffset: number;
  lastOffset: number;
  /** Wall-clock time of the append (ms). */
  appendTimeMs: number;
  logStartOffset: number;
}

export interface SegmentInfo {
  baseOffset: number;
  sizeBytes: number;
  active: boolean;
}

export interface PartitionLogOptions {
  config?: Partial<LogConfig>;
  io?: FileIO;
  /** Offset below which data is known flushed (from the data directory's checkpoint). Default 0. */
  recoveryPoint?: number;
  /** Whether the last close was orderly (the data directory's marker). Default false: recover. */
  cleanShutdown?: boolean;
  logStartOffset?: number;
  /** Compaction: offsets below this were compacted before (the data directory's checkpoint). Default 0. */
  firstDirtyOffset?: number;
  nowMs?: () => number;
  onEvent?: (event: LogEvent) => void;
  /** The size a write group aims at (default 256 KiB); tests make it small to keep many writes in flight. */
  writeGroupBytes?: number;
}

export interface AppendOptions {
  /** The caller has just checked the batch's framing and CRC: don't compute the CRC twice. */
  frameChecked?: boolean;
  /**
   * Called synchronously when this append fails after it was queued (its write, or one before it,
   * failed; or the log closed or went offline), before the promise rejects: producer state can
   * forget the batch before any later batch is checked against it.
   */
  onFailed?: () => void;
}

interface PendingAppend {
  batch: Buffer;
  recordCount: number;
  maxTimestamp: number;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
  onFailed: (() => void) | undefined;
}

/** A group of appends being written to the active segment at [startPosition, endPosition). */
interface WriteInFlight {
  segment: Segment;
  group: PendingAppend[];
  batches: Omit<BatchLocation, 'position'>[];
  startPosition: number;
  endPosition: number;
  /** The offset after the group's last record. */
  endOffset: number;
  /** Settles when the write does; never rejects. */
  outcome: Promise<WriteOutcome>;
}

type WriteOutcome = { failed: false } | { failed: true; error: unknown };

const WRITTEN: WriteOutcome = { failed: false };

type DeletionReason = 'retention-time' | 'retention-size' | 'log-start-offset' | 'truncation';

/** Most batches and bytes the writer puts into one write call. */
const MAX_BATCHES_PER_WRITE = 1024;
const MAX_BYTES_PER_WRITE = 8 * 1024 * 1024;
/**
 * Writes to the active segment in flight at once: one being copied by the pool while the next
 * waits, so the pool never idles while the event loop validates the batches after them. Buffered
 * writes to one file are serialised by the kernel (inode lock), so more buys nothing measurable,
 * and each holds one of the libuv pool's 4 threads, which fsyncs (group commit) and reads need too.
 */
const MAX_WRITES_IN_FLIGHT = 2;
/**
 * The size a write group aims at (PartitionLogOptions.writeGroupBytes): queued appends are split
 * into groups of about this many bytes (more when the backlog is larger than the free write slots
 * hold), and while writes are in flight a group is started as soon as this many bytes wait (else
 * when the oldest write completes). Large enough for few syscalls; small enough that the pool
 * copies one group while the event loop checks the CRCs of the next.
 */
const DEFAULT_WRITE_GROUP_BYTES = 256 * 1024;
/** A read that keeps racing compaction swaps gives up after this many tries. */
const MAX_READ_ATTEMPTS = 5;

function storageFailure(operation: string, error: unknown): StorageError {
  if (error instanceof StorageError) return error;
  const errno = (error as NodeJS.ErrnoException).code ?? 'unknown';
  return new StorageError('KAFKA_STORAGE_ERROR', `${operation} failed: ${errno}: ${(error as Error).message}`, { cause: error });
}

export class PartitionLog {
  private configValue: LogConfig;
  readonly recovery: RecoveryStats;
  private readonly queue = new SerialQueue();
  private readonly groupCommit: GroupCommit;
  private logEndOffsetValue: number;
  private logStartOffsetValue: number;
  /** Validated appends waiting for the writer, in order, and their bytes. */
  private pending: PendingAppend[] = [];
  private pendingBytes = 0;
  /** Writes in flight, oldest first, at consecutive positions of the active segment. */
  private inFlight: WriteInFlight[] = [];
  private inFlightBatches = 0;
  /** Buffers handed to append() and not yet settled: each one belongs to the log until then. */
  private readonly pendingBuffers = new Set<Buffer>();
  private writerScheduled = false;
  private writerRunning = false;
  private flushTimer: NodeJS.Timeout | null = null;
  private activeSegmentStartMs: number;
  private offlineError: StorageError | null = null;
  private closed = false;
  /** Compaction: every offset below this has been cleaned at least once (checkpointed by LogDirectory). */
  private firstDirtyOffsetValue = 0;
  /** Bumped whenever the segment list changes under readers (a compaction swap). */
  private segmentsGeneration = 0;
  private readsInFlight = 0;
  /** Segments replaced by compaction, closed once no read is in flight. */
  private retired: Segment[] = [];

  private constructor(
    readonly directory: string,
    private segments: Segment[],
    recovery: RecoveryStats,
    config: LogConfig,
    private readonly io: FileIO,
    private readonly nowMs: () => number,
    private readonly onEvent: (event: LogEvent) => void,
    logStartOffset: number | undefined,
    private readonly writeGroupBytes: number,
  ) {
    assert(writeGroupBytes > 0, `writeGroupBytes ${writeGroupBytes} must be positive`);
    this.configValue = config;
    this.recovery = recovery;
    this.logEndOffsetValue = this.active.nextOffset;
    const firstBase = segments[0]!.baseOffset;
    this.logStartOffsetValue = Math.min(Math.max(logStartOffset ?? firstBase, firstBase), this.logEndOffsetValue);
    this.activeSegmentStartMs = nowMs();
    // Open leaves everything on disk: a clean close flushed it, recovery fsyncs what it keeps.
    this.groupCommit = new GroupCommit(
      () => this.active.datasync(),
      () => this.logEndOffsetValue,
      (error) => this.goOffline(storageFailure(`fsync of ${this.active.logPath}`, error)),
      this.logEndOffsetValue,
    );
  }

  static async open(directory: string, options: PartitionLogOptions = {}): Promise<PartitionLog> {
    const config = resolveLogConfig(options.config);
    const io = options.io ?? nodeFileIO;
    const onEvent = options.onEvent ?? (() => undefined);
    const { segments, stats } = await loadSegments({
      directory,
      io,
      segmentConfig: segmentConfigOf(config),
      cleanShutdown: options.cleanShutdown ?? false,
      recoveryPoint: options.recoveryPoint ?? 0,
      initialOffset: options.logStartOffset ?? 0,
      onEvent,
    });
    const log = new PartitionLog(directory, segments, stats, config, io, options.nowMs ?? Date.now, onEvent, options.logStartOffset, options.writeGroupBytes ?? DEFAULT_WRITE_GROUP_BYTES);
    // A checkpoint never runs ahead of what is on disk (swaps are durable before it moves), but a
    // crash may have cut the log below it: never past the end.
    log.markCleanedUpTo(options.firstDirtyOffset ?? 0);
    return log;
  }

  get config(): LogConfig {
    return this.configValue;
  }

  /** Applies changed settings (a topic config change); index sizes apply to segments made from now on. */
  updateConfig(overrides: Partial<LogConfig>): void {
    this.configValue = resolveLogConfig({ ...this.configValue, ...overrides });
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
    return this.groupCommit.durableOffset;
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

  // ---- append -----------------------------------------------------------------------------

  private checkWritable(): void {
    if (this.closed) throw new StorageError('LOG_CLOSED', `log ${this.directory} is closed`);
    if (this.offlineError !== null) throw this.offlineRefusal();
  }

  private offlineRefusal(): StorageError {
    return new StorageError('LOG_OFFLINE', `log ${this.directory} is offline after a failed fsync or write; reopen it (${this.offlineError!.message})`, { cause: this.offlineError });
  }

  /**
   * Validates a batch as a producer appends it; returns its record count and max timestamp. With
   * `frameChecked` the caller has just verified its framing and CRC (the broker checks every record
   * of a batch from the wire): the CRC is not computed twice.
   */
  private validateAppend(batch: Buffer, frameChecked: boolean): { recordCount: number; maxTimestamp: number } {
    if (batch.length > this.config.maxMessageBytes) {
      throw new StorageError('MESSAGE_TOO_LARGE', `batch of ${batch.length} bytes exceeds max.message.bytes (${this.config.maxMessageBytes})`);
    }
    let maxTimestamp: number;
    try {
      const sizeBytes = frameChecked ? batchSizeAt(batch, 0) : validateBatchFrame(batch, 0);
      if (sizeBytes !== batch.length) throw new CodecError('INVALID_LENGTH', `buffer holds ${batch.length} bytes but its batch is ${sizeBytes}`);
      maxTimestamp = maxTimestampAt(batch, 0);
    } catch (error) {
      if (error instanceof CodecError) throw new StorageError('CORRUPT_MESSAGE', `invalid batch: ${error.message}`, { cause: error });
      throw error;
    }
    const recordCount = batch.readInt32BE(Field.recordCount);
    const lastOffsetDelta = batch.readInt32BE(Field.lastOffsetDelta);
    if (recordCount < 1 || lastOffsetDelta !== recordCount - 1) {
      throw new StorageError('CORRUPT_MESSAGE', `invalid batch: ${recordCount} records with lastOffsetDelta ${lastOffsetDelta} (must be count - 1)`);
    }
    return { recordCount, maxTimestamp };
  }

  /**
   * Appends one record batch (the whole buffer). Its baseOffset is rewritten in place with the
   * offset assigned. Resolves once the batch is written (in the page cache: await flush() for the
   * disk), or after the fsync when flush.messages is reached. The buffer belongs to the log until
   * the promise settles: it must not be changed, nor appended again, before then.
   */
  append(batch: Buffer, options: AppendOptions = {}): Promise<AppendResult> {
    try {
      this.checkWritable();
      if (this.pendingBuffers.has(batch)) throw new StorageError('INVALID_ARGUMENT', 'this buffer is already being appended; append a copy, or wait for the first append to settle');
      const { recordCount, maxTimestamp } = this.validateAppend(batch, options.frameChecked === true);
      this.pendingBuffers.add(batch);
      return new Promise<AppendResult>((resolve, reject) => {
        this.pending.push({ batch, recordCount, maxTimestamp, resolve, reject, onFailed: options.onFailed });
        this.pendingBytes += batch.length;
        if (!this.writerRunning) this.scheduleWriter();
        else if (this.pendingBytes >= this.writeGroupBytes && this.inFlight.length > 0 && this.mayStartWrites()) this.startWrites(this.writeGroupBytes);
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private scheduleWriter(): void {
    if (this.writerScheduled) return;
    this.writerScheduled = true;
    this.queue.run(() => this.runWriter()).catch((error: unknown) => this.rejectPending(error));
  }

  /**
   * The writer, a queue task: starts writes for the queued appends, takes completed writes in in
   * order, and rolls when the active segment is full or too old (with nothing in flight). While it
   * waits for a write, append() may start the next ones. It makes way for any other queued task
   * (roll, truncation, retention) once its writes in flight are done, and queues itself behind it.
   */
  private async runWriter(): Promise<void> {
    this.writerScheduled = false;
    this.writerRunning = true;
    try {
      for (;;) {
        if (this.mayStartWrites()) this.startWrites(0);
        if (this.inFlight.length > 0) {
          await this.completeOldestWrite();
          continue;
        }
        if (this.pending.length === 0) return;
        this.checkWritable();
        if (this.queue.hasWaiting) {
          this.scheduleWriter();
          return;
        }
        // Nothing in flight and the next append did not fit: the active segment is full or too old.
        await this.rollSegment();
      }
    } finally {
      this.writerRunning = false;
    }
  }

  private mayStartWrites(): boolean {
    return this.offlineError === null && !this.closed && !this.queue.hasWaiting;
  }

  /** Starts writes of queued groups while fewer than MAX_WRITES_IN_FLIGHT are in flight. */
  private startWrites(minBytes: number): void {
    while (this.pending.length > 0 && this.pendingBytes >= minBytes && this.inFlight.length < MAX_WRITES_IN_FLIGHT) {
      const group = this.takeGroup(Math.max(this.writeGroupBytes, Math.ceil(this.pendingBytes / (MAX_WRITES_IN_FLIGHT - this.inFlight.length))));
      if (group.length === 0) return;
      this.startWrite(group);
    }
  }

  /** Where the next write goes: the end of the active segment, past the writes in flight. */
  private get nextWritePosition(): number {
    const last = this.inFlight[this.inFlight.length - 1];
    return last === undefined ? this.active.sizeBytes : last.endPosition;
  }

  /** The offset the next write's first record gets. */
  private get nextAssignedOffset(): number {
    const last = this.inFlight[this.inFlight.length - 1];
    return last === undefined ? this.logEndOffsetValue : last.endOffset;
  }

  /**
   * The queued appends that fit the active segment together after the writes in flight, up to
   * about `targetBytes` and the per-write limits. Empty when the next one does not fit, or
   * segment.ms has passed: the writer then rolls once nothing is in flight. Into an empty segment
   * the first append always goes.
   */
  private takeGroup(targetBytes: number): PendingAppend[] {
    const active = this.active;
    const startPosition = this.nextWritePosition;
    if (startPosition > 0 && this.nowMs() - this.activeSegmentStartMs > this.config.segmentMs) return [];
    let position = startPosition;
    let nextOffset = this.nextAssignedOffset;
    let count = 0;
    for (const append of this.pending) {
      const sizeBytes = append.batch.length;
      const lastOffset = nextOffset + append.recordCount - 1;
      const groupBytes = position - startPosition;
      const fitsWrite = count < MAX_BATCHES_PER_WRITE && groupBytes < targetBytes && groupBytes + sizeBytes <= MAX_BYTES_PER_WRITE;
      const fits = fitsWrite && active.canAppendAt(position, this.inFlightBatches + count, sizeBytes, lastOffset, this.config.segmentBytes);
      if (!fits && !(count === 0 && startPosition === 0)) break;
      position += sizeBytes;
      nextOffset = lastOffset + 1;
      count++;
    }
    const group = this.pending.splice(0, count);
    this.pendingBytes -= position - startPosition;
    return group;
  }

  /** Gives the group its offsets and starts writing it after the writes in flight. */
  private startWrite(group: PendingAppend[]): void {
    const segment = this.active;
    const startPosition = this.nextWritePosition;
    if (startPosition === 0) this.activeSegmentStartMs = this.nowMs();
    let offset = this.nextAssignedOffset;
    const buffers: Buffer[] = [];
    const batches: Omit<BatchLocation, 'position'>[] = [];
    for (const append of group) {
      writeBaseOffset(append.batch, 0, offset);
      const lastOffset = offset + append.recordCount - 1;
      batches.push({ sizeBytes: append.batch.length, baseOffset: offset, lastOffset, maxTimestamp: append.maxTimestamp });
      buffers.push(append.batch);
      offset = lastOffset + 1;
    }
    const endPosition = batches.reduce((position, batch) => position + batch.sizeBytes, startPosition);
    const outcome = segment.writeAt(buffers, startPosition).then(
      () => WRITTEN,
      (error: unknown): WriteOutcome => ({ failed: true, error }),
    );
    this.inFlight.push({ segment, group, batches, startPosition, endPosition, endOffset: offset, outcome });
    this.inFlightBatches += group.length;
  }

  /** Waits for the oldest write; takes its batches in (readable, appends resolved), or handles its failure. */
  private async completeOldestWrite(): Promise<void> {
    const write = this.inFlight[0]!;
    const outcome = await write.outcome;
    if (outcome.failed) {
      await this.abandonWrites(outcome.error);
      return;
    }
    this.inFlight.shift();
    this.inFlightBatches -= write.group.length;
    assert(write.segment === this.active, 'writes in flight go to the active segment');
    write.segment.noteWritten(write.batches, write.startPosition);
    this.logEndOffsetValue = write.endOffset;
    // The next writes start before this group's appends resolve: the pool copies them while the
    // producers' next appends are validated.
    if (this.mayStartWrites()) this.startWrites(0);
    this.resolveGroup(write);
    await write.segment.persistIndexesIfDue();
  }

  private resolveGroup(write: WriteInFlight): void {
    const appendTimeMs = this.nowMs();
    const logStartOffset = this.logStartOffsetValue;
    const resolveAll = () => {
      write.group.forEach((append, index) => {
        const batch = write.batches[index]!;
        this.pendingBuffers.delete(append.batch);
        append.resolve({ baseOffset: batch.baseOffset, lastOffset: batch.lastOffset, appendTimeMs, logStartOffset });
      });
    };
    this.scheduleTimedFlush();
    if (this.logEndOffsetValue - this.recoveryPoint < this.config.flushMessages) {
      resolveAll();
      return;
    }
    this.flush().then(resolveAll, (error: unknown) => this.failAppends(write.group, error));
  }

  /**
   * The oldest write in flight failed. Waits for the others (they may have landed past it), cuts the
   * file back to where the failed one began, and fails every append in flight or queued: written
   * now, any of them would land before the failed batch's retry. If the cut fails, the log goes offline.
   */
  private async abandonWrites(error: unknown): Promise<void> {
    const abandoned = this.inFlight.splice(0);
    this.inFlightBatches = 0;
    const first = abandoned[0]!;
    let failure = storageFailure(`append to ${first.segment.logPath}`, error);
    await Promise.all(abandoned.map((write) => write.outcome));
    let cutFailed = false;
    try {
      await first.segment.cutBackTo(first.startPosition);
    } catch (cutError) {
      failure = storageFailure(`append to ${first.segment.logPath}`, cutError);
      cutFailed = true;
    }
    const failed = [...abandoned.flatMap((write) => write.group), ...this.takeAllPending()];
    if (cutFailed) this.goOffline(failure);
    this.failAppends(failed, failure);
  }

  private takeAllPending(): PendingAppend[] {
    this.pendingBytes = 0;
    return this.pending.splice(0);
  }

  private rejectPending(error: unknown): void {
    this.failAppends(this.takeAllPending(), error);
  }

  /** Fails appends in queue order: every onFailed hook runs before any promise rejects. */
  private failAppends(appends: readonly PendingAppend[], error: unknown): void {
    for (const append of appends) append.onFailed?.();
    for (const append of appends) {
      this.pendingBuffers.delete(append.batch);
      append.reject(error);
    }
  }

  /** Seals the active segment (fsynced) and starts a new one at the log end offset. */
  private async rollSegment(): Promise<void> {
    const sealed = this.active;
    if (sealed.isEmpty) return;
    try {
      await sealed.seal();
      const next = await Segment.create(this.directory, this.logEndOffsetValue, segmentConfigOf(this.config), this.io);
      await this.io.syncDirectory(this.directory);
      this.segments.push(next);
      this.activeSegmentStartMs = this.nowMs();
      // Every segment before the new one is sealed, and sealing fsyncs.
      this.groupCommit.syncedUpTo(next.baseOffset);
    } catch (error) {
      throw this.goOffline(storageFailure(`roll of ${sealed.logPath}`, error));
    }
  }

  /** Starts a new segment now (rolls otherwise happen on size, age or a full index). */
  roll(): Promise<void> {
    return this.queue.run(async () => {
      this.checkWritable();
      await this.rollSegment();
    });
  }

  // ---- flush ------------------------------------------------------------------------------

  /** Resolves when every append that completed before the call is on disk (group commit). */
  flush(): Promise<void> {
    if (this.offlineError !== null) return Promise.reject(this.offlineRefusal());
    return this.groupCommit.flush();
  }

  private scheduleTimedFlush(): void {
    if (this.flushTimer !== null || this.config.flushMs === Infinity) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      this.flush().catch(() => undefined); // a failure takes the log offline; appends report it
    }, this.config.flushMs);
    this.flushTimer.unref();
  }

  /** Fail-stop: after a failed fsync the page cache may have dropped our data; refuse to go on. */
  private goOffline(error: StorageError): StorageError {
    if (this.offlineError === null) {
      this.offlineError = error;
      this.onEvent({ type: 'log-offline', directory: this.directory, error: error.message });
      const refusal = this.offlineRefusal();
      this.groupCommit.fail(refusal);
      this.rejectPending(refusal);
    }
    return this.offlineRefusal();
  }

  // ---- read -------------------------------------------------------------------------------

  private checkOffset(offset: number): void {
    if (!Number.isSafeInteger(offset) || offset < this.logStartOffsetValue || offset > this.logEndOffsetValue) {
      throw new StorageError('OFFSET_OUT_OF_RANGE', `offset ${offset} is outside the log [${this.logStartOffsetValue}, ${this.logEndOffsetValue}] of ${this.directory}`);
    }
  }

  /**
   * An offline log serves no reads: after a failed fsync its unflushed tail may not be what is on
   * disk (the kernel may have dropped those pages), and a record a producer was told failed must
   * not reach a consumer. Kafka answers reads of an offline log directory the same way.
   */
  private checkReadable(): void {
    if (this.offlineError !== null) throw this.offlineRefusal();
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
    this.checkReadable();
    return this.withSegments(() => this.readOnce(offset, maxBytes));
  }

  private async readOnce(offset: number, maxBytes: number): Promise<Buffer> {
    this.checkOffset(offset);
    const endOffset = this.logEndOffsetValue;
    if (offset === endOffset) return Buffer.alloc(0);
    const segments = this.segments;
    // Compaction may leave a segment holding only empty batches: such a result goes on into the
    // next segment, so a reader gets records when there are any (kafkajs takes a fetch without a
    // record for "caught up" and jumps to the high watermark).
    const empties: Buffer[] = [];
    for (let index = this.segmentIndexFor(offset); index < segments.length; index++) {
      const bytes = await segments[index]!.read(offset, Math.max(maxBytes, BATCH_HEADER_BYTES));
      if (bytes === null) continue;
      const below = batchesBelow(bytes, endOffset);
      if (below.length === 0 || holdsRecords(below)) return empties.length === 0 ? below : Buffer.concat([...empties, below]);
      empties.push(below);
      offset = endOffsetOf(below);
      if (offset >= endOffset) break;
    }
    return Buffer.concat(empties);
  }

  /** The first record whose timestamp is ≥ `timestampMs`, or null if none is. */
  async offsetForTimestamp(timestampMs: number): Promise<{ offset: number; timestamp: number } | null> {
    this.checkReadable();
    return this.withSegments(() => this.offsetForTimestampOnce(timestampMs));
  }

  private async offsetForTimestampOnce(timestampMs: number): Promise<{ offset: number; timestamp: number } | null> {
    for (const segment of [...this.segments]) {
      if (segment !== this.active && (await segment.largestTimestamp()) < timestampMs) continue;
      const found = await segment.findOffsetByTimestamp(timestampMs);
      if (found !== null) return { offset: Math.max(found.offset, this.logStartOffsetValue), timestamp: found.timestamp };
    }
    return null;
  }

  /**
   * Runs a read over the segments. If it fails while a compaction swap replaced segments under
   * it (their files closed or gone), it runs again on the new ones; other failures are thrown.
   */
  private async withSegments<T>(read: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const generation = this.segmentsGeneration;
      this.readsInFlight++;
      try {
        return await read();
      } catch (error) {
        if (generation === this.segmentsGeneration || attempt >= MAX_READ_ATTEMPTS) throw error;
      } finally {
        this.readsInFlight--;
        await this.closeRetiredIfIdle();
      }
    }
  }

  private async closeRetiredIfIdle(): Promise<void> {
    if (this.readsInFlight > 0 || this.retired.length === 0) return;
    const retired = this.retired;
    this.retired = [];
    for (const segment of retired) await segment.retire().catch(() => undefined); // closing only
  }

  // ---- compaction (./cleaner/) ------------------------------------------------------------

  /** Every offset below this has been compacted at least once. */
  get firstDirtyOffset(): number {
    return Math.max(this.firstDirtyOffsetValue, this.logStartOffsetValue);
  }

  /** Index settings of this log's segments (the cleaner opens segments with them). */
  get segmentConfig(): SegmentConfig {
    return segmentConfigOf(this.config);
  }

  /** Every segment as it is now, oldest first; the last is the active one (never compacted). */
  segmentsSnapshot(): readonly Segment[] {
    return [...this.segments];
  }

  /** Share of the sealed bytes not yet compacted (0 when nothing is sealed). */
  dirtyRatio(): number {
    const sealed = this.segments.slice(0, -1);
    let cleanBytes = 0;
    let totalBytes = 0;
    for (let index = 0; index < sealed.length; index++) {
      const segment = sealed[index]!;
      totalBytes += segment.sizeBytes;
      if (this.segments[index + 1]!.baseOffset <= this.firstDirtyOffset) cleanBytes += segment.sizeBytes;
    }
    return totalBytes === 0 ? 0 : (totalBytes - cleanBytes) / totalBytes;
  }

  /** Notes that every offset below `offset` has now been compacted. */
  markCleanedUpTo(offset: number): void {
    this.firstDirtyOffsetValue = Math.max(this.firstDirtyOffsetValue, Math.min(offset, this.logEndOffsetValue));
  }

  /**
   * Swaps in the cleaned copy of `replaced` (consecutive sealed segments; the cleaner wrote and
   * fsynced `cleanedPathOf(directory, replaced[0].baseOffset, endOffset)`, where `endOffset` is the
   * base offset of the segment after them). Returns false, and leaves the log as it was, if those
   * segments are no longer all there (retention or truncation got to them first): the caller then
   * deletes its cleaned file.
   */
  swapInCleaned(replaced: readonly Segment[], endOffset: number, hook?: SwapHook): Promise<boolean> {
    return this.queue.run(async () => {
      this.checkWritable();
      const first = this.segments.indexOf(replaced[0]!);
      const stillThere = first >= 0 && replaced.every((segment, index) => this.segments[first + index] === segment);
      const next = this.segments[first + replaced.length];
      if (!stillThere || next === undefined || next.baseOffset !== endOffset) return false;
      const baseOffset = replaced[0]!.baseOffset;
      try {
        await swapIn(this.io, this.directory, baseOffset, endOffset, hook);
        const cleaned = await Segment.openSealed(this.directory, baseOffset, segmentConfigOf(this.config), this.io);
        this.segments = [...this.segments.slice(0, first), cleaned, ...this.segments.slice(first + replaced.length)];
      } catch (error) {
        // The files may be half swapped: recovery must finish the swap before the log is used again.
        throw this.goOffline(storageFailure(`compaction swap in ${this.directory}`, error));
      }
      this.segmentsGeneration++;
      this.retired.push(...replaced);
      await this.closeRetiredIfIdle();
      this.onEvent({
        type: 'segments-cleaned',
        directory: this.directory,
        baseOffset,
        replacedSegments: replaced.length,
        bytesBefore: replaced.reduce((sum, segment) => sum + segment.sizeBytes, 0),
        bytesAfter: this.segments[first]!.sizeBytes,
      });
      return true;
    });
  }

  // ---- truncation, retention --------------------------------------------------------------

  /**
   * Removes every batch holding an offset ≥ `offset` (the batch holding `offset` goes whole) and
   * returns the new log end offset. fsynced, so truncated records cannot come back after a crash.
   */
  truncateTo(offset: number): Promise<number> {
    return this.queue.run(async () => {
      this.checkWritable();
      if (offset >= this.logEndOffsetValue) return this.logEndOffsetValue;
      if (offset < this.logStartOffsetValue) throw new StorageError('OFFSET_OUT_OF_RANGE', `cannot truncate to ${offset}, below the log start ${this.logStartOffsetValue}`);
      for (const segment of this.segments.splice(this.segmentIndexFor(offset) + 1)) await this.removeSegment(segment, 'truncation');
      if (!this.active.isWritable) this.segments.push(await this.segments.pop()!.reactivate());
      this.logEndOffsetValue = (await this.active.truncateTo(offset)) ?? this.active.nextOffset;
      this.firstDirtyOffsetValue = Math.min(this.firstDirtyOffsetValue, this.logEndOffsetValue);
      await this.active.datasync();
      this.groupCommit.truncatedTo(this.logEndOffsetValue);
      return this.logEndOffsetValue;
    });
  }

  /** Advances the log start offset (Kafka DeleteRecords) and deletes segments wholly below it. */
  deleteRecordsBefore(offset: number): Promise<number> {
    return this.queue.run(async () => {
      this.checkWritable();
      if (!Number.isSafeInteger(offset) || offset < this.logStartOffsetValue || offset > this.logEndOffsetValue) {
        throw new StorageError('OFFSET_OUT_OF_RANGE', `cannot delete records before ${offset}: outside [${this.logStartOffsetValue}, ${this.logEndOffsetValue}]`);
      }
      this.logStartOffsetValue = offset;
      await this.deleteOldestWhile((_segment, next) => next.baseOffset <= offset, 'log-start-offset');
      return this.logStartOffsetValue;
    });
  }

  /** Deletes sealed segments past retention.ms or beyond retention.bytes, oldest first. */
  enforceRetention(nowMs = this.nowMs()): Promise<{ segmentsDeleted: number; bytesDeleted: number }> {
    return this.queue.run(async () => {
      this.checkWritable();
      const sizeBefore = this.sizeBytes;
      const countBefore = this.segments.length;
      if (this.config.retentionMs >= 0) {
        const cutoffMs = nowMs - this.config.retentionMs;
        await this.deleteOldestWhile(async (segment) => (await segment.largestTimestamp()) < cutoffMs, 'retention-time');
      }
      if (this.config.retentionBytes >= 0) {
        let excessBytes = this.sizeBytes - this.config.retentionBytes;
        await this.deleteOldestWhile((segment) => {
          if (segment.sizeBytes > excessBytes) return false;
          excessBytes -= segment.sizeBytes;
          return true;
        }, 'retention-size');
      }
      return { segmentsDeleted: countBefore - this.segments.length, bytesDeleted: sizeBefore - this.sizeBytes };
    });
  }

  /** Deletes the oldest sealed segments while `shouldDelete` holds; the log start follows. */
  private async deleteOldestWhile(shouldDelete: (segment: Segment, next: Segment) => boolean | Promise<boolean>, reason: DeletionReason): Promise<void> {
    let deleted = 0;
    while (this.segments.length > 1 && (await shouldDelete(this.segments[0]!, this.segments[1]!))) {
      await this.removeSegment(this.segments.shift()!, reason);
      deleted++;
    }
    this.logStartOffsetValue = Math.max(this.logStartOffsetValue, this.segments[0]!.baseOffset);
    if (deleted > 0) await this.io.syncDirectory(this.directory);
  }

  private async removeSegment(segment: Segment, reason: DeletionReason): Promise<void> {
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
    for (const segment of this.retired.splice(0)) await segment.retire();
  }
}

function segmentConfigOf(config: LogConfig): SegmentConfig {
  return { maxIndexBytes: config.segmentIndexBytes, indexIntervalBytes: config.indexIntervalBytes };
}

/** The whole batches of `bytes` whose base offset is below `endOffset` (written before a read began). */
function batchesBelow(bytes: Buffer, endOffset: number): Buffer {
  let position = 0;
  while (position < bytes.length && baseOffsetAt(bytes, position) < endOffset) position += batchSizeAt(bytes, position);
  return bytes.subarray(0, position);
}

/** Whether any batch in `bytes` (whole batches) has a record. */
function holdsRecords(bytes: Buffer): boolean {
  for (let position = 0; position < bytes.length; position += batchSizeAt(bytes, position)) {
    if (bytes.readInt32BE(position + Field.recordCount) > 0) return true;
  }
  return false;
}

/** The offset after the last batch in `bytes` (whole batches, at least one). */
function endOffsetOf(bytes: Buffer): number {
  let position = 0;
  let last = 0;
  while (position < bytes.length) {
    last = position;
    position += batchSizeAt(bytes, position);
  }
  return baseOffsetAt(bytes, last) + bytes.readInt32BE(last + Field.lastOffsetDelta) + 1;
}
