// The log cleaner on real files: one pass keeps exactly the newest record of every key (offsets,
// timestamps and CRCs intact), tombstones go after delete.retention.ms, a small key map cleans in
// several passes, the active segment is never touched, compressed batches stay compressed, and a
// crash at every step of the segment swap recovers to the old or the new segments.
import { describe, expect, it } from 'vitest';
import { compressionIdOf, Field } from '../../src/codec/record-batch-header.js';
import { encodeRecordBatch } from '../../src/codec/record-batch.js';
import { cleanLog, CleanerStoppedError } from '../../src/storage/cleaner/log-cleaner.js';
import { OffsetMap } from '../../src/storage/cleaner/offset-map.js';
import type { SwapStep } from '../../src/storage/cleaner/segment-swap.js';
import { FaultInjectingFileIO } from '../../src/storage/fault-injecting-file-io.js';
import { nodeFileIO } from '../../src/storage/file-io.js';
import type { LogConfig } from '../../src/storage/log-config.js';
import { LogDirectory } from '../../src/storage/log-directory.js';
import { PartitionLog } from '../../src/storage/partition-log.js';
import { readAll, type ReadRecord } from '../support/compaction.js';
import { tempDir } from '../support/temp-dir.js';
import { readdirSync } from 'node:fs';

const T0 = 1_700_000_000_000;
const DAY_MS = 24 * 60 * 60 * 1000;
const CONFIG: Partial<LogConfig> = { segmentBytes: 2000, indexIntervalBytes: 200, retentionMs: -1, compact: true, deleteRetentionMs: DAY_MS };

function batch(records: { key: string | null; value: string | null }[], timestampMs = T0, compression: 'none' | 'gzip' | 'lz4' = 'none'): Buffer {
  return encodeRecordBatch(
    records.map((record) => ({ key: record.key, value: record.value, timestamp: timestampMs })),
    { compression },
  );
}

function newestByKey(records: ReadRecord[]): Map<string, ReadRecord> {
  const newest = new Map<string, ReadRecord>();
  for (const record of records) newest.set(record.key!, record);
  return newest;
}

async function clean(log: PartitionLog, nowMs = T0, mapBytes = 1024 * 1024, io = nodeFileIO) {
  return cleanLog(log, { map: new OffsetMap(mapBytes), io, nowMs });
}

