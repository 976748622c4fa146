/**
 * A FileIO that reports how long each fdatasync takes (for the fsync latency histogram) and
 * otherwise passes every call straight through to the FileIO it wraps.
 */

import type { FileIO, StorageFile } from './file-io.js';

export function timedFileIO(io: FileIO, onDatasync: (durationSeconds: number) => void): FileIO {
  return {
    open: async (path, options) => timedFile(await io.open(path, options), onDatasync),
    readdir: (directory) => io.readdir(directory),
    mkdir: (directory) => io.mkdir(directory),
    rename: (from, to) => io.rename(from, to),
    remove: (path) => io.remove(path),
    exists: (path) => io.exists(path),
    readFile: (path) => io.readFile(path),
    fileSizeBytes: (path) => io.fileSizeBytes(path),
    syncDirectory: (directory) => io.syncDirectory(directory),
  };
}

function timedFile(file: StorageFile, onDatasync: (durationSeconds: number) => void): StorageFile {
  return {
    path: file.path,
    write: (buffers, position) => file.write(buffers, position),
    read: (target, targetOffset, length, position) => file.read(target, targetOffset, length, position),
    async datasync() {
      const startNs = process.hrtime.bigint();
      await file.datasync();
      onDatasync(Number(process.hrtime.bigint() - startNs) / 1e9);
    },
    truncate: (sizeBytes) => file.truncate(sizeBytes),
    sizeBytes: () => file.sizeBytes(),
    close: () => file.close(),
  };
}
