/**
 * A FileIO for tests that wraps the real one (real files) and can
 * - fail the next write / datasync / truncate / open with an errno (ENOSPC, EIO, …), optionally only
 *   for paths containing a given text, or only after letting a few such calls through;
 * - "crash": forget every write not yet covered by a datasync of its file, as a power loss would.
 *
 * Crash model: each file (by path, whichever handle wrote it) keeps an undo log of the mutations
 * (writes, truncations) since its last successful datasync through any handle. `crash()` keeps a
 * random prefix of them, tears the next one (keeps a random prefix of its bytes) and undoes the
 * rest, restoring the old bytes and size. Writes and truncations of one file run one at a time, in
 * call order (the partition log keeps several writes in flight), so that the undo log is the order
 * the file went through. Directory operations (create, rename, delete) count as
 * durable at once: Strata fsyncs directories after them anyway.
 * After a crash every file of this FileIO refuses further calls; open the log again with a new one.
 */

import type { FileIO, StorageFile } from './file-io.js';
import { nodeFileIO } from './file-io.js';

export type FaultOperation = 'write' | 'datasync' | 'truncate' | 'open';

interface Fault {
  operation: FaultOperation;
  errno: string;
  pathIncludes: string;
  remaining: number;
  /** Matching calls still let through before the fault fires. */
  skip: number;
  /** For writes: bytes that do reach the file before the error (a partial write). */
  afterBytes: number;
}

interface Mutation {
  position: number;
  /** Bytes at [position, position + oldBytes.length) before the mutation. */
  oldBytes: Buffer;
  oldSizeBytes: number;
  /** What a write put at `position` (empty for a truncation). */
  newBytes: Buffer;
}

export function errnoError(errno: string, syscall: string, path: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`${errno}: injected fault, ${syscall} '${path}'`);
  error.code = errno;
  error.syscall = syscall;
  error.path = path;
  return error;
}

class FaultInjectingFile implements StorageFile {
  constructor(
    private readonly io: FaultInjectingFileIO,
    private readonly inner: StorageFile,
  ) {}

  get path(): string {
    return this.inner.path;
  }

  write(buffers: readonly Buffer[], position: number): Promise<void> {
    const fault = this.io.takeFault('write', this.path);
    return this.io.serialized(this.path, async () => {
      if (fault !== null) {
        if (fault.afterBytes > 0) await this.recordAndWrite([Buffer.concat(buffers).subarray(0, fault.afterBytes)], position);
        throw errnoError(fault.errno, 'write', this.path);
      }
      await this.recordAndWrite(buffers, position);
    });
  }

  private async recordAndWrite(buffers: readonly Buffer[], position: number): Promise<void> {
    const newBytes = Buffer.concat(buffers);
    const oldSizeBytes = await this.inner.sizeBytes();
    const oldBytes = Buffer.alloc(Math.max(0, Math.min(newBytes.length, oldSizeBytes - position)));
    await this.inner.read(oldBytes, 0, oldBytes.length, position);
    this.io.unsyncedOf(this.path).push({ position, oldBytes, oldSizeBytes, newBytes });
    await this.inner.write(buffers, position);
  }

  read(target: Buffer, targetOffset: number, length: number, position: number): Promise<number> {
    this.io.check('read', this.path);
    return this.inner.read(target, targetOffset, length, position);
  }

  async datasync(): Promise<void> {
    this.io.check('datasync', this.path);
    await this.inner.datasync();
    this.io.synced(this.path);
  }

  truncate(sizeBytes: number): Promise<void> {
    this.io.check('truncate', this.path);
    return this.io.serialized(this.path, async () => {
      const oldSizeBytes = await this.inner.sizeBytes();
      const oldBytes = Buffer.alloc(Math.max(0, oldSizeBytes - sizeBytes));
      await this.inner.read(oldBytes, 0, oldBytes.length, sizeBytes);
      this.io.unsyncedOf(this.path).push({ position: sizeBytes, oldBytes, oldSizeBytes, newBytes: Buffer.alloc(0) });
      await this.inner.truncate(sizeBytes);
    });
  }

  sizeBytes(): Promise<number> {
    this.io.check('stat', this.path);
    return this.inner.sizeBytes();
  }

  async close(): Promise<void> {
    this.io.closed(this);
    await this.inner.close();
  }
}

/** Undoes `unsynced` past a random point of `file`, tearing the first mutation undone. */
async function loseUnsynced(file: StorageFile, unsynced: readonly Mutation[], random: () => number): Promise<void> {
  const kept = Math.floor(random() * (unsynced.length + 1));
  for (let index = unsynced.length - 1; index >= kept; index--) {
    const mutation = unsynced[index]!;
    await file.write([mutation.oldBytes], mutation.position);
    await file.truncate(mutation.oldSizeBytes);
  }
  const torn = unsynced[kept];
  if (torn !== undefined && torn.newBytes.length > 0) {
    const tornBytes = Math.floor(random() * torn.newBytes.length);
    await file.write([torn.newBytes.subarray(0, tornBytes)], torn.position);
  }
}

