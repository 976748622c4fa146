/**
 * The background log cleaner of a data directory (Kafka's LogCleanerManager + one cleaner thread).
 * Nothing of its own on disk: it runs ./log-cleaner.ts passes over the logs it is given.
 *
 * Each round picks, among the open logs whose config says `compact` (and that are online), the one
 * with the highest dirty ratio (PartitionLog.dirtyRatio: share of the sealed bytes never cleaned)
 * at or above its min.cleanable.dirty.ratio, and runs one pass over it. When none qualifies it
 * sleeps `backoffMs`. One pass at a time, one key map of `mapBytes` reused by every pass (allocated
 * on first use). A log whose pass fails (corrupt data, a full disk) is reported through `onError`
 * and left alone until the broker restarts, as Kafka marks a partition uncleanable; a pass that
 * lost a segment to retention or truncation is simply tried again later. close() stops
 * the pass in progress between two chunks (nothing half-swapped) and waits for it.
 */

import type { FileIO } from '../file-io.js';
import type { PartitionLog } from '../partition-log.js';
import { SerialQueue } from '../serial-queue.js';
import { StorageError } from '../storage-error.js';
import { CleanerThread } from './cleaner-worker.js';
import { cleanLog, CleanerStoppedError, type CleanResult } from './log-cleaner.js';
import { OffsetMap } from './offset-map.js';

export interface CleanerManagerOptions {
  /** The logs that may be compacted (those whose config has `compact` are). */
  logs: () => Iterable<PartitionLog>;
  io: FileIO;
  /** Bytes of the key map (log.cleaner.dedupe.buffer.size). */
  mapBytes: number;
  /** Sleep when no log is dirty enough (log.cleaner.backoff.ms). */
  backoffMs: number;
  /** log.cleaner.io.max.bytes.per.second: read plus written bytes per second (≤ 0: no limit). */
  maxIoBytesPerSecond?: number;
  /**
   * Read and write in a worker thread (./cleaner-worker.ts) so the event loop stays with appends
   * and fetches; in-process when false or when the compiled worker is not available.
   */
  useWorker?: boolean;
  /** log.cleaner.thread.nice: added to the worker thread's nice value, 0–19 (default 0). */
  threadNice?: number;
  nowMs?: () => number;
  onPass?: (log: PartitionLog, result: CleanResult, durationMs: number) => void;
  onError?: (log: PartitionLog, error: unknown) => void;
}

export class CleanerManager {
  private map: OffsetMap | null = null;
  private thread: CleanerThread | null | undefined = undefined;
  private readonly uncleanable = new Set<PartitionLog>();
  private running: Promise<void> | null = null;
  private sleepTimer: NodeJS.Timeout | null = null;
  private wake: (() => void) | null = null;
  private stopping = false;
  /** Passes share the key map: one at a time. */
  private readonly passes = new SerialQueue();

  constructor(private readonly options: CleanerManagerOptions) {}

  /** Starts the background loop. */
  start(): void {
    if (this.running !== null || this.stopping) return;
    this.running = this.loop();
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      const cleaned = await this.cleanDirtiest();
      if (!cleaned && !this.stopping) await this.sleep(this.options.backoffMs);
    }
  }

  private sleep(durationMs: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.sleepTimer = setTimeout(resolve, durationMs);
      this.sleepTimer.unref();
    });
  }

  /** The compacted log with the highest dirty ratio at or above its threshold, or null. */
  dirtiest(): PartitionLog | null {
    let best: PartitionLog | null = null;
    let bestRatio = -1;
    for (const log of this.options.logs()) {
      if (!log.config.compact || log.isOffline || this.uncleanable.has(log)) continue;
      const ratio = log.dirtyRatio();
      if (ratio > 0 && ratio >= log.config.minCleanableDirtyRatio && ratio > bestRatio) {
        best = log;
        bestRatio = ratio;
      }
    }
    return best;
  }

  /** One pass over the dirtiest log, if any qualifies; true if a pass ran. */
  async cleanDirtiest(): Promise<boolean> {
    const log = this.dirtiest();
    if (log === null) return false;
    await this.clean(log);
    return true;
  }

  /** One pass over `log` now, whatever its dirty ratio (tests and admin use). Null if it failed or stopped. */
  clean(log: PartitionLog): Promise<CleanResult | null> {
    return this.passes.run(() => this.runPass(log));
  }

  private async runPass(log: PartitionLog): Promise<CleanResult | null> {
    if (this.stopping) return null;
    if (this.thread === undefined) this.thread = this.options.useWorker === true ? CleanerThread.start(this.options.threadNice ?? 0) : null;
    const thread = this.thread;
    // The worker has its own key map; this one is only allocated for in-process passes.
    const map = thread === null ? (this.map ??= new OffsetMap(this.options.mapBytes)) : new OffsetMap(32);
    const startMs = performance.now();
    try {
      const result = await cleanLog(log, {
        map,
        io: this.options.io,
        nowMs: (this.options.nowMs ?? Date.now)(),
        shouldStop: () => this.stopping,
        maxIoBytesPerSecond: this.options.maxIoBytesPerSecond ?? -1,
        ...(thread === null ? {} : { write: (compactable, settings) => thread.write(compactable, settings, log.segmentConfig, this.options.mapBytes) }),
      });
      this.options.onPass?.(log, result, performance.now() - startMs);
      return result;
    } catch (error) {
      if (error instanceof CleanerStoppedError) return null;
      // Retention or truncation removed a segment under the pass: nothing is wrong, try again later.
      if (isRemovedSegment(error)) return null;
      this.uncleanable.add(log);
      this.options.onError?.(log, error);
      return null;
    }
  }

  /** Bytes held by the key map (0 until the first pass). */
  get mapMemoryBytes(): number {
    return this.thread ? this.options.mapBytes : (this.map?.memoryBytes ?? 0);
  }

  /** Stops the loop, ending a pass in progress at its next chunk, and waits for it. */
  async close(): Promise<void> {
    this.stopping = true;
    this.thread?.stop();
    if (this.sleepTimer !== null) clearTimeout(this.sleepTimer);
    this.wake?.();
    await this.running;
    await this.passes.idle();
    await this.thread?.close();
    this.map = null;
  }
}

function isRemovedSegment(error: unknown): boolean {
  return (error instanceof StorageError && error.code === 'OFFSET_OUT_OF_RANGE') || (error as NodeJS.ErrnoException).code === 'ENOENT';
}