describe('log cleaner', () => {
  it('keeps only the newest record of each key, with its offset and timestamp, and never the active segment', async () => {
    const log = await PartitionLog.open(tempDir(), { config: CONFIG });
    for (let round = 0; round < 20; round++) {
      await log.append(batch(Array.from({ length: 5 }, (_, index) => ({ key: `k${index}`, value: `v${round}-${index}` })), T0 + round));
    }
    await log.append(batch([{ key: 'k0', value: 'in-active' }], T0 + 100));
    const before = await readAll(log);
    const activeBase = log.segmentInfos().at(-1)!.baseOffset;
    const result = await clean(log);
    expect(result.groupsSwapped).toBeGreaterThan(0);
    const after = await readAll(log);
    const expected = newestByKey(before.filter((record) => record.offset < activeBase));
    // Everything in the active segment stays, whatever its keys.
    const fromActive = before.filter((record) => record.offset >= activeBase);
    const expectedRecords = [...[...expected.values()].filter((record) => !fromActive.some((active) => active.offset === record.offset)), ...fromActive].sort((a, b) => a.offset - b.offset);
    expect(after).toEqual(expectedRecords);
    expect(after.at(-1)).toMatchObject({ key: 'k0', value: 'in-active' });
    expect(log.firstDirtyOffset).toBe(activeBase);
    expect(log.dirtyRatio()).toBe(0);
    expect(log.logEndOffset).toBe(101);
    await log.close();
    // Reopened (clean shutdown and after a crash) it reads the same.
    for (const cleanShutdown of [true, false]) {
      const reopened = await PartitionLog.open(log.directory, { config: CONFIG, cleanShutdown });
      expect(await readAll(reopened)).toEqual(after);
      await reopened.close();
    }
  });

  it('removes a tombstone only once it is older than delete.retention.ms, and the values it deleted at once', async () => {
    const log = await PartitionLog.open(tempDir(), { config: CONFIG });
    await log.append(batch([{ key: 'a', value: 'a1' }, { key: 'b', value: 'b1' }], T0));
    await log.append(batch([{ key: 'a', value: null }], T0 + 10));
    await log.roll();
    await log.append(batch([{ key: 'c', value: 'c1' }], T0 + 20));
    await clean(log, T0 + 1000);
    expect((await readAll(log)).map((record) => [record.key, record.value])).toEqual([
      ['b', 'b1'],
      ['a', null],
      ['c', 'c1'],
    ]);
    await clean(log, T0 + 10 + DAY_MS + 1);
    expect((await readAll(log)).map((record) => [record.key, record.value])).toEqual([
      ['b', 'b1'],
      ['c', 'c1'],
    ]);
    await log.close();
  });

  it('cleans a dirty section larger than the key map over several passes, each bounded by the map', async () => {
    const log = await PartitionLog.open(tempDir(), { config: { ...CONFIG, segmentBytes: 4000 } });
    for (let index = 0; index < 300; index++) await log.append(batch([{ key: `k${index % 40}`, value: `v${index}` }], T0 + index));
    await log.roll();
    const before = await readAll(log);
    const map = new OffsetMap(16 * 32); // 28 keys at most
    let passes = 0;
    while (log.dirtyRatio() > 0) {
      const result = await cleanLog(log, { map, io: nodeFileIO, nowMs: T0 });
      expect(result.mapEntries).toBeLessThanOrEqual(map.maxEntries);
      passes++;
      expect(passes).toBeLessThan(50);
    }
    expect(passes).toBeGreaterThan(1);
    const after = await readAll(log);
    expect(after).toEqual([...newestByKey(before).values()].sort((a, b) => a.offset - b.offset));
    await log.close();
  });

  it('cleans segments larger than its read chunk: batches across chunk ends and one batch larger than a chunk', async () => {
    // The cleaner reads 4 MiB at a time; batches of uneven sizes end anywhere in a chunk.
    const log = await PartitionLog.open(tempDir(), { config: { ...CONFIG, segmentBytes: 32 * 1024 * 1024, indexIntervalBytes: 4096, maxMessageBytes: 8 * 1024 * 1024 } });
    let index = 0;
    for (; index < 700; index++) {
      await log.append(batch(Array.from({ length: 3 }, (_, record) => ({ key: `k${(index * 3 + record) % 97}`, value: `${index}:${'v'.repeat(1000 + ((index * 7919) % 9000))}` })), T0 + index));
      if (index === 400) await log.append(batch([{ key: 'huge', value: 'h'.repeat(5 * 1024 * 1024) }], T0 + index));
    }
    await log.roll();
    expect(log.segmentInfos()[0]!.sizeBytes).toBeGreaterThan(12 * 1024 * 1024);
    const before = await readAll(log);
    const result = await clean(log);
    expect(result.recordsRead).toBe(before.length);
    const after = await readAll(log);
    expect(after).toEqual([...newestByKey(before).values()].sort((a, b) => a.offset - b.offset));
    expect(after.some((record) => record.key === 'huge' && record.value!.length === 5 * 1024 * 1024)).toBe(true);
    await log.close();
  });

  it('log.cleaner.io.max.bytes.per.second holds a pass to the rate (reads + writes), and the result is the same', async () => {
    const log = await PartitionLog.open(tempDir(), { config: { ...CONFIG, segmentBytes: 64 * 1024 } });
    const value = 'x'.repeat(900);
    for (let index = 0; index < 300; index++) await log.append(batch([{ key: `k${index % 30}`, value: `${index}:${value}` }], T0 + index));
    await log.roll();
    const before = await readAll(log);
    const rateBytesPerSecond = 200 * 1024;
    const start = performance.now();
    const result = await cleanLog(log, { map: new OffsetMap(64 * 1024), io: nodeFileIO, nowMs: T0, maxIoBytesPerSecond: rateBytesPerSecond });
    const elapsedMs = performance.now() - start;
    // A lower bound only (a busy machine can only make it slower): the bytes the pass moved, at the rate.
    const ioBytes = result.bytesRead + result.bytesWritten;
    expect(ioBytes).toBeGreaterThan(250 * 1024);
    expect(elapsedMs).toBeGreaterThanOrEqual((ioBytes / rateBytesPerSecond) * 1000 * 0.9);
    expect(await readAll(log)).toEqual([...newestByKey(before).values()].sort((a, b) => a.offset - b.offset));
    await log.close();
  });

  it('re-encodes compressed batches with their codec, keeps CRCs valid and offsets increasing', async () => {
    for (const compression of ['gzip', 'lz4'] as const) {
      const log = await PartitionLog.open(tempDir(), { config: CONFIG });
      for (let round = 0; round < 6; round++) {
        await log.append(batch(Array.from({ length: 10 }, (_, index) => ({ key: `k${index % (round + 2)}`, value: `v${round}-${index}` })), T0 + round, compression));
      }
      await log.roll();
      const before = await readAll(log);
      await clean(log);
      const bytes = await log.read(0, 1024 * 1024);
      let position = 0;
      while (position < bytes.length) {
        const attributes = bytes.readInt16BE(position + Field.attributes);
        const recordCount = bytes.readInt32BE(position + Field.recordCount);
        if (recordCount > 0) expect(compressionIdOf(attributes)).toBe(compression === 'gzip' ? 1 : 3);
        position += bytes.readInt32BE(position + Field.batchLength) + 12;
      }
      const after = await readAll(log); // decodes and CRC-checks every batch
      expect(after).toEqual([...newestByKey(before).values()].sort((a, b) => a.offset - b.offset));
      await log.close();
    }
  });

  it('leaves an empty batch where a segment ended, so readers reach the log end through the gap', async () => {
    const log = await PartitionLog.open(tempDir(), { config: CONFIG });
    await log.append(batch([{ key: 'a', value: 'a1' }]));
    await log.append(batch([{ key: 'a', value: 'a2' }]));
    await log.roll();
    await log.append(batch([{ key: 'a', value: 'a3' }]));
    await log.roll(); // the active segment is empty: the log ends right after a cleaned segment
    await clean(log);
    expect(log.logEndOffset).toBe(3);
    expect(await readAll(log)).toEqual([{ offset: 2, key: 'a', value: 'a3', timestamp: T0 }]);
    await log.close();
  });

  it('remembers what was compacted across a restart (cleaner-offset-checkpoint): no dirty ratio to redo', async () => {
    const path = tempDir();
    let directory = await LogDirectory.open(path, { config: CONFIG });
    let log = await directory.openPartition('accounts-0');
    for (let index = 0; index < 60; index++) await log.append(batch([{ key: `k${index % 4}`, value: `v${index}` }]));
    await log.roll();
    expect(log.dirtyRatio()).toBe(1);
    await clean(log);
    const cleanedUpTo = log.firstDirtyOffset;
    expect(cleanedUpTo).toBe(60);
    await directory.close();
    directory = await LogDirectory.open(path, { config: CONFIG });
    log = await directory.openPartition('accounts-0');
    expect(log.firstDirtyOffset).toBe(cleanedUpTo);
    expect(log.dirtyRatio()).toBe(0);
    await directory.close();
  });

  it('stops between chunks when asked, swapping nothing', async () => {
    const log = await PartitionLog.open(tempDir(), { config: CONFIG });
    for (let index = 0; index < 50; index++) await log.append(batch([{ key: `k${index % 3}`, value: `v${index}` }]));
    await log.roll();
    const before = await readAll(log);
    await expect(cleanLog(log, { map: new OffsetMap(4096), io: nodeFileIO, nowMs: T0, shouldStop: () => true })).rejects.toBeInstanceOf(CleanerStoppedError);
    expect(await readAll(log)).toEqual(before);
    expect(readdirSync(log.directory).filter((name) => name.includes('.cleaned') || name.includes('.swap'))).toEqual([]);
    await log.close();
  });
});

