/**
 * The cleaner's worker thread: runs writeCleanedSegments (reading sealed segments, building the
 * key map, writing `.cleaned` files) off the broker's event loop, so appends and fetches keep
 * their thread while a partition is cleaned. The swap into the log stays on the main thread
 * (PartitionLog.swapInCleaned). Nothing on disk of its own: the files are ./segment-swap.ts's.
 *
 * The worker does its file I/O synchronously on its own thread (./sync-file-io.ts), not on the
 * libuv pool the event loop's appends use, and first lowers its own CPU priority by
 * log.cleaner.thread.nice (./thread-priority.ts): when both want the CPU, the event loop wins and
 * the cleaner takes what is left. A stop request is a flag in shared memory, seen between chunks
 * even though the worker's event loop is busy with the pass.
 *
 * Messages: main → worker  { type: 'clean', id, request }
 *           worker → main  { id, cleaned } | { id, error: { name, message, code } }
 * `CleanerThread` is the main-thread side. The worker needs the compiled file next to this one
 * (dist/); when it is missing (tests run the TypeScript sources) the cleaner runs in-process.
 */

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Segment, type SegmentConfig } from '../segment.js';
import { StorageError, type StorageErrorCode } from '../storage-error.js';
import { CleanerStoppedError, writeCleanedSegments, type CleanedSegments, type CompactableSegment, type RewriteSettings } from './log-cleaner.js';
import { OffsetMap } from './offset-map.js';
import { syncFileIO } from './sync-file-io.js';
import { lowerThreadPriority } from './thread-priority.js';

interface CleanRequest {
  segments: { baseOffset: number; endOffset: number }[];
  settings: RewriteSettings;
  segmentConfig: SegmentConfig;
  mapBytes: number;
}

/** What the worker is started with. */
interface WorkerSettings {
  role: typeof WORKER_ROLE;
  /** log.cleaner.thread.nice: added to the worker thread's nice value (0: unchanged). */
  niceIncrement: number;
  /** One Int32: 1 once the main thread asked the pass in progress to stop. */
  stopFlag: SharedArrayBuffer;
}

type Reply = { id: number; cleaned: CleanedSegments } | { id: number; error: { name: string; message: string; code?: string } };

const WORKER_FILE = new URL('./cleaner-worker.js', import.meta.url);
/** Marks the worker started by CleanerThread (this module may be loaded by other workers too). */
const WORKER_ROLE = 'strata-cleaner';

/** Main-thread side: one worker, one request at a time (the manager runs one pass at a time). */
export class CleanerThread {
  private readonly worker: Worker;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (cleaned: CleanedSegments) => void; reject: (error: Error) => void }>();
  private readonly stopFlag = new Int32Array(new SharedArrayBuffer(4));

  private constructor(niceIncrement: number) {
    this.worker = new Worker(WORKER_FILE, { workerData: { role: WORKER_ROLE, niceIncrement, stopFlag: this.stopFlag.buffer } satisfies WorkerSettings });
    this.worker.unref();
    this.worker.on('message', (reply: Reply) => this.settle(reply));
    this.worker.on('error', (error) => this.failAll(error));
    this.worker.on('exit', () => this.failAll(new Error('the cleaner worker exited')));
  }

  /**
   * A worker thread whose nice value is `niceIncrement` (log.cleaner.thread.nice, 0–19) above the
   * starting thread's, or null when the compiled worker file is not there (running from sources).
   */
  static start(niceIncrement = 0): CleanerThread | null {
    return existsSync(fileURLToPath(WORKER_FILE)) ? new CleanerThread(niceIncrement) : null;
  }

  write(compactable: readonly CompactableSegment[], settings: RewriteSettings, segmentConfig: SegmentConfig, mapBytes: number): Promise<CleanedSegments> {
    const id = this.nextId++;
    const request: CleanRequest = { segments: compactable.map(({ segment, endOffset }) => ({ baseOffset: segment.baseOffset, endOffset })), settings, segmentConfig, mapBytes };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ type: 'clean', id, request });
    });
  }

  /** Asks the pass in progress to stop at its next chunk. */
  stop(): void {
    Atomics.store(this.stopFlag, 0, 1);
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
    this.failAll(new CleanerStoppedError('the cleaner worker was closed'));
  }

  private settle(reply: Reply): void {
    const waiter = this.pending.get(reply.id);
    if (waiter === undefined) return;
    this.pending.delete(reply.id);
    if ('cleaned' in reply) waiter.resolve(reply.cleaned);
    else waiter.reject(errorFrom(reply.error));
  }

  private failAll(error: Error): void {
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }
}

function errorFrom(error: { name: string; message: string; code?: string }): Error {
  if (error.name === 'CleanerStoppedError') return new CleanerStoppedError(error.message);
  if (error.name === 'StorageError' && error.code !== undefined) return new StorageError(error.code as StorageErrorCode, error.message);
  // An errno (ENOENT when retention removed a segment under the pass) keeps its code.
  return Object.assign(new Error(error.message), error.code === undefined ? {} : { code: error.code });
}

/** Worker side. */
function serveRequests(port: NonNullable<typeof parentPort>, settings: WorkerSettings): void {
  lowerThreadPriority(settings.niceIncrement);
  const stopFlag = new Int32Array(settings.stopFlag);
  const shouldStop = () => Atomics.load(stopFlag, 0) === 1;
  let map: OffsetMap | null = null;
  port.on('message', (message: { type: 'clean'; id: number; request: CleanRequest }) => {
    const { id, request } = message;
    if (map === null || map.memoryBytes !== request.mapBytes) map = new OffsetMap(request.mapBytes);
    clean(request, map, shouldStop).then(
      (cleaned) => port.postMessage({ id, cleaned } satisfies Reply),
      (error: unknown) => {
        const { name, message: text, code } = error as { name?: string; message?: string; code?: string };
        port.postMessage({ id, error: { name: name ?? 'Error', message: text ?? String(error), ...(code !== undefined ? { code } : {}) } } satisfies Reply);
      },
    );
  });
}

async function clean(request: CleanRequest, map: OffsetMap, shouldStop: () => boolean): Promise<CleanedSegments> {
  const { directory } = request.settings;
  const compactable = await Promise.all(
    request.segments.map(async ({ baseOffset, endOffset }) => ({ segment: await Segment.openSealed(directory, baseOffset, request.segmentConfig, syncFileIO), endOffset })),
  );
  try {
    return await writeCleanedSegments(compactable, request.settings, { map, io: syncFileIO, shouldStop });
  } finally {
    for (const { segment } of compactable) await segment.close(false).catch(() => undefined);
  }
}

if (!isMainThread && parentPort !== null && (workerData as Partial<WorkerSettings> | null)?.role === WORKER_ROLE) serveRequests(parentPort, workerData as WorkerSettings);
