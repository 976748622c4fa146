/**
 * The data directory lock: `<data-dir>/.lock`, an empty file held with flock(LOCK_EX | LOCK_NB)
 * (fs-ext) for as long as a broker has the directory open. Non-blocking on purpose: a blocking
 * flock would tie up a libuv thread; a second process (or a second open in this one) fails at
 * once, naming the directory. The kernel drops the lock when the process dies, kill -9 included.
 */

import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import fsExt from 'fs-ext';
import { StorageError } from './storage-error.js';

export const LOCK_FILE = '.lock';

export class DirLock {
  private constructor(
    readonly directory: string,
    private fd: number | null,
  ) {}

  /** Takes the lock or throws DIRECTORY_LOCKED at once. */
  static acquire(directory: string): DirLock {
    const fd = openSync(join(directory, LOCK_FILE), 'a');
    try {
      fsExt.flockSync(fd, 'exnb');
    } catch (error) {
      closeSync(fd);
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN' || code === 'EWOULDBLOCK') {
        throw new StorageError('DIRECTORY_LOCKED', `data directory ${directory} is in use by another Strata broker (lock ${join(directory, LOCK_FILE)} is held)`);
      }
      throw error;
    }
    return new DirLock(directory, fd);
  }

  release(): void {
    if (this.fd === null) return;
    fsExt.flockSync(this.fd, 'un');
    closeSync(this.fd);
    this.fd = null;
  }
}
