// A real `kill -9`: a child process (./fixtures/append-and-flush.mjs, running the compiled dist/)
// appends and flushes in a loop, reporting every flushed batch; this test kills it with SIGKILL at
// random moments, then checks that the data directory's lock was released, that recovery keeps
// every flushed record with its bytes, and that the log is dense (offsets 0 … logEndOffset - 1,
// each once, in order). On some trials the test reopens the directory itself (recovery here, then
// a clean close: the next child opens after a clean shutdown); on the others it leaves the unclean
// state for the next child to recover. STRATA_KILLS sets the number of kills (default 20),
// STRATA_KILL9_SEED the random seed (printed, to replay a failure).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeRecordBatches } from '../../src/codec/record-batch.js';
import { CLEAN_SHUTDOWN_FILE, LogDirectory } from '../../src/storage/log-directory.js';
import type { PartitionLog } from '../../src/storage/partition-log.js';
import { seededRandom as random } from '../support/random.js';
import { tempDir } from '../support/temp-dir.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = fileURLToPath(new URL('./fixtures/append-and-flush.mjs', import.meta.url));
const DIST_INDEX = join(ROOT, 'dist', 'src', 'index.js');
const PARTITION = 'events-0';
/** As in the child: 64 KiB segments, so rolls happen while it is being killed. */
const LOG_CONFIG = { segmentBytes: 64 * 1024, indexIntervalBytes: 1024, segmentIndexBytes: 8 * 1024 };
const KILLS = Number(process.env.STRATA_KILLS ?? 20);
const SEED = Number(process.env.STRATA_KILL9_SEED ?? Date.now() % 0x7fffffff);
const READ_BYTES = 256 * 1024;

// ---- the child's records (keep in step with recordFor in ./fixtures/append-and-flush.mjs) -----

