/**
 * Lowering the CPU priority of the calling thread alone (log.cleaner.thread.nice), so the cleaner's
 * worker thread gets the CPU only when the event loop and its I/O pool leave some. On Linux a nice
 * value belongs to a thread: /proc/thread-self names the caller's thread id, and
 * setpriority(PRIO_PROCESS, tid) (os.setPriority) changes that thread only. Elsewhere there is no
 * per-thread nice this way (setpriority would change the whole process), so nothing is changed.
 * Nothing on disk.
 */

import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { assert } from '../storage-error.js';

/** The highest (least favoured) nice value on Linux. */
const MAX_NICE = 19;

/** The calling thread's kernel thread id, or null where /proc/thread-self does not exist. */
export function currentThreadId(): number | null {
  let link: string;
  try {
    link = readlinkSync('/proc/thread-self'); // "<pid>/task/<tid>"
  } catch {
    return null;
  }
  const tid = Number(link.slice(link.lastIndexOf('/') + 1));
  return Number.isSafeInteger(tid) && tid > 0 ? tid : null;
}

/**
 * Adds `increment` (0–19) to the calling thread's nice value, up to 19; nothing where threads have
 * no nice value of their own.
 */
export function lowerThreadPriority(increment: number): void {
  assert(Number.isInteger(increment) && increment >= 0 && increment <= MAX_NICE, `a nice increment is an integer from 0 to ${MAX_NICE}, got ${increment}`);
  const threadId = currentThreadId();
  if (threadId === null || increment === 0) return;
  setPriority(threadId, Math.min(MAX_NICE, getPriority(threadId) + increment));
}
