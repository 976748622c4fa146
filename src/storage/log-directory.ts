/**
 * A data directory: the partition logs of one broker, the files that make restarts fast, and the
 * lock that keeps a second broker out.
 *
 *   <data-dir>/.lock                              flock held while open (./dir-lock.ts)
 *   <data-dir>/clean-shutdown                     empty; present only after an orderly close
 *   <data-dir>/recovery-point-offset-checkpoint   per partition: offsets below are fsynced
 *   <data-dir>/log-start-offset-checkpoint        per partition: first offset still readable
 *   <data-dir>/cleaner-offset-checkpoint          per partition: offsets below were compacted
 *                                                 (./cleaner/; absent for never-compacted ones)
 *   <data-dir>/<topic>-<partition>/               one PartitionLog (./partition-log.ts)
 *   <data-dir>/<topic>-<partition>.<id>-delete/   a partition being deleted (removed on open)
 *
 * Opening removes the clean-shutdown marker (so a crash from then on is seen as one); closing
 * closes every log, writes the checkpoints, then the marker. The checkpoints are also written
 * every `checkpointIntervalMs` so recovery after a crash scans little.
 */

import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readCheckpoint, writeCheckpoint } from './checkpoint-file.js';
import { DirLock } from './dir-lock.js';
import { nodeFileIO, type FileIO } from './file-io.js';
import type { LogConfig } from './log-config.js';
import { PartitionLog, type LogEvent } from './partition-log.js';
import { SerialQueue } from './serial-queue.js';
import { StorageError } from './storage-error.js';

export const CLEAN_SHUTDOWN_FILE = 'clean-shutdown';
export const RECOVERY_POINT_FILE = 'recovery-point-offset-checkpoint';
export const LOG_START_FILE = 'log-start-offset-checkpoint';
export const CLEANER_OFFSET_FILE = 'cleaner-offset-checkpoint';
const PARTITION_DIRECTORY = /^[a-zA-Z0-9._-]+-\d+$/;
const DELETED_DIRECTORY = /-delete$/;

export interface LogDirectoryOptions {
  io?: FileIO;
  /** Defaults for every partition log opened here. */
  config?: Partial<LogConfig>;
  checkpointIntervalMs?: number;
  nowMs?: () => number;
  onEvent?: (event: LogEvent) => void;
}

export class LogDirectory {
  private readonly logs = new Map<string, PartitionLog>();
  private checkpointTimer: NodeJS.Timeout | null = null;
  /** Checkpoint writes share one temp file: they run one at a time. */
  private readonly checkpoints = new SerialQueue();
  /** After an unclean shutdown: partitions not recovered yet (the marker waits for them all). */
  private readonly unrecovered = new Set<string>();
  private closed = false;

  private constructor(
    readonly path: string,
    /** Whether the previous broker on this directory closed it in order. */
    readonly cleanShutdown: boolean,
    private readonly lock: DirLock,
    private readonly recoveryPoints: Map<string, number>,
    private readonly logStartOffsets: Map<string, number>,
    private readonly cleanerOffsets: Map<string, number>,
    private readonly options: LogDirectoryOptions,
    private readonly io: FileIO,
  ) {}