function hash32(value: number): number {
  let x = value >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

function recordFor(offset: number): { key: string; value: string } {
  const length = 8 + (hash32(offset) % 400);
  const fill = String.fromCharCode(97 + (hash32(offset ^ 0x5bd1e995) % 26));
  return { key: `k${offset}`, value: `v${offset}:`.padEnd(length, fill) };
}

// ---- one child run ------------------------------------------------------------------------

interface ChildReport {
  opened: { logEndOffset: number; cleanShutdown: boolean; segmentsScanned: number; truncatedBytes: number; recoveryPoint: number };
  /** Batches whose flush() resolved, [baseOffset, lastOffset]. */
  flushed: [number, number][];
  maxIssued: number;
  maxWritten: number;
  maxFlushed: number;
  checkpoints: number;
  signal: NodeJS.Signals | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the child, kills it (SIGKILL) `killAfterMs` after its first line, returns what it reported. */
async function runAndKill(dataDir: string, childSeed: number, killAfterMs: number): Promise<ChildReport> {
  // The child reports through a file written with writeSync: lines survive the kill (stdout would not).
  const reportFile = join(dirname(dataDir), `report-${childSeed}.txt`);
  const child = spawn(process.execPath, [CHILD, dataDir, String(childSeed), reportFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stdoutLines: string[] = [];
  let partial = '';
  let stderr = '';
  let sawFirstLine: () => void = () => undefined;
  const firstLine = new Promise<void>((resolve) => (sawFirstLine = resolve));
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop()!;
    stdoutLines.push(...parts);
    if (stdoutLines.length > 0) sawFirstLine();
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  let exitedEarly = false;
  void exited.then(() => {
    exitedEarly = true;
    sawFirstLine();
  });

  await firstLine;
  if (!exitedEarly) await sleep(killAfterMs);
  if (exitedEarly) throw new Error(`the child exited before it was killed; stderr:\n${stderr}\nstdout tail:\n${stdoutLines.slice(-5).join('\n')}`);
  child.kill('SIGKILL');
  const { code, signal } = await exited; // 'close': stdout fully read
  if (signal !== 'SIGKILL') throw new Error(`the child ended with code ${code}, signal ${signal}; stderr:\n${stderr}`);
  const lines = readFileSync(reportFile, 'utf8').split('\n').filter((line) => line.length > 0);
  rmSync(reportFile);

  const report: ChildReport = { opened: undefined!, flushed: [], maxIssued: -1, maxWritten: -1, maxFlushed: -1, checkpoints: 0, signal };
  for (const line of lines) {
    const [kind, ...fields] = line.split(' ');
    const numbers = fields.map(Number);
    const last = numbers[1] ?? -1;
    switch (kind) {
      case 'opened':
        report.opened = { logEndOffset: numbers[0]!, cleanShutdown: numbers[1] === 1, segmentsScanned: numbers[2]!, truncatedBytes: numbers[3]!, recoveryPoint: numbers[4]! };
        break;
      case 'issued':
        report.maxIssued = Math.max(report.maxIssued, last);
        break;
      case 'written':
        report.maxWritten = Math.max(report.maxWritten, last);
        break;
      case 'flushed':
        report.flushed.push([numbers[0]!, last]);
        report.maxFlushed = Math.max(report.maxFlushed, last);
        break;
      case 'checkpoint':
        report.checkpoints++;
        break;
      default:
        throw new Error(`unexpected line from the child: ${JSON.stringify(line)}`);
    }
  }
  expect(report.opened, 'the child reported opening the log').toBeDefined();
  return report;
}

// ---- checks in the parent -----------------------------------------------------------------

/** Reads the whole log in order: every offset from 0 to logEndOffset once, each with the child's bytes. */
async function checkDense(log: PartitionLog): Promise<void> {
  expect(log.logStartOffset).toBe(0);
  let expected = 0;
  while (expected < log.logEndOffset) {
    const bytes = await log.read(expected, READ_BYTES);
    expect(bytes.length, `read at ${expected} of a log ending at ${log.logEndOffset} returned nothing`).toBeGreaterThan(0);
    for (const batch of decodeRecordBatches(bytes)) {
      expect(batch.header.baseOffset, 'batches follow each other with no gap and no overlap').toBe(expected);
      for (const record of batch.records) {
        if (record.offset !== expected) expect(record.offset, 'offsets are dense').toBe(expected);
        checkRecord(record.offset, record.key, record.value);
        expected++;
      }
    }
  }
  expect(expected).toBe(log.logEndOffset);
  expect((await log.read(log.logEndOffset, READ_BYTES)).length, 'nothing past the log end').toBe(0);
}

function checkRecord(offset: number, key: Buffer | null, value: Buffer | null): void {
  const want = recordFor(offset);
  // One comparison per record (fast); expect() only to describe a mismatch.
  if (key?.toString() !== want.key || value?.toString() !== want.value) {
    expect({ offset, key: key?.toString(), value: value?.toString() }).toEqual({ offset, ...want });
  }
}

/** Reads each flushed batch on its own (through the sparse index), checking its records' bytes. */
async function checkFlushedBatches(log: PartitionLog, flushed: readonly [number, number][]): Promise<void> {
  for (const [baseOffset, lastOffset] of flushed) {
    expect(lastOffset, `flushed batch [${baseOffset}, ${lastOffset}] is below the log end`).toBeLessThan(log.logEndOffset);
    const [batch] = decodeRecordBatches(await log.read(baseOffset, 1));
    expect(batch, `flushed batch at ${baseOffset}`).toBeDefined();
    expect([batch!.header.baseOffset, batch!.header.baseOffset + batch!.header.lastOffsetDelta]).toEqual([baseOffset, lastOffset]);
    for (const record of batch!.records) checkRecord(record.offset, record.key, record.value);
  }
}

// ---- the test -----------------------------------------------------------------------------

beforeAll(() => {
  // The child runs the compiled code. Build it when missing or older than src/ (a no-op under
  // `npm test`, which builds first). tsc still emits when another file has a type error.
  try {
    execFileSync(process.execPath, [join(ROOT, 'tools', 'ensure-built.mjs')], { cwd: ROOT, stdio: 'pipe' });
  } catch (error) {
    if (!existsSync(DIST_INDEX)) throw error;
    console.warn(`kill9: building dist/ reported errors; running against what was emitted:\n${(error as { stdout?: Buffer }).stdout?.toString() ?? error}`);
  }
}, 180_000);

describe('kill -9', () => {
  it(
    `a child killed with SIGKILL ${KILLS} times at random moments loses no flushed record`,
    async () => {
      const rand = random(SEED);
      const dataDir = tempDir('strata-kill9-');
      const totals = { trials: 0, flushedBatches: 0, flushedRecords: 0, lostRecords: 0, unflushedKept: 0, checkpoints: 0, parentReopens: 0, childRecoveries: 0, truncatedBytes: 0, segmentsScanned: 0 };
      const startMs = performance.now();
      let maxFlushed = -1; // highest offset any child reported flushed
      /** The last kill, until a recovery shows its result: by the parent or by the next child. */
      let unobserved: ChildReport | null = null;
      let expectCleanOpen = false;
      let segments = 0;
      let finalLogEnd = 0;

      /** Checks the log end seen after recovering from the kill that ended `report`. */
      const observe = (report: ChildReport, logEndOffset: number): void => {
        expect(logEndOffset, 'every flushed offset survives').toBeGreaterThan(maxFlushed);
        // kill -9 is a process crash: what write() handed to the kernel survives in the page cache.
        expect(logEndOffset, 'every written (page cache) batch survives a process crash').toBeGreaterThan(report.maxWritten);
        expect(logEndOffset, 'no offset the child never issued').toBeLessThanOrEqual(report.maxIssued + 1);
        // Records appended (issued) in this run but gone, and ones kept though never acknowledged.
        totals.lostRecords += Math.max(report.maxIssued + 1, report.opened.logEndOffset) - logEndOffset;
        totals.unflushedKept += logEndOffset - Math.max(report.maxFlushed + 1, report.opened.logEndOffset);
        finalLogEnd = logEndOffset;
      };

      for (let trial = 0; trial < KILLS; trial++) {
        const killAfterMs = 50 + rand(351);
        const report = await runAndKill(dataDir, 1 + rand(0x7ffffffe), killAfterMs);
        totals.trials++;

        // The child's own open: after the parent's clean close, or its own recovery of the last kill.
        expect(report.opened.cleanShutdown, `trial ${trial}: clean-shutdown marker`).toBe(expectCleanOpen);
        if (expectCleanOpen) {
          // After the parent's orderly close nothing is scanned and the log is exactly as it was left.
          expect(report.opened.logEndOffset).toBe(finalLogEnd);
          expect(report.opened.segmentsScanned).toBe(0);
        }
        if (unobserved !== null) {
          observe(unobserved, report.opened.logEndOffset);
          totals.childRecoveries++;
          totals.truncatedBytes += report.opened.truncatedBytes;
          totals.segmentsScanned += report.opened.segmentsScanned;
          unobserved = null;
        }
        expect(report.opened.logEndOffset).toBeGreaterThan(maxFlushed);
        for (const [baseOffset] of report.flushed) expect(baseOffset).toBeGreaterThanOrEqual(report.opened.logEndOffset);
        totals.flushedBatches += report.flushed.length;
        totals.flushedRecords += report.flushed.reduce((sum, [baseOffset, lastOffset]) => sum + lastOffset - baseOffset + 1, 0);
        totals.checkpoints += report.checkpoints;
        maxFlushed = Math.max(maxFlushed, report.maxFlushed);

        // The kill released the flock: the parent can open the directory.
        const directory = await LogDirectory.open(dataDir, { config: LOG_CONFIG, checkpointIntervalMs: Infinity });
        expect(directory.cleanShutdown).toBe(false);
        const reopen = trial === KILLS - 1 || rand(2) === 0;
        if (reopen) {
          const log = await directory.openPartition(PARTITION);
          expect(log.recovery.cleanShutdown).toBe(false);
          observe(report, log.logEndOffset);
          totals.parentReopens++;
          totals.truncatedBytes += log.recovery.truncatedBytes;
          totals.segmentsScanned += log.recovery.segmentsScanned;
          await checkDense(log);
          await checkFlushedBatches(log, report.flushed);
          segments = log.segmentInfos().length;
        } else {
          unobserved = report; // the next child recovers it
        }
        // Closing without opening the partition must leave the directory unclean (still to recover).
        await directory.close();
        expect(existsSync(join(dataDir, CLEAN_SHUTDOWN_FILE)), `trial ${trial}: clean-shutdown marker after the parent's close`).toBe(reopen);
        expectCleanOpen = reopen;
      }

      const seconds = ((performance.now() - startMs) / 1000).toFixed(1);
      console.log(
        `kill -9 (seed ${SEED}): ${totals.trials} trials in ${seconds} s; ${totals.flushedBatches} flushed batches (${totals.flushedRecords} records) acknowledged, all present; ` +
          `${totals.lostRecords} unflushed records lost, ${totals.unflushedKept} unflushed records kept; ` +
          `recovered ${totals.parentReopens}× by the test, ${totals.childRecoveries}× by the next child (${totals.segmentsScanned} segments scanned, ${totals.truncatedBytes} torn bytes cut); ` +
          `${totals.checkpoints} checkpoints; final log: ${finalLogEnd} records in ${segments} segments`,
      );
      expect(totals.flushedBatches).toBeGreaterThan(0);
    },
    Math.max(60_000, KILLS * 3_000),
  );
});
