/**
 * Replacing sealed segments by their cleaned copy, crash-safely. Files in the partition directory:
 *
 *   <B>.<E>.log.cleaned   the cleaned log while the cleaner writes it. B is the base offset of the
 *                         first segment it replaces (and of the cleaned segment), E the base offset
 *                         of the first segment kept after the replaced ones (20 digits each). Same
 *                         bytes as any segment log: record batches v2 back to back.
 *   <B>.<E>.log.swap      the same file, complete and fsynced: from here on the swap is decided.
 *
 * Steps (the directory is fsynced after each):
 *   1 'cleaned-written'  <B>.<E>.log.cleaned written and fsynced
 *   2 'swap-renamed'     renamed to <B>.<E>.log.swap                               ← commit point
 *   3 'old-deleted'      the replaced segments' files removed: every .log/.index/.timeindex whose
 *                        base offset is in [B, E), except <B>.log itself
 *   4 'swapped-in'       <B>.<E>.log.swap renamed over <B>.log (rename replaces atomically)
 * The new segment has no index files yet: they are rebuilt from its log on first use.
 *
 * Recovery (recoverSwaps, before the loader lists segments): a `.cleaned` file is deleted (the old
 * segments are untouched until step 2), a `.swap` file is completed (steps 3 and 4 again; both are
 * idempotent). So a crash at any instant leaves the old segments or the new one, never both or
 * neither.
 */

import { join } from 'node:path';
import type { FileIO } from '../file-io.js';
import { LOG_SUFFIX, segmentFileName } from '../segment.js';

export type SwapStep = 'cleaned-written' | 'swap-renamed' | 'old-deleted' | 'swapped-in';

/** Called after each step; tests throw from it to "crash" there. */
export type SwapHook = (step: SwapStep) => void | Promise<void>;

const CLEANED_SUFFIX = '.cleaned';
const SWAP_SUFFIX = '.swap';
const SWAP_FILE = /^(\d{20})\.(\d{20})\.log\.(cleaned|swap)$/;
const SEGMENT_FILE = /^(\d{20})\.(log|index|timeindex)$/;

/** Where the cleaned copy of the segments with base offsets in [baseOffset, endOffset) is written. */
export function cleanedPathOf(directory: string, baseOffset: number, endOffset: number): string {
  return join(directory, `${segmentFileName(baseOffset, '')}.${segmentFileName(endOffset, '')}${LOG_SUFFIX}${CLEANED_SUFFIX}`);
}

function swapPathOf(cleanedPath: string): string {
  return cleanedPath.slice(0, -CLEANED_SUFFIX.length) + SWAP_SUFFIX;
}

/**
 * Steps 2–4 for a cleaned file that is complete and fsynced (step 1 is the caller's). After this
 * the directory holds the cleaned segment at `baseOffset` in place of the replaced ones.
 */
export async function swapIn(io: FileIO, directory: string, baseOffset: number, endOffset: number, hook: SwapHook = () => undefined): Promise<void> {
  await hook('cleaned-written');
  const cleanedPath = cleanedPathOf(directory, baseOffset, endOffset);
  const swapPath = swapPathOf(cleanedPath);
  await io.rename(cleanedPath, swapPath);
  await io.syncDirectory(directory);
  await hook('swap-renamed');
  await completeSwap(io, directory, baseOffset, endOffset, swapPath, hook);
}

async function completeSwap(io: FileIO, directory: string, baseOffset: number, endOffset: number, swapPath: string, hook: SwapHook): Promise<void> {
  for (const name of await io.readdir(directory)) {
    const match = SEGMENT_FILE.exec(name);
    if (match === null) continue;
    const segmentBase = Number(match[1]);
    const isNewLogPlace = segmentBase === baseOffset && match[2] === 'log';
    if (segmentBase >= baseOffset && segmentBase < endOffset && !isNewLogPlace) await io.remove(join(directory, name));
  }
  await io.syncDirectory(directory);
  await hook('old-deleted');
  await io.rename(swapPath, join(directory, segmentFileName(baseOffset, LOG_SUFFIX)));
  await io.syncDirectory(directory);
  await hook('swapped-in');
}

/** Recovery: discards unfinished cleaned files and completes decided swaps. Returns what it did. */
export async function recoverSwaps(io: FileIO, directory: string): Promise<{ discarded: string[]; completed: string[] }> {
  const discarded: string[] = [];
  const completed: string[] = [];
  const names = (await io.readdir(directory)).filter((name) => SWAP_FILE.test(name)).sort();
  for (const name of names) {
    const [, base, end, kind] = SWAP_FILE.exec(name)!;
    const path = join(directory, name);
    if (kind === 'cleaned') {
      await io.remove(path);
      discarded.push(path);
    } else {
      await completeSwap(io, directory, Number(base), Number(end), path, () => undefined);
      completed.push(path);
    }
  }
  if (discarded.length > 0) await io.syncDirectory(directory);
  return { discarded, completed };
}