describe('crash during the segment swap', () => {
  const steps: SwapStep[] = ['cleaned-written', 'swap-renamed', 'old-deleted', 'swapped-in'];

  for (const step of steps) {
    it(`recovers to the old or the new segments after a crash after '${step}'`, async () => {
      const directory = tempDir();
      const io = new FaultInjectingFileIO();
      const log = await PartitionLog.open(directory, { config: CONFIG, io });
      for (let round = 0; round < 30; round++) await log.append(batch(Array.from({ length: 4 }, (_, index) => ({ key: `k${index}`, value: `v${round}-${index}` })), T0 + round));
      await log.append(batch([{ key: 'tail', value: 'unflushed' }]));
      const before = await readAll(log);
      const activeBase = log.segmentInfos().at(-1)!.baseOffset;
      let crashed = false;
      const crashing = cleanLog(log, {
        map: new OffsetMap(4096),
        io,
        nowMs: T0,
        swapHook: async (at) => {
          if (at !== step || crashed) return;
          crashed = true;
          await io.crash(() => 0.5);
          throw new Error(`crash after ${at}`);
        },
      });
      await expect(crashing).rejects.toThrow();
      expect(crashed).toBe(true);
      const reopened = await PartitionLog.open(directory, { config: CONFIG, io: new FaultInjectingFileIO() });
      const after = await readAll(reopened);
      const sealedBefore = before.filter((record) => record.offset < activeBase);
      const sealedAfter = after.filter((record) => record.offset < activeBase);
      const cleaned = [...newestByKey(sealedBefore).values()].sort((a, b) => a.offset - b.offset);
      const swapDecided = step !== 'cleaned-written';
      // The first group is either entirely old or entirely new; nothing is lost or doubled.
      expect(new Set(sealedAfter.map((record) => record.offset)).size).toBe(sealedAfter.length);
      for (const record of cleaned) expect(sealedAfter).toContainEqual(record);
      if (!swapDecided) expect(sealedAfter).toEqual(sealedBefore);
      else expect(sealedAfter.length).toBeLessThan(sealedBefore.length);
      expect(readdirSync(directory).filter((name) => name.includes('.cleaned') || name.includes('.swap'))).toEqual([]);
      // Offsets increase through the whole log, and a full clean after recovery converges.
      const offsets = after.map((record) => record.offset);
      expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
      await clean(reopened);
      expect((await readAll(reopened)).filter((record) => record.offset < activeBase)).toEqual(cleaned);
      await reopened.close();
    });
  }
});