  static async open(path: string, options: LogDirectoryOptions = {}): Promise<LogDirectory> {
    const io = options.io ?? nodeFileIO;
    await mkdir(path, { recursive: true });
    const lock = DirLock.acquire(path);
    try {
      const markerPath = join(path, CLEAN_SHUTDOWN_FILE);
      const cleanShutdown = await io.exists(markerPath);
      if (cleanShutdown) {
        await io.remove(markerPath);
        await io.syncDirectory(path);
      }
      await LogDirectory.removeDeletedPartitions(io, path);
      const recoveryPoints = await readCheckpoint(io, join(path, RECOVERY_POINT_FILE));
      const logStartOffsets = await readCheckpoint(io, join(path, LOG_START_FILE));
      const cleanerOffsets = await readCheckpoint(io, join(path, CLEANER_OFFSET_FILE));
      const directory = new LogDirectory(path, cleanShutdown, lock, recoveryPoints, logStartOffsets, cleanerOffsets, options, io);
      if (!cleanShutdown) for (const name of await directory.partitionNames()) directory.unrecovered.add(name);
      directory.startCheckpointTimer();
      return directory;
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  private static async removeDeletedPartitions(io: FileIO, path: string): Promise<void> {
    for (const name of await io.readdir(path)) if (DELETED_DIRECTORY.test(name)) await io.remove(join(path, name));
  }

  private startCheckpointTimer(): void {
    const intervalMs = this.options.checkpointIntervalMs ?? 60_000;
    if (intervalMs === Infinity) return;
    this.checkpointTimer = setInterval(() => {
      this.checkpoint().catch(() => undefined); // a failing disk shows up in appends and flushes
    }, intervalMs);
    this.checkpointTimer.unref();
  }

  private checkName(name: string): void {
    if (!PARTITION_DIRECTORY.test(name) || name.startsWith('.')) {
      throw new StorageError('INVALID_ARGUMENT', `partition directory name ${JSON.stringify(name)} must look like <topic>-<partition> ([a-zA-Z0-9._-])`);
    }
  }

  /** Names (`<topic>-<partition>`) of the partition directories present. */
  async partitionNames(): Promise<string[]> {
    const names = await this.io.readdir(this.path);
    return names.filter((name) => PARTITION_DIRECTORY.test(name) && !name.startsWith('.')).sort();
  }

  /** Opens (recovering if needed) or returns the already open log of partition `name`. */
  async openPartition(name: string, config: Partial<LogConfig> = {}): Promise<PartitionLog> {
    if (this.closed) throw new StorageError('LOG_CLOSED', `data directory ${this.path} is closed`);
    this.checkName(name);
    const open = this.logs.get(name);
    if (open !== undefined) return open;
    const log = await PartitionLog.open(join(this.path, name), {
      config: { ...this.options.config, ...config },
      io: this.io,
      cleanShutdown: this.cleanShutdown,
      recoveryPoint: this.recoveryPoints.get(name) ?? 0,
      ...(this.logStartOffsets.has(name) ? { logStartOffset: this.logStartOffsets.get(name)! } : {}),
      ...(this.cleanerOffsets.has(name) ? { firstDirtyOffset: this.cleanerOffsets.get(name)! } : {}),
      ...(this.options.nowMs ? { nowMs: this.options.nowMs } : {}),
      ...(this.options.onEvent ? { onEvent: this.options.onEvent } : {}),
    });
    this.logs.set(name, log);
    this.unrecovered.delete(name);
    return log;
  }

  partition(name: string): PartitionLog | undefined {
    return this.logs.get(name);
  }

  /**
   * Deletes a partition: closed, renamed aside (`<name>.<id>-delete`, so a crash never leaves it
   * half there under its own name), then removed.
   */
  async deletePartition(name: string): Promise<void> {
    this.checkName(name);
    const log = this.logs.get(name);
    this.logs.delete(name);
    if (log !== undefined) await log.close();
    this.recoveryPoints.delete(name);
    this.logStartOffsets.delete(name);
    this.cleanerOffsets.delete(name);
    this.unrecovered.delete(name);
    const source = join(this.path, name);
    if (!(await this.io.exists(source))) return;
    const aside = join(this.path, `${name}.${randomUUID().replaceAll('-', '')}-delete`);
    await this.io.rename(source, aside);
    await this.io.syncDirectory(this.path);
    await this.io.remove(aside);
  }

  /** Writes the recovery-point, log-start and cleaner checkpoints of every partition (one write at a time). */
  checkpoint(): Promise<void> {
    return this.checkpoints.run(async () => {
      for (const [name, log] of this.logs) {
        this.recoveryPoints.set(name, log.recoveryPoint);
        this.logStartOffsets.set(name, log.logStartOffset);
        this.cleanerOffsets.set(name, log.firstDirtyOffset);
      }
      await writeCheckpoint(this.io, join(this.path, RECOVERY_POINT_FILE), this.recoveryPoints);
      await writeCheckpoint(this.io, join(this.path, LOG_START_FILE), this.logStartOffsets);
      await writeCheckpoint(this.io, join(this.path, CLEANER_OFFSET_FILE), this.cleanerOffsets);
    });
  }

  /** Closes every log, writes the checkpoints and the clean-shutdown marker, releases the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.checkpointTimer !== null) clearInterval(this.checkpointTimer);
    try {
      let allClean = true;
      for (const log of this.logs.values()) {
        await log.close();
        if (log.isOffline) allClean = false;
      }
      await this.checkpoint();
      // A partition left unrecovered since a crash must still be scanned next time: no marker then.
      if (allClean && this.unrecovered.size === 0) await this.writeCleanShutdownMarker();
    } finally {
      this.lock.release();
    }
  }

  private async writeCleanShutdownMarker(): Promise<void> {
    const marker = await this.io.open(join(this.path, CLEAN_SHUTDOWN_FILE), { create: true });
    await marker.datasync();
    await marker.close();
    await this.io.syncDirectory(this.path);
  }
}
