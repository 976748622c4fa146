/**
 * The physical limit for a Node process on this disk: the workload's value bytes written with
 * fs.writeSync in 1 MiB chunks to one file (optionally fdatasync after every chunk), then read back
 * sequentially with fs.readSync in 1 MiB chunks. No framing, no index, no checksums: what any log
 * in this process could at best do with the same bytes. The read comes from the page cache, as
 * every system's read-back in this comparison does (each reads what it has just written).
 */

import { closeSync, fdatasyncSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Transfer } from '../measure.js';
import { MIB, secondsSince, transferOf, type Workload } from './workload.js';

function chunkOf(workload: Workload): Buffer {
  const chunk = Buffer.allocUnsafe(MIB);
  for (let offset = 0, index = 0; offset < MIB; offset += workload.valueBytes, index++) workload.values[index % workload.values.length]!.copy(chunk, offset);
  return chunk;
}

export interface PhysicalFigures {
  write: Transfer;
  writeFdatasync: Transfer;
  read: Transfer;
}

function writeFile(path: string, chunk: Buffer, totalBytes: number, fdatasync: boolean): number {
  const fd = openSync(path, 'w');
  const start = performance.now();
  try {
    for (let written = 0; written < totalBytes; ) {
      const length = Math.min(chunk.length, totalBytes - written);
      for (let done = 0; done < length; ) done += writeSync(fd, chunk, done, length - done);
      written += length;
      if (fdatasync) fdatasyncSync(fd);
    }
    return secondsSince(start);
  } finally {
    closeSync(fd);
  }
}

function readFile(path: string, totalBytes: number): number {
  const buffer = Buffer.allocUnsafe(MIB);
  const fd = openSync(path, 'r');
  const start = performance.now();
  try {
    let read = 0;
    for (let bytes = readSync(fd, buffer, 0, MIB, null); bytes > 0; bytes = readSync(fd, buffer, 0, MIB, null)) read += bytes;
    if (read !== totalBytes) throw new Error(`physical read: ${read} bytes, expected ${totalBytes}`);
    return secondsSince(start);
  } finally {
    closeSync(fd);
  }
}

export function measurePhysical(directory: string, workload: Workload): PhysicalFigures {
  const chunk = chunkOf(workload);
  const totalBytes = workload.records * workload.valueBytes;
  const path = join(directory, `physical-${workload.valueBytes}.bin`);
  try {
    const writeFdatasync = transferOf(workload, writeFile(path, chunk, totalBytes, true));
    rmSync(path);
    const write = transferOf(workload, writeFile(path, chunk, totalBytes, false));
    const read = transferOf(workload, readFile(path, totalBytes));
    return { write, writeFdatasync, read };
  } finally {
    rmSync(path, { force: true });
  }
}
