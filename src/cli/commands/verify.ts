/**
 * `strata verify`: reads every segment of every partition in a data directory and checks, without
 * changing anything: each batch's framing and CRC-32C (with --deep, every record too), offsets
 * increasing within and across segments and not below the segment's base offset, and each index
 * entry pointing at a real batch (offset index: a batch start whose last offset matches; time
 * index: increasing timestamps at a batch's last offset). It takes the directory's lock, so it
 * never reads a log a server is writing. Every problem is one line naming the file and byte
 * position; exit code 1 if there is any.
 */

import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { CodecError } from '../../codec/codec-error.js';
import { validateRecordBatch } from '../../codec/record-batch.js';
import { DirLock } from '../../storage/dir-lock.js';
import { CliError, EXIT_FAILURE } from '../cli-error.js';
import { coloursFor, writeOut } from '../output.js';
import { formatBytes, ProgressBar } from '../progress.js';
import { readOffsetIndex, readTimeIndex, scanLog, segmentFileOf } from '../segment-files.js';

interface VerifyFlags {
  dataDir: string;
  deep?: boolean;
}

interface Totals {
  partitions: number;
  segments: number;
  batches: number;
  bytes: number;
  problems: string[];
}

interface BatchEnd {
  lastOffset: number;
}

/** Partition directories: `<topic>-<n>` holding segment files (deleted ones, `…-delete`, skipped). */
function partitionDirectories(dataDir: string): string[] {
  return readdirSync(dataDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && /^.+-\d+$/.test(entry.name))
    .map((entry) => join(dataDir, entry.name))
    .filter((directory) => readdirSync(directory).some((name) => segmentFileOf(name) !== null))
    .sort();
}

function segmentBases(directory: string): number[] {
  const bases = new Set<number>();
  for (const name of readdirSync(directory)) {
    const segment = segmentFileOf(name);
    if (segment !== null) bases.add(segment.baseOffset);
  }
  return [...bases].sort((a, b) => a - b);
}

function name(baseOffset: number, suffix: string): string {
  return `${String(baseOffset).padStart(20, '0')}${suffix}`;
}

async function verifySegment(directory: string, baseOffset: number, previousLastOffset: number, totals: Totals, deep: boolean, progress: (bytes: number) => void): Promise<number> {
  const logPath = join(directory, name(baseOffset, '.log'));
  const problem = (path: string, text: string) => totals.problems.push(`${path}: ${text}`);
  const batchesByPosition = new Map<number, BatchEnd>();
  const lastOffsets = new Set<number>();
  let lastOffset = previousLastOffset;
  let readableBytes = Infinity;
  if (!existsSync(logPath)) {
    problem(logPath, 'missing (its index files are here without it)');
    return lastOffset;
  }
  totals.segments++;
  await scanLog(
    logPath,
    (batch) => {
      totals.batches++;
      const { header } = batch;
      const batchLast = header.baseOffset + header.lastOffsetDelta;
      const where = `batch at byte position ${batch.position} (${batch.sizeBytes} bytes, offsets ${header.baseOffset}–${batchLast})`;
      // Its length framed it, so an index entry may rightly point at it even when its CRC is bad.
      batchesByPosition.set(batch.position, { lastOffset: batchLast });
      lastOffsets.add(batchLast);
      if (batch.problem !== null) return void problem(logPath, `${where}: ${batch.problem}`);
      if (header.baseOffset < baseOffset) problem(logPath, `${where}: base offset below the segment's ${baseOffset}`);
      if (header.baseOffset <= lastOffset) problem(logPath, `${where}: offsets do not increase (the previous batch ended at ${lastOffset})`);
      if (deep) {
        try {
          validateRecordBatch(batch.bytes, 0, batch.sizeBytes);
        } catch (error) {
          if (!(error instanceof CodecError)) throw error;
          problem(logPath, `${where}: ${error.message.replace(/^batch at 0: /, '')}`);
        }
      }
      lastOffset = Math.max(lastOffset, batchLast);
    },
    (position, why) => {
      readableBytes = position;
      problem(logPath, `byte position ${position}: ${why}; nothing after it can be read`);
    },
    (bytes) => {
      totals.bytes += bytes;
      progress(totals.bytes);
    },
  );
  await verifyOffsetIndex(join(directory, name(baseOffset, '.index')), baseOffset, batchesByPosition, readableBytes, problem);
  await verifyTimeIndex(join(directory, name(baseOffset, '.timeindex')), baseOffset, lastOffsets, lastOffset, problem);
  return lastOffset;
}