export class FaultInjectingFileIO implements FileIO {
  private readonly faults: Fault[] = [];
  private readonly openFiles = new Set<FaultInjectingFile>();
  private readonly unsyncedByPath = new Map<string, Mutation[]>();
  /** Per file: the last mutation queued, which the next one waits for. */
  private readonly mutationTails = new Map<string, Promise<unknown>>();
  private crashed = false;

  constructor(private readonly inner: FileIO = nodeFileIO) {}

  /**
   * Makes the next `count` calls of `operation` (on paths containing `pathIncludes`) fail with
   * `errno`, after letting `skip` such calls through.
   */
  failNext(operation: FaultOperation, errno: string, options: { pathIncludes?: string; count?: number; skip?: number; afterBytes?: number } = {}): void {
    this.faults.push({ operation, errno, pathIncludes: options.pathIncludes ?? '', remaining: options.count ?? 1, skip: options.skip ?? 0, afterBytes: options.afterBytes ?? 0 });
  }

  /** Whether an armed fault has not fired yet. */
  get hasArmedFaults(): boolean {
    return this.faults.length > 0;
  }

  /** Runs `mutation` of `path` after the ones queued before it. */
  serialized<T>(path: string, mutation: () => Promise<T>): Promise<T> {
    const result = (this.mutationTails.get(path) ?? Promise.resolve()).then(mutation);
    this.mutationTails.set(path, result.catch(() => undefined));
    return result;
  }

  /** Removes every armed fault (the disk "has space again"). */
  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Simulates power loss: every file loses a random part of what was not datasynced. */
  async crash(random: () => number = Math.random): Promise<void> {
    this.crashed = true;
    for (const file of this.openFiles) await file.close();
    for (const [path, unsynced] of this.unsyncedByPath) {
      if (unsynced.length === 0 || !(await this.inner.exists(path))) continue;
      const file = await this.inner.open(path, { create: false });
      await loseUnsynced(file, unsynced, random);
      await file.close();
    }
    this.unsyncedByPath.clear();
  }

  /** The undo log of `path`'s mutations since its last datasync. */
  unsyncedOf(path: string): Mutation[] {
    let unsynced = this.unsyncedByPath.get(path);
    if (unsynced === undefined) this.unsyncedByPath.set(path, (unsynced = []));
    return unsynced;
  }

  synced(path: string): void {
    this.unsyncedByPath.delete(path);
  }

  /** Throws the injected error if a fault is armed for this call (or after a crash). */
  check(operation: FaultOperation | 'read' | 'stat', path: string): void {
    const fault = this.takeFault(operation, path);
    if (fault !== null) throw errnoError(fault.errno, operation, path);
  }

  /** The armed fault for this call, consumed, or null; after a crash every call fails. */
  takeFault(operation: FaultOperation | 'read' | 'stat', path: string): Fault | null {
    if (this.crashed) return { operation: 'open', errno: 'EIO', pathIncludes: '', remaining: 0, skip: 0, afterBytes: 0 };
    const fault = this.faults.find((candidate) => candidate.operation === operation && path.includes(candidate.pathIncludes));
    if (fault === undefined) return null;
    if (fault.skip > 0) {
      fault.skip--;
      return null;
    }
    fault.remaining--;
    if (fault.remaining <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
    return fault;
  }

  closed(file: FaultInjectingFile): void {
    this.openFiles.delete(file);
  }

  async open(path: string, options: { create: boolean }): Promise<StorageFile> {
    this.check('open', path);
    const file = new FaultInjectingFile(this, await this.inner.open(path, options));
    this.openFiles.add(file);
    return file;
  }

  readdir(directory: string): Promise<string[]> {
    this.check('stat', directory);
    return this.inner.readdir(directory);
  }

  mkdir(directory: string): Promise<void> {
    this.check('stat', directory);
    return this.inner.mkdir(directory);
  }

  async rename(from: string, to: string): Promise<void> {
    this.check('stat', from);
    await this.inner.rename(from, to);
    this.moveUnsynced(from, to);
  }

  async remove(path: string): Promise<void> {
    this.check('stat', path);
    await this.inner.remove(path);
    this.moveUnsynced(path, null);
  }

  /** Keeps undo logs with their files when a file or directory is renamed or removed. */
  private moveUnsynced(from: string, to: string | null): void {
    for (const [path, unsynced] of [...this.unsyncedByPath]) {
      if (path !== from && !path.startsWith(`${from}/`)) continue;
      this.unsyncedByPath.delete(path);
      if (to !== null) this.unsyncedByPath.set(to + path.slice(from.length), unsynced);
    }
  }

  exists(path: string): Promise<boolean> {
    this.check('stat', path);
    return this.inner.exists(path);
  }

  readFile(path: string): Promise<Buffer> {
    this.check('stat', path);
    return this.inner.readFile(path);
  }

  fileSizeBytes(path: string): Promise<number> {
    this.check('stat', path);
    return this.inner.fileSizeBytes(path);
  }

  syncDirectory(directory: string): Promise<void> {
    this.check('datasync', directory);
    return this.inner.syncDirectory(directory);
  }
}
