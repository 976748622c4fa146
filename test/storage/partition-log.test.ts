import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeRecordBatches } from '../../src/codec/record-batch.js';
import { PartitionLog } from '../../src/storage/partition-log.js';
import { StorageError } from '../../src/storage/storage-error.js';
import { batchOf, recordsIn } from '../support/batches.js';
import { tempDir } from '../support/temp-dir.js';

/** Reads the whole log from `from`, batch run by batch run. */
async function readAll(log: PartitionLog, from = log.logStartOffset): Promise<[number, string][]> {
  const records: [number, string][] = [];
  let offset = from;
  while (offset < log.logEndOffset) {
    const bytes = await log.read(offset, 64 * 1024);
    const batch = recordsIn(bytes).filter(([recordOffset]) => recordOffset >= offset);
    records.push(...batch);
    const batches = decodeRecordBatches(bytes);
    offset = batches[batches.length - 1]!.header.baseOffset + batches[batches.length - 1]!.header.lastOffsetDelta + 1;
  }
  return records;
}

describe('PartitionLog basics', () => {
  it('assigns dense offsets, rewrites baseOffset in place, and reads back what was appended', async () => {
    const log = await PartitionLog.open(tempDir());
    const first = batchOf('a', 3);
    expect(await log.append(first)).toMatchObject({ baseOffset: 0, lastOffset: 2, logStartOffset: 0 });
    expect(first.readBigInt64BE(0)).toBe(0n);
    const second = batchOf('b', 2);
    expect(await log.append(second)).toMatchObject({ baseOffset: 3, lastOffset: 4 });
    expect(second.readBigInt64BE(0)).toBe(3n);
    expect(log.logEndOffset).toBe(5);
    expect(log.highWatermark).toBe(5);
    expect(await readAll(log)).toEqual([[0, 'a-0'], [1, 'a-1'], [2, 'a-2'], [3, 'b-0'], [4, 'b-1']]);
    expect(await log.read(5, 1000)).toHaveLength(0);
    await log.close();
  });

  it('returns at least one whole batch even when it exceeds maxBytes, and never splits one', async () => {
    const log = await PartitionLog.open(tempDir());
    await log.append(batchOf('big', 1, 0, 5000));
    await log.append(batchOf('next', 1, 0, 5000));
    const bytes = await log.read(0, 100);
    expect(recordsIn(bytes)).toEqual([[0, expect.stringMatching(/^big-0-x+$/)]]);
    const both = await log.read(0, 7000);
    expect(recordsIn(both)).toHaveLength(1);
    expect(recordsIn(await log.read(0, 20000))).toHaveLength(2);
    await log.close();
  });

  it('reading below the log start or above the end is OFFSET_OUT_OF_RANGE', async () => {
    const log = await PartitionLog.open(tempDir());
    await log.append(batchOf('a', 2));
    await expect(log.read(3, 100)).rejects.toMatchObject({ code: 'OFFSET_OUT_OF_RANGE' });
    await expect(log.read(-1, 100)).rejects.toMatchObject({ code: 'OFFSET_OUT_OF_RANGE' });
    await log.close();
  });

  it('rejects bad batches with typed errors and stays usable', async () => {
    const log = await PartitionLog.open(tempDir(), { config: { maxMessageBytes: 2000 } });
    await expect(log.append(batchOf('huge', 1, 0, 3000))).rejects.toMatchObject({ code: 'MESSAGE_TOO_LARGE' });
    const corrupt = batchOf('c');
    corrupt[corrupt.length - 1]! ^= 1;
    await expect(log.append(corrupt)).rejects.toMatchObject({ code: 'CORRUPT_MESSAGE' });
    await expect(log.append(Buffer.from('not a batch'))).rejects.toBeInstanceOf(StorageError);
    const withTrailingBytes = Buffer.concat([batchOf('t'), Buffer.alloc(3)]);
    await expect(log.append(withTrailingBytes)).rejects.toMatchObject({ code: 'CORRUPT_MESSAGE' });
    expect(await log.append(batchOf('ok'))).toMatchObject({ baseOffset: 0 });
    await log.close();
  });

  it('rolls segments by size and reads across them with Kafka file names', async () => {
    const directory = tempDir();
    const log = await PartitionLog.open(directory, { config: { segmentBytes: 1000 } });
    for (let index = 0; index < 20; index++) await log.append(batchOf(`r${index}`, 3, 0, 60));
    const segments = log.segmentInfos();
    expect(segments.length).toBeGreaterThan(3);
    expect(segments.filter((segment) => segment.active)).toHaveLength(1);
    for (const segment of segments.slice(0, -1)) expect(segment.sizeBytes).toBeLessThanOrEqual(1000);
    const files = readdirSync(directory).sort();
    expect(files).toContain('00000000000000000000.log');
    expect(files).toContain(`${String(segments[1]!.baseOffset).padStart(20, '0')}.timeindex`);
    // Sealed indexes are trimmed to their entries; the active one is preallocated.
    const sealedIndex = statSync(join(directory, '00000000000000000000.index')).size;
    expect(sealedIndex % 8).toBe(0);
    expect(sealedIndex).toBeLessThan(1000);
    const records = await readAll(log);
    expect(records.map(([offset]) => offset)).toEqual(Array.from({ length: 60 }, (_, index) => index));
    await log.close();
  });

  it('rolls on segment.ms and on request', async () => {
    let nowMs = 1_000;
    const log = await PartitionLog.open(tempDir(), { config: { segmentMs: 100 }, nowMs: () => nowMs });
    await log.append(batchOf('a'));
    nowMs += 50;
    await log.append(batchOf('b'));
    expect(log.segmentInfos()).toHaveLength(1);
    nowMs += 100;
    await log.append(batchOf('c'));
    expect(log.segmentInfos().map((segment) => segment.baseOffset)).toEqual([0, 2]);
    await log.roll();
    await log.append(batchOf('d'));
    expect(log.segmentInfos().map((segment) => segment.baseOffset)).toEqual([0, 2, 3]);
    await log.close();
  });

  it('lookups by every offset and timestamp agree with a linear scan', async () => {
    const log = await PartitionLog.open(tempDir(), { config: { segmentBytes: 5_000, indexIntervalBytes: 300 } });
    const timestamps: number[] = [];
    let timestampMs = 10_000;
    for (let index = 0; index < 120; index++) {
      // Timestamps mostly rise, sometimes fall back: the time index must cope.
      timestampMs += index % 7 === 0 ? -40 : 25;
      const count = 1 + (index % 4);
      await log.append(batchOf(`b${index}`, count, timestampMs, 40));
      for (let record = 0; record < count; record++) timestamps.push(timestampMs + record);
    }
    expect(log.segmentInfos().length).toBeGreaterThan(2);
    for (let offset = 0; offset < log.logEndOffset; offset++) {
      const bytes = await log.read(offset, 1);
      const records = recordsIn(bytes);
      expect(records.some(([recordOffset]) => recordOffset === offset)).toBe(true);
    }
    const probes = [0, 9_000, ...timestamps.filter((_, index) => index % 5 === 0), timestamps[timestamps.length - 1]! + 1, Math.max(...timestamps)];
    for (const probe of probes) {
      const expectedOffset = timestamps.findIndex((timestamp) => timestamp >= probe);
      const found = await log.offsetForTimestamp(probe);
      if (expectedOffset < 0) expect(found).toBeNull();
      else expect(found).toEqual({ offset: expectedOffset, timestamp: timestamps[expectedOffset] });
    }
    await log.close();
  });

  it('truncateTo removes the batch holding the offset and everything after, across segments', async () => {
    const log = await PartitionLog.open(tempDir(), { config: { segmentBytes: 600 } });
    for (let index = 0; index < 12; index++) await log.append(batchOf(`r${index}`, 2, 0, 50));
    expect(await log.truncateTo(7)).toBe(6);
    expect(log.logEndOffset).toBe(6);
    expect((await readAll(log)).map(([offset]) => offset)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(await log.append(batchOf('after'))).toMatchObject({ baseOffset: 6 });
    expect(await log.truncateTo(2)).toBe(2);
    expect(await log.append(batchOf('again'))).toMatchObject({ baseOffset: 2 });
    expect((await readAll(log)).map(([, value]) => value.replace(/-x+$/, ''))).toEqual(['r0-0', 'r0-1', 'again-0']);
    await log.close();
  });

  it('deleteRecordsBefore moves the log start and deletes whole segments below it', async () => {
    const log = await PartitionLog.open(tempDir(), { config: { segmentBytes: 600 } });
    for (let index = 0; index < 12; index++) await log.append(batchOf(`r${index}`, 2, 0, 50));
    const segmentsBefore = log.segmentInfos().length;
    expect(await log.deleteRecordsBefore(9)).toBe(9);
    expect(log.logStartOffset).toBe(9);
    expect(log.segmentInfos().length).toBeLessThan(segmentsBefore);
    expect(log.segmentInfos()[0]!.baseOffset).toBeLessThanOrEqual(9);
    await expect(log.read(8, 100)).rejects.toMatchObject({ code: 'OFFSET_OUT_OF_RANGE' });
    expect(recordsIn(await log.read(9, 100)).some(([offset]) => offset === 9)).toBe(true);
    await expect(log.deleteRecordsBefore(100)).rejects.toMatchObject({ code: 'OFFSET_OUT_OF_RANGE' });
    await log.close();
  });

  it('retention deletes whole sealed segments by bytes and by time, never the active one', async () => {
    const directory = tempDir();
    const log = await PartitionLog.open(directory, { config: { segmentBytes: 600, retentionBytes: 1500, retentionMs: -1 } });
    for (let index = 0; index < 20; index++) await log.append(batchOf(`r${index}`, 2, 1_000 + index, 50));
    const before = log.sizeBytes;
    const { segmentsDeleted, bytesDeleted } = await log.enforceRetention();
    expect(segmentsDeleted).toBeGreaterThan(0);
    expect(log.sizeBytes).toBe(before - bytesDeleted);
    expect(log.sizeBytes).toBeLessThanOrEqual(1500 + 600);
    expect(log.logStartOffset).toBe(log.segmentInfos()[0]!.baseOffset);
    await log.close();

    const timed = await PartitionLog.open(tempDir(), { config: { segmentBytes: 600, retentionMs: 1000 } });
    for (let index = 0; index < 20; index++) await timed.append(batchOf(`r${index}`, 2, index < 10 ? 1_000 : 100_000, 50));
    await timed.enforceRetention(50_000);
    const remaining = (await readAll(timed)).map(([offset]) => offset);
    expect(remaining[0]).toBeGreaterThan(0); // old segments went
    expect(remaining.slice(-20)).toEqual(Array.from({ length: 20 }, (_, index) => 20 + index)); // every new record stayed
    // Even past every record's retention, the active segment stays.
    await timed.enforceRetention(10_000_000);
    expect(timed.segmentInfos()).toHaveLength(1);
    expect(timed.logEndOffset).toBe(40);
    await timed.close();
  });

  it('reopens after a clean close without scanning and keeps appending at the end', async () => {
    const directory = tempDir();
    const log = await PartitionLog.open(directory, { config: { segmentBytes: 800 } });
    for (let index = 0; index < 10; index++) await log.append(batchOf(`r${index}`, 2, 0, 50));
    await log.close();
    const reopened = await PartitionLog.open(directory, { config: { segmentBytes: 800 }, cleanShutdown: true });
    expect(reopened.recovery).toMatchObject({ cleanShutdown: true, segmentsScanned: 0 });
    expect(reopened.logEndOffset).toBe(20);
    expect(await reopened.append(batchOf('more'))).toMatchObject({ baseOffset: 20 });
    expect((await readAll(reopened)).length).toBe(21);
    await reopened.close();
  });

  it('flush is group commit: concurrent callers share an fsync and the recovery point advances', async () => {
    const log = await PartitionLog.open(tempDir());
    const appends = Array.from({ length: 50 }, (_, index) => log.append(batchOf(`g${index}`)));
    await Promise.all(appends);
    expect(log.recoveryPoint).toBeLessThan(50);
    await Promise.all([log.flush(), log.flush(), log.flush()]);
    expect(log.recoveryPoint).toBe(50);
    await log.close();
  });

  it('flush.messages makes appends wait for the fsync', async () => {
    const log = await PartitionLog.open(tempDir(), { config: { flushMessages: 1 } });
    await log.append(batchOf('x'));
    expect(log.recoveryPoint).toBe(1);
    await log.close();
  });

  it('flush.ms fsyncs unflushed data on a timer', async () => {
    const log = await PartitionLog.open(tempDir(), { config: { flushMs: 20 } });
    await log.append(batchOf('x'));
    expect(log.recoveryPoint).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(log.recoveryPoint).toBe(1);
    await log.close();
  });

  it('rejects configuration values out of range', async () => {
    await expect(PartitionLog.open(tempDir(), { config: { segmentBytes: 0 } })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    await expect(PartitionLog.open(tempDir(), { config: { retentionMs: -5 } })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
  });
});

describe('buffer ownership', () => {
  it('refuses a buffer that is already being appended (its offsets would be overwritten)', async () => {
    const log = await PartitionLog.open(tempDir());
    const batch = batchOf('same', 2);
    const first = log.append(batch);
    await expect(log.append(batch)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await first).toMatchObject({ baseOffset: 0 });
    expect(await log.append(batch)).toMatchObject({ baseOffset: 2 }); // once settled it may be reused
    expect(recordsIn(await log.read(0, 1 << 20)).map(([offset]) => offset)).toEqual([0, 1, 2, 3]);
    await log.close();
  });

  it('a roll queued behind a stream of appends runs while the appends go on (the writer makes way)', async () => {
    const log = await PartitionLog.open(tempDir(), { writeGroupBytes: 64 });
    const totalAppends = 3000;
    let appended = 0;
    const appender = async (label: string): Promise<void> => {
      for (let index = 0; appended < totalAppends; index++) {
        appended++;
        await log.append(batchOf(`${label}${index}`));
      }
    };
    const appenders = Array.from({ length: 16 }, (_, index) => appender(`p${index}-`));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const queuedAt = appended;
    await log.roll();
    const rolledAt = appended;
    await Promise.all(appenders);
    // Two writes are always in flight while the appenders run: a writer that kept the queue until
    // nothing was left would have run the roll only after the last append.
    expect(queuedAt).toBeLessThan(totalAppends);
    expect(rolledAt).toBeLessThan(totalAppends);
    expect(log.segmentInfos().length).toBe(2);
    expect(log.logEndOffset).toBe(totalAppends);
    expect((await readAll(log, 0)).map(([offset]) => offset)).toEqual(Array.from({ length: totalAppends }, (_, index) => index));
    await log.close();
  });
});
