/**
 * The thin file layer every storage byte passes through. Production code uses `nodeFileIO`
 * (node:fs/promises, all calls on the libuv pool, never blocking the event loop); tests swap in
 * `FaultInjectingFileIO` (./fault-injecting-file-io.ts) to fail writes and fsyncs or to "crash".
 *
 * Positions and lengths are in bytes. `write` writes all of its bytes or throws: it loops over the
 * short writes the OS may return.
 */

import { open, mkdir, readdir, rename, rm, stat, readFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { constants } from 'node:fs';

export interface StorageFile {
  readonly path: string;
  /** Writes every byte of `buffers`, in order, starting at `position`. */
  write(buffers: readonly Buffer[], position: number): Promise<void>;
  /** Reads up to `length` bytes at `position` into `target` at `targetOffset`; returns bytes read. */
  read(target: Buffer, targetOffset: number, length: number, position: number): Promise<number>;
  /** fdatasync: the file's data (and size) are durable when it resolves. */
  datasync(): Promise<void>;
  truncate(sizeBytes: number): Promise<void>;
  sizeBytes(): Promise<number>;
  close(): Promise<void>;
}

export interface FileIO {
  /** Opens for reading and writing, creating the file if `create` is set. */
  open(path: string, options: { create: boolean }): Promise<StorageFile>;
  readdir(directory: string): Promise<string[]>;
  mkdir(directory: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
  exists(path: string): Promise<boolean>;
  readFile(path: string): Promise<Buffer>;
  fileSizeBytes(path: string): Promise<number>;
  /** fsync of a directory, making renames, creations and deletions in it durable. */
  syncDirectory(directory: string): Promise<void>;
}

class NodeStorageFile implements StorageFile {
  constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly maxBytesPerWrite: number,
  ) {}

  async write(buffers: readonly Buffer[], position: number): Promise<void> {
    let pending = buffers.filter((buffer) => buffer.length > 0);
    while (pending.length > 0) {
      const { bytesWritten } = await this.handle.writev(takeFirstBytes(pending, this.maxBytesPerWrite), position);
      position += bytesWritten;
      pending = dropWritten(pending, bytesWritten);
    }
  }

  async read(target: Buffer, targetOffset: number, length: number, position: number): Promise<number> {
    let total = 0;
    while (total < length) {
      const { bytesRead } = await this.handle.read(target, targetOffset + total, length - total, position + total);
      if (bytesRead === 0) break;
      total += bytesRead;
    }
    return total;
  }

  datasync(): Promise<void> {
    return this.handle.datasync();
  }

  truncate(sizeBytes: number): Promise<void> {
    return this.handle.truncate(sizeBytes);
  }

  async sizeBytes(): Promise<number> {
    return (await this.handle.stat()).size;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** What is left of `buffers` after the first `bytesWritten` bytes went out. */
export function dropWritten(buffers: readonly Buffer[], bytesWritten: number): Buffer[] {
  const left: Buffer[] = [];
  for (const buffer of buffers) {
    if (bytesWritten >= buffer.length) {
      bytesWritten -= buffer.length;
      continue;
    }
    left.push(bytesWritten > 0 ? buffer.subarray(bytesWritten) : buffer);
    bytesWritten = 0;
  }
  return left;
}

/** The first `maxBytes` bytes of `buffers` (all of them when they are fewer). */
function takeFirstBytes(buffers: Buffer[], maxBytes: number): Buffer[] {
  if (maxBytes === Infinity) return buffers;
  const taken: Buffer[] = [];
  for (const buffer of buffers) {
    if (maxBytes <= 0) break;
    taken.push(buffer.length <= maxBytes ? buffer : buffer.subarray(0, maxBytes));
    maxBytes -= buffer.length;
  }
  return taken;
}

/**
 * The real file layer. `maxBytesPerWrite` caps each writev call, so tests can force the short
 * writes an OS may return and check that every byte still goes out.
 */
export function createNodeFileIO(options: { maxBytesPerWrite?: number } = {}): FileIO {
  const maxBytesPerWrite = options.maxBytesPerWrite ?? Infinity;
  return { ...nodeFileIOBase, open: async (path, openOptions) => new NodeStorageFile(path, await openFile(path, openOptions.create), maxBytesPerWrite) };
}

function openFile(path: string, create: boolean): Promise<FileHandle> {
  return open(path, constants.O_RDWR | (create ? constants.O_CREAT : 0), 0o644);
}

const nodeFileIOBase: Omit<FileIO, 'open'> = {
  readdir: (directory) => readdir(directory),
  mkdir: async (directory) => {
    await mkdir(directory, { recursive: true });
  },
  rename: (from, to) => rename(from, to),
  remove: (path) => rm(path, { force: true, recursive: true }),
  exists: async (path) => {
    try {
      await stat(path);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  },
  readFile: (path) => readFile(path),
  fileSizeBytes: async (path) => (await stat(path)).size,
  syncDirectory: async (directory) => {
    const handle = await open(directory, constants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
};

export const nodeFileIO: FileIO = createNodeFileIO();
