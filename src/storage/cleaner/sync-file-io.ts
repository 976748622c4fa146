/**
 * A FileIO (../file-io.ts) whose every call runs synchronously on the calling thread (node:fs's
 * *Sync functions), for the cleaner's worker thread: its reads, writes and fsyncs then stay on
 * that thread, at its CPU priority (log.cleaner.thread.nice), instead of going to the libuv pool
 * that the event loop's appends use. Never use it on the event loop. No on-disk format of its own.
 * Like nodeFileIO, `write` writes all of its bytes or throws, looping over short writes.
 */

import { closeSync, constants, fdatasyncSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writevSync } from 'node:fs';
import { dropWritten, type FileIO, type StorageFile } from '../file-io.js';

class SyncStorageFile implements StorageFile {
  constructor(
    readonly path: string,
    private readonly fd: number,
  ) {}

  async write(buffers: readonly Buffer[], position: number): Promise<void> {
    let pending = buffers.filter((buffer) => buffer.length > 0);
    while (pending.length > 0) {
      const bytesWritten = writevSync(this.fd, pending, position);
      position += bytesWritten;
      pending = dropWritten(pending, bytesWritten);
    }
  }

  async read(target: Buffer, targetOffset: number, length: number, position: number): Promise<number> {
    let total = 0;
    while (total < length) {
      const bytesRead = readSync(this.fd, target, targetOffset + total, length - total, position + total);
      if (bytesRead === 0) break;
      total += bytesRead;
    }
    return total;
  }

  async datasync(): Promise<void> {
    fdatasyncSync(this.fd);
  }

  async truncate(sizeBytes: number): Promise<void> {
    ftruncateSync(this.fd, sizeBytes);
  }

  async sizeBytes(): Promise<number> {
    return fstatSync(this.fd).size;
  }

  async close(): Promise<void> {
    closeSync(this.fd);
  }
}

export const syncFileIO: FileIO = {
  open: async (path, options) => new SyncStorageFile(path, openSync(path, constants.O_RDWR | (options.create ? constants.O_CREAT : 0), 0o644)),
  readdir: async (directory) => readdirSync(directory),
  mkdir: async (directory) => {
    mkdirSync(directory, { recursive: true });
  },
  rename: async (from, to) => renameSync(from, to),
  remove: async (path) => rmSync(path, { force: true, recursive: true }),
  exists: async (path) => statSync(path, { throwIfNoEntry: false }) !== undefined,
  readFile: async (path) => readFileSync(path),
  fileSizeBytes: async (path) => statSync(path).size,
  syncDirectory: async (directory) => {
    const fd = openSync(directory, constants.O_RDONLY);
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  },
};
