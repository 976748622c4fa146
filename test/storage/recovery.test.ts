import { cpSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PartitionLog, type LogEvent } from '../../src/storage/partition-log.js';
import { batchOf, recordsIn } from '../support/batches.js';
import { tempDir } from '../support/temp-dir.js';

async function readEverything(log: PartitionLog): Promise<[number, string][]> {
  const records: [number, string][] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const batch = recordsIn(await log.read(offset, 1));
    records.push(...batch);
    offset = batch[batch.length - 1]![0] + 1;
  }
  return records;
}

/** A closed one-segment log of `batches` batches of 2 records; returns its directory and batch end positions. */
async function writeLog(batches: number): Promise<{ directory: string; batchEnds: number[] }> {
  const directory = tempDir();
  const log = await PartitionLog.open(directory, { config: { indexIntervalBytes: 100 } });
  const batchEnds: number[] = [];
  let position = 0;
  for (let index = 0; index < batches; index++) {
    const batch = batchOf(`b${index}`, 2, 1_000 + index * 10, 20);
    await log.append(batch);
    position += batch.length;
    batchEnds.push(position);
  }
  await log.close();
  return { directory, batchEnds };
}

const LOG_FILE = '00000000000000000000.log';

describe('recovery after an unclean stop', () => {
  it('a log cut at every byte inside its last three batches recovers the longest valid prefix and appends again', async () => {
    const { directory, batchEnds } = await writeLog(8);
    const total = batchEnds[batchEnds.length - 1]!;
    const scratch = tempDir();
    for (let cut = batchEnds[batchEnds.length - 4]!; cut < total; cut++) {
      const copy = join(scratch, `cut-${cut}`);
      cpSync(directory, copy, { recursive: true });
      truncateSync(join(copy, LOG_FILE), cut);
      const events: LogEvent[] = [];
      const log = await PartitionLog.open(copy, { recoveryPoint: 0, onEvent: (event) => events.push(event) });
      const wholeBatches = batchEnds.filter((end) => end <= cut).length;
      expect(log.logEndOffset).toBe(wholeBatches * 2);
      expect(log.recovery.truncatedBytes).toBe(cut - batchEnds[wholeBatches - 1]!);
      if (log.recovery.truncatedBytes > 0) expect(events).toContainEqual(expect.objectContaining({ type: 'recovery-truncated', position: batchEnds[wholeBatches - 1] }));
      const records = await readEverything(log);
      expect(records.map(([offset]) => offset)).toEqual(Array.from({ length: wholeBatches * 2 }, (_, index) => index));
      expect(await log.append(batchOf('after'))).toMatchObject({ baseOffset: wholeBatches * 2 });
      expect(statSync(join(copy, LOG_FILE)).size).toBe(batchEnds[wholeBatches - 1]! + batchOf('after').length);
      await log.close();
      rmSync(copy, { recursive: true });
    }
  });

  it('a bit flip in the unflushed tail is cut off on recovery', async () => {
    const { directory, batchEnds } = await writeLog(5);
    const bytes = readFileSync(join(directory, LOG_FILE));
    bytes[batchEnds[3]! + 40]! ^= 0x10; // inside the last batch, under its CRC
    writeFileSync(join(directory, LOG_FILE), bytes);
    const log = await PartitionLog.open(directory, { recoveryPoint: 0 });
    expect(log.logEndOffset).toBe(8);
    expect(log.recovery.truncatedBytes).toBe(batchEnds[4]! - batchEnds[3]!);
    await log.close();
  });

  it('a bit flip in a sealed segment is a typed error naming file and position, never wrong bytes', async () => {
    const directory = tempDir();
    const log = await PartitionLog.open(directory, { config: { segmentBytes: 500 } });
    const positions: number[] = [];
    let position = 0;
    for (let index = 0; index < 10; index++) {
      const batch = batchOf(`b${index}`, 2, 1_000, 30);
      if (position + batch.length > 500) position = 0;
      positions.push(position);
      position += batch.length;
      await log.append(batch);
    }
    await log.close();
    const bytes = readFileSync(join(directory, LOG_FILE));
    bytes[positions[1]! + 70]! ^= 0x01; // second batch of the first (sealed) segment
    writeFileSync(join(directory, LOG_FILE), bytes);
    const reopened = await PartitionLog.open(directory, { config: { segmentBytes: 500 }, cleanShutdown: true });
    expect(recordsIn(await reopened.read(0, 1))).toEqual([[0, expect.any(String)], [1, expect.any(String)]]);
    await expect(reopened.read(2, 1)).rejects.toMatchObject({ code: 'CORRUPT_MESSAGE', message: expect.stringContaining(`${LOG_FILE} at position ${positions[1]}`) });
    await expect(reopened.read(0, 10_000)).rejects.toMatchObject({ code: 'CORRUPT_MESSAGE' });
    await reopened.close();
  });

  it('recovery scans only what follows the recovery point', async () => {
    const directory = tempDir();
    const log = await PartitionLog.open(directory, { config: { segmentBytes: 1000 } });
    for (let index = 0; index < 40; index++) await log.append(batchOf(`b${index}`, 2, 1_000, 40));
    await log.flush();
    const recoveryPoint = log.recoveryPoint;
    const segments = log.segmentInfos().length;
    await log.close();
    const reopened = await PartitionLog.open(directory, { config: { segmentBytes: 1000 }, recoveryPoint });
    expect(segments).toBeGreaterThan(5);
    expect(reopened.recovery.segmentsScanned).toBe(1);
    expect(reopened.logEndOffset).toBe(80);
    await reopened.close();
    const fromZero = await PartitionLog.open(directory, { config: { segmentBytes: 1000 }, recoveryPoint: 0 });
    expect(fromZero.recovery.segmentsScanned).toBe(segments);
    expect(fromZero.recovery.truncatedBytes).toBe(0);
    await fromZero.close();
  });

  it('a torn segment deletes every later segment', async () => {
    const directory = tempDir();
    const log = await PartitionLog.open(directory, { config: { segmentBytes: 500 } });
    for (let index = 0; index < 12; index++) await log.append(batchOf(`b${index}`, 2, 1_000, 30));
    const bases = log.segmentInfos().map((segment) => segment.baseOffset);
    await log.close();
    const secondLog = join(directory, `${String(bases[1]).padStart(20, '0')}.log`);
    truncateSync(secondLog, statSync(secondLog).size - 5);
    const reopened = await PartitionLog.open(directory, { config: { segmentBytes: 500 }, recoveryPoint: 0 });
    expect(reopened.segmentInfos().map((segment) => segment.baseOffset)).toEqual(bases.slice(0, 2));
    expect(readdirSync(directory).filter((name) => name.endsWith('.log'))).toHaveLength(2);
    expect(reopened.logEndOffset).toBeLessThan(bases[2]!);
    expect(await reopened.append(batchOf('x'))).toMatchObject({ baseOffset: reopened.logEndOffset - 1 });
    await reopened.close();
  });

  it('missing or garbage index files are rebuilt', async () => {
    const directory = tempDir();
    const log = await PartitionLog.open(directory, { config: { segmentBytes: 2000, indexIntervalBytes: 100 } });
    for (let index = 0; index < 40; index++) await log.append(batchOf(`b${index}`, 2, 1_000 + index, 30));
    await log.close();
    rmSync(join(directory, '00000000000000000000.index'));
    const names = readdirSync(directory).filter((name) => name.endsWith('.index')).sort();
    writeFileSync(join(directory, names[1]!), Buffer.alloc(64, 0xff));
    writeFileSync(join(directory, names[names.length - 1]!), Buffer.alloc(24, 0x00)); // the active segment's
    const reopened = await PartitionLog.open(directory, { config: { segmentBytes: 2000, indexIntervalBytes: 100 }, cleanShutdown: true });
    for (let offset = 0; offset < 80; offset++) {
      expect(recordsIn(await reopened.read(offset, 1)).some(([recordOffset]) => recordOffset === offset)).toBe(true);
    }
    expect(await reopened.offsetForTimestamp(1_020)).toEqual({ offset: 39, timestamp: 1_020 }); // batch 19's second record
    expect(existsSync(join(directory, '00000000000000000000.index'))).toBe(true);
    expect(statSync(join(directory, '00000000000000000000.index')).size).toBeGreaterThan(0);
    await reopened.close();
  });
});
