// The cleaner's worker thread (src/storage/cleaner/cleaner-worker.ts) runs from the compiled
// files (npm test builds dist/ first): a pass through it keeps exactly the newest record per key,
// the manager using it stops cleanly on close, a pass in progress stops when asked, and the worker
// thread alone runs at the nice value log.cleaner.thread.nice asks for (read back from /proc, Linux).
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { currentThreadId } from '../../src/storage/cleaner/thread-priority.js';
import type * as CleanerWorker from '../../src/storage/cleaner/cleaner-worker.js';
import type * as CleanerManagerModule from '../../src/storage/cleaner/cleaner-manager.js';
import type * as LogCleaner from '../../src/storage/cleaner/log-cleaner.js';
import type * as OffsetMapModule from '../../src/storage/cleaner/offset-map.js';
import type * as PartitionLogModule from '../../src/storage/partition-log.js';
import type * as FileIOModule from '../../src/storage/file-io.js';
import type * as RecordBatch from '../../src/codec/record-batch.js';
import { readAll, type ReadRecord } from '../support/compaction.js';
import { tempDir } from '../support/temp-dir.js';

const dist = (path: string) => new URL(`../../dist/src/${path}`, import.meta.url).href;
const { CleanerThread } = (await import(dist('storage/cleaner/cleaner-worker.js'))) as typeof CleanerWorker;
const { CleanerManager } = (await import(dist('storage/cleaner/cleaner-manager.js'))) as typeof CleanerManagerModule;
const { cleanLog } = (await import(dist('storage/cleaner/log-cleaner.js'))) as typeof LogCleaner;
const { OffsetMap } = (await import(dist('storage/cleaner/offset-map.js'))) as typeof OffsetMapModule;
const { PartitionLog } = (await import(dist('storage/partition-log.js'))) as typeof PartitionLogModule;
const { nodeFileIO } = (await import(dist('storage/file-io.js'))) as typeof FileIOModule;
const { encodeRecordBatch } = (await import(dist('codec/record-batch.js'))) as typeof RecordBatch;

const CONFIG = { segmentBytes: 4096, retentionMs: -1, compact: true };

async function filledLog(rounds: number) {
  const log = await PartitionLog.open(tempDir(), { config: CONFIG });
  for (let round = 0; round < rounds; round++) {
    await log.append(encodeRecordBatch(Array.from({ length: 8 }, (_, index) => ({ key: `k${index}`, value: `r${round}`, timestamp: 1_700_000_000_000 + round }))));
  }
  await log.roll();
  return log;
}

/** Nice value of every thread of this process, by thread id (field 19 of /proc/<pid>/task/<tid>/stat). */
function threadNices(): Map<number, number> {
  const nices = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${process.pid}/task`)) {
    const stat = readFileSync(`/proc/${process.pid}/task/${tid}/stat`, 'utf8');
    // Fields after the command name in parentheses (which may hold spaces) start at field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    nices.set(Number(tid), Number(fields[19 - 3]));
  }
  return nices;
}

describe('cleaner worker thread', () => {
  it('cleans in the worker: the newest record of each key stays, with its offset', async () => {
    const thread = CleanerThread.start();
    expect(thread).not.toBeNull();
    const log = await filledLog(60);
    const before = (await readAll(log as never)) as ReadRecord[];
    const result = await cleanLog(log, { map: new OffsetMap(32), io: nodeFileIO, nowMs: Date.now(), write: (compactable, settings) => thread!.write(compactable, settings, log.segmentConfig, 1 << 20) });
    expect(result.groupsSwapped).toBeGreaterThan(0);
    expect(result.recordsRead).toBe(480);
    const newest = new Map<string, ReadRecord>();
    for (const record of before) newest.set(record.key!, record);
    expect(await readAll(log as never)).toEqual([...newest.values()].sort((a, b) => a.offset - b.offset));
    await thread!.close();
    await log.close();
  });

  it('a manager using the worker cleans a log by its dirty ratio, then closes', async () => {
    const log = await filledLog(200);
    const manager = new CleanerManager({ logs: () => [log], io: nodeFileIO, mapBytes: 1 << 20, backoffMs: 5, useWorker: true });
    manager.start();
    const deadline = Date.now() + 30_000;
    while (log.dirtyRatio() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(log.dirtyRatio()).toBe(0);
    expect((await readAll(log as never)).length).toBe(8);
    await manager.close();
    await log.close();
  });

  it('stops a pass in progress in the worker when asked, swapping nothing', async () => {
    const thread = CleanerThread.start();
    const log = await filledLog(200);
    const before = (await readAll(log as never)) as ReadRecord[];
    const startMs = performance.now();
    // Held to 10 KB/s, the pass would take seconds.
    const pass = cleanLog(log, { map: new OffsetMap(32), io: nodeFileIO, nowMs: Date.now(), maxIoBytesPerSecond: 10_000, write: (compactable, settings) => thread!.write(compactable, settings, log.segmentConfig, 1 << 20) });
    setTimeout(() => thread!.stop(), 200);
    await expect(pass).rejects.toMatchObject({ name: 'CleanerStoppedError' });
    expect(performance.now() - startMs).toBeLessThan(2_500);
    expect(await readAll(log as never)).toEqual(before);
    await thread!.close();
    await log.close();
  });

  it.runIf(process.platform === 'linux')('runs the worker thread, and only it, log.cleaner.thread.nice above the thread that started it', async () => {
    const ownThread = currentThreadId()!;
    const ownNice = threadNices().get(ownThread)!;
    const expectedNice = Math.min(19, ownNice + 7);
    const log = await filledLog(60);
    const manager = new CleanerManager({ logs: () => [log], io: nodeFileIO, mapBytes: 1 << 20, backoffMs: 5, useWorker: true, threadNice: 7 });
    const before = new Set([...threadNices()].filter(([, nice]) => nice === expectedNice).map(([tid]) => tid));
    // A pass answered by the worker: it set its priority before serving any request.
    expect((await manager.clean(log))?.groupsSwapped).toBeGreaterThan(0);
    const nices = threadNices();
    const niced = [...nices].filter(([tid, nice]) => nice === expectedNice && !before.has(tid));
    expect(niced).toHaveLength(1);
    expect(niced[0]![0]).not.toBe(ownThread);
    expect(nices.get(ownThread)).toBe(ownNice);
    await manager.close();
    await log.close();
  });
});