async function verifyOffsetIndex(path: string, baseOffset: number, batches: Map<number, BatchEnd>, readableBytes: number, problem: (path: string, text: string) => void): Promise<void> {
  if (!existsSync(path)) return problem(path, 'missing (it is rebuilt from the log at the next open)');
  const { entries, problem: sizeProblem } = await readOffsetIndex(path, baseOffset);
  if (sizeProblem !== null) problem(path, sizeProblem);
  let previous = { offset: -1, position: -1 };
  for (const [index, entry] of entries.entries()) {
    const where = `entry ${index} (byte position ${index * 8}: offset ${entry.offset}, log position ${entry.position})`;
    if (entry.offset <= previous.offset || entry.position <= previous.position) problem(path, `${where}: entries must increase`);
    const batch = batches.get(entry.position);
    if (batch === undefined) {
      if (entry.position < readableBytes) problem(path, `${where}: no batch starts at that log position`);
    } else if (batch.lastOffset !== entry.offset) {
      problem(path, `${where}: the batch there ends at offset ${batch.lastOffset}`);
    }
    previous = entry;
  }
}

async function verifyTimeIndex(path: string, baseOffset: number, lastOffsets: Set<number>, segmentLastOffset: number, problem: (path: string, text: string) => void): Promise<void> {
  if (!existsSync(path)) return problem(path, 'missing (it is rebuilt from the log at the next open)');
  const { entries, problem: sizeProblem } = await readTimeIndex(path, baseOffset);
  if (sizeProblem !== null) problem(path, sizeProblem);
  let previous = { timestamp: -Infinity, offset: -1 };
  for (const [index, entry] of entries.entries()) {
    const where = `entry ${index} (byte position ${index * 12}: timestamp ${entry.timestamp}, offset ${entry.offset})`;
    if (entry.timestamp <= previous.timestamp || entry.offset < previous.offset) problem(path, `${where}: timestamps must increase and offsets not decrease`);
    if (!lastOffsets.has(entry.offset) && entry.offset <= segmentLastOffset) problem(path, `${where}: no batch ends at that offset`);
    previous = entry;
  }
}

async function verify(flags: VerifyFlags): Promise<void> {
  const dataDir = resolve(flags.dataDir);
  if (!existsSync(dataDir)) throw new CliError(`data directory ${dataDir} does not exist`, 'give it with --data-dir DIR');
  if (!statSync(dataDir).isDirectory()) throw new CliError(`${dataDir} is not a directory`, 'give the data directory with --data-dir DIR');
  const lock = DirLock.acquire(dataDir);
  try {
    const directories = partitionDirectories(dataDir);
    const totalBytes = directories.reduce((sum, directory) => sum + readdirSync(directory).filter((file) => file.endsWith('.log')).reduce((bytes, file) => bytes + statSync(join(directory, file)).size, 0), 0);
    const progress = new ProgressBar('verifying', totalBytes, 'bytes');
    const totals: Totals = { partitions: 0, segments: 0, batches: 0, bytes: 0, problems: [] };
    for (const directory of directories) {
      totals.partitions++;
      let lastOffset = -1;
      for (const baseOffset of segmentBases(directory)) lastOffset = await verifySegment(directory, baseOffset, lastOffset, totals, flags.deep === true, (bytes) => progress.update(bytes));
    }
    progress.finish();
    const colours = coloursFor(process.stdout);
    for (const line of totals.problems) await writeOut(`${colours.red('BAD')} ${line}\n`);
    const summary = `${totals.partitions} partition(s), ${totals.segments} segment(s), ${totals.batches} batch(es), ${formatBytes(totals.bytes)} in ${dataDir}`;
    if (totals.problems.length === 0) await writeOut(`${colours.green('ok')}: ${summary}: every batch CRC and index entry checks out\n`);
    else {
      await writeOut(`${colours.red(`${totals.problems.length} problem(s)`)} in ${summary}\n`);
      process.exitCode = EXIT_FAILURE;
    }
  } finally {
    lock.release();
  }
}

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('check every batch’s CRC and every index in a data directory (no server may hold it)')
    .option('-d, --data-dir <dir>', 'the data directory', './data')
    .option('--deep', 'also parse every record (decompressing compressed batches)')
    .addHelpText('after', `
Nothing is changed. Each problem is one line naming the file and byte position.
Exit code 0: everything checks out; 1: problems found (or the directory cannot be read).

Examples:
  strata verify                        # ./data
  strata verify --data-dir /var/lib/strata --deep`)
    .action((flags: VerifyFlags) => verify(flags));
}
