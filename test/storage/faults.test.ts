import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNodeFileIO, type FileIO, type StorageFile } from '../../src/storage/file-io.js';
import { FaultInjectingFileIO } from '../../src/storage/fault-injecting-file-io.js';
import { PartitionLog } from '../../src/storage/partition-log.js';
import { batchOf, recordsIn } from '../support/batches.js';
import { tempDir } from '../support/temp-dir.js';

const LOG_FILE = '00000000000000000000.log';

/**
 * A FileIO whose .log writes wait at a gate the test opens: a write can be held "on its way". Writes
 * can also be slowed from the n-th on, so that they land after earlier ones have failed.
 */
class GatedWrites implements FileIO {
  private gate: Promise<void> = Promise.resolve();
  private writeCalls = 0;
  private slowWrites = { fromCall: Infinity, delayMs: 0 };
  private releaseGate: () => void = () => undefined;
  private announceWrite: () => void = () => undefined;
  /** Resolves when a write reaches the held gate. */
  writeWaiting: Promise<void> = Promise.resolve();

  constructor(private readonly inner: FileIO) {}

  holdWrites(): void {
    this.gate = new Promise((resolve) => (this.releaseGate = resolve));
    this.writeWaiting = new Promise((resolve) => (this.announceWrite = resolve));
  }

  releaseWrites(): void {
    this.releaseGate();
  }

  /** Delays every .log write from the `fromCall`-th (counting from 0) by `delayMs`. */
  slowWritesFrom(fromCall: number, delayMs: number): void {
    this.slowWrites = { fromCall, delayMs };
  }

  async open(path: string, options: { create: boolean }): Promise<StorageFile> {
    const file = await this.inner.open(path, options);
    if (!path.endsWith('.log')) return file;
    return {
      path: file.path,
      write: async (buffers, position) => {
        const call = this.writeCalls++;
        this.announceWrite();
        await this.gate;
        if (call >= this.slowWrites.fromCall) await new Promise((resolve) => setTimeout(resolve, this.slowWrites.delayMs));
        return file.write(buffers, position);
      },
      read: (target, targetOffset, length, position) => file.read(target, targetOffset, length, position),
      datasync: () => file.datasync(),
      truncate: (sizeBytes) => file.truncate(sizeBytes),
      sizeBytes: () => file.sizeBytes(),
      close: () => file.close(),
    };
  }

  readdir = (directory: string) => this.inner.readdir(directory);
  mkdir = (directory: string) => this.inner.mkdir(directory);
  rename = (from: string, to: string) => this.inner.rename(from, to);
  remove = (path: string) => this.inner.remove(path);
  exists = (path: string) => this.inner.exists(path);
  readFile = (path: string) => this.inner.readFile(path);
  fileSizeBytes = (path: string) => this.inner.fileSizeBytes(path);
  syncDirectory = (directory: string) => this.inner.syncDirectory(directory);
}

async function valuesIn(log: PartitionLog): Promise<string[]> {
  if (log.logEndOffset === log.logStartOffset) return [];
  return recordsIn(await log.read(log.logStartOffset, 1 << 20)).map(([, value]) => value);
}

describe('disk faults', () => {
  for (const errno of ['ENOSPC', 'EIO']) {
    it(`${errno} on write fails that append with a typed error, leaves no partial batch, and the next append succeeds`, async () => {
      const directory = tempDir();
      const io = new FaultInjectingFileIO();
      const log = await PartitionLog.open(directory, { io });
      await log.append(batchOf('before'));
      const sizeBefore = statSync(join(directory, LOG_FILE)).size;
      io.failNext('write', errno, { pathIncludes: '.log', afterBytes: 17 }); // some bytes land, then the error
      await expect(log.append(batchOf('lost'))).rejects.toMatchObject({ code: 'KAFKA_STORAGE_ERROR', message: expect.stringContaining(errno) });
      expect(statSync(join(directory, LOG_FILE)).size).toBe(sizeBefore);
      expect(log.logEndOffset).toBe(1);
      expect(await valuesIn(log)).toEqual(['before-0']);
      expect(await log.append(batchOf('after'))).toMatchObject({ baseOffset: 1 });
      expect(await valuesIn(log)).toEqual(['before-0', 'after-0']);
      await log.close();
      const reopened = await PartitionLog.open(directory, { recoveryPoint: 0 });
      expect(reopened.recovery.truncatedBytes).toBe(0);
      expect(await valuesIn(reopened)).toEqual(['before-0', 'after-0']);
      await reopened.close();
    });
  }

  it('a failed write fails every append queued behind it, running their onFailed hooks before any promise settles', async () => {
    const faults = new FaultInjectingFileIO();
    const io = new GatedWrites(faults);
    const log = await PartitionLog.open(tempDir(), { io });
    await log.append(batchOf('first'));
    const events: string[] = [];
    const appendLogged = (label: string) => {
      const appended = log.append(batchOf(label), { onFailed: () => events.push(`failed ${label}`) });
      appended.catch(() => events.push(`rejected ${label}`));
      return appended;
    };
    io.holdWrites();
    const a = appendLogged('a');
    await io.writeWaiting;
    const queued = [appendLogged('b'), appendLogged('c')]; // queued while a's write is on its way
    faults.failNext('write', 'ENOSPC', { pathIncludes: '.log' });
    io.releaseWrites();
    const results = await Promise.allSettled([a, ...queued]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(events).toEqual(['failed a', 'failed b', 'failed c', 'rejected a', 'rejected b', 'rejected c']);
    // Nothing queued behind the failed batch was written: its retry still comes first.
    expect(log.logEndOffset).toBe(1);
    expect(await log.append(batchOf('a'))).toMatchObject({ baseOffset: 1 });
    expect(await valuesIn(log)).toEqual(['first-0', 'a-0']);
    await log.close();
  });

  it('with writes in flight, a failed one fails every append in it and behind it, and cuts off the later write that landed after it', async () => {
    const directory = tempDir();
    const faults = new FaultInjectingFileIO();
    const io = new GatedWrites(faults);
    // Small write groups: the four equal appends below go out as two writes ({a, b} and {c, d}),
    // both in flight at once, and 'e' waits behind them.
    const log = await PartitionLog.open(directory, { io, writeGroupBytes: 100 });
    await log.append(batchOf('first'));
    const events: string[] = [];
    const appendLogged = (label: string) => {
      const appended = log.append(batchOf(label, 1, 1_700_000_000_000, 200), { onFailed: () => events.push(`failed ${label}`) });
      appended.then(
        () => events.push(`resolved ${label}`),
        () => events.push(`rejected ${label}`),
      );
      return appended;
    };
    // {a, b} fails after 30 bytes; {c, d} lands well after that (.log write call 2).
    faults.failNext('write', 'EIO', { pathIncludes: '.log', afterBytes: 30 });
    io.slowWritesFrom(2, 50);
    const appends = ['a', 'b', 'c', 'd'].map(appendLogged);
    const results = await Promise.allSettled(appends);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    expect(results[0]).toMatchObject({ reason: { code: 'KAFKA_STORAGE_ERROR' } });
    expect(events).toEqual(['failed a', 'failed b', 'failed c', 'failed d', 'rejected a', 'rejected b', 'rejected c', 'rejected d']);
    // The file ends where {a, b} began: neither its partial bytes nor the later write stay behind.
    expect(log.logEndOffset).toBe(1);
    expect(statSync(join(directory, LOG_FILE)).size).toBe(log.sizeBytes);
    // With both writes succeeding, all four land in order behind 'first'.
    io.slowWritesFrom(Infinity, 0);
    const retried = await Promise.all(['a', 'b', 'c', 'd'].map(appendLogged));
    expect(retried.map((result) => result.baseOffset)).toEqual([1, 2, 3, 4]);
    const expected = ['first-0', ...['a', 'b', 'c', 'd'].map((label) => `${label}-0-`.padEnd(200, 'x'))];
    expect(await valuesIn(log)).toEqual(expected);
    await log.close();
    // Recovery scanning the whole file finds exactly that: nothing written after the failure comes back.
    const reopened = await PartitionLog.open(directory, { recoveryPoint: 0 });
    expect(reopened.recovery.truncatedBytes).toBe(0);
    expect(await valuesIn(reopened)).toEqual(expected);
    await reopened.close();
  });

  it('a failed write whose cleanup also fails takes the log offline', async () => {
    const io = new FaultInjectingFileIO();
    const log = await PartitionLog.open(tempDir(), { io });
    io.failNext('write', 'EIO', { pathIncludes: '.log', afterBytes: 10 });
    io.failNext('truncate', 'EIO', { pathIncludes: '.log' });
    await expect(log.append(batchOf('x'))).rejects.toMatchObject({ code: 'LOG_OFFLINE' });
    expect(log.isOffline).toBe(true);
    await expect(log.append(batchOf('y'))).rejects.toMatchObject({ code: 'LOG_OFFLINE' });
    await log.close();
  });

  it('short writes from the OS are completed', async () => {
    const directory = tempDir();
    const log = await PartitionLog.open(directory, { io: createNodeFileIO({ maxBytesPerWrite: 7 }) });
    const appends = Array.from({ length: 20 }, (_, index) => log.append(batchOf(`s${index}`, 3)));
    await Promise.all(appends);
    await log.close();
    const reopened = await PartitionLog.open(directory, { recoveryPoint: 0 });
    expect(reopened.recovery.truncatedBytes).toBe(0);
    expect(reopened.logEndOffset).toBe(60);
    await reopened.close();
  });

  it('a failed fsync takes the log offline until it is reopened, and nothing flushed is lost', async () => {
    const directory = tempDir();
    const io = new FaultInjectingFileIO();
    const log = await PartitionLog.open(directory, { io });
    await log.append(batchOf('durable'));
    await log.flush();
    await log.append(batchOf('maybe'));
    io.failNext('datasync', 'EIO', { pathIncludes: '.log' });
    await expect(log.flush()).rejects.toMatchObject({ code: 'LOG_OFFLINE' });
    expect(log.isOffline).toBe(true);
    await expect(log.append(batchOf('refused'))).rejects.toMatchObject({ code: 'LOG_OFFLINE' });
    await expect(log.flush()).rejects.toMatchObject({ code: 'LOG_OFFLINE' });
    // Nor is anything read: 'maybe' was never durable and its failed fsync may have dropped it.
    await expect(log.read(0, 1 << 20)).rejects.toMatchObject({ code: 'LOG_OFFLINE' });
    await expect(log.offsetForTimestamp(0)).rejects.toMatchObject({ code: 'LOG_OFFLINE' });
    await log.close();
    const reopened = await PartitionLog.open(directory, { recoveryPoint: 1 });
    expect((await valuesIn(reopened))[0]).toBe('durable-0');
    expect(await reopened.append(batchOf('again'))).toMatchObject({ baseOffset: reopened.logEndOffset - 1 });
    await reopened.close();
  });

  it('a crash between write and fsync keeps everything flushed and recovers a valid prefix', async () => {
    for (let trial = 0; trial < 30; trial++) {
      const directory = tempDir();
      const io = new FaultInjectingFileIO();
      const log = await PartitionLog.open(directory, { io, config: { segmentBytes: 600 } });
      const flushedCount = 1 + (trial % 7);
      for (let index = 0; index < flushedCount; index++) await log.append(batchOf(`f${index}`, 2, 1_000, 30));
      await log.flush();
      const recoveryPoint = log.recoveryPoint;
      for (let index = 0; index < 5; index++) await log.append(batchOf(`u${index}`, 2, 1_000, 30));
      let seed = trial + 1;
      await io.crash(() => ((seed = (seed * 16807) % 2147483647) / 2147483647));
      const reopened = await PartitionLog.open(directory, { recoveryPoint, config: { segmentBytes: 600 } });
      const values = [];
      for (let offset = 0; offset < reopened.logEndOffset; offset += 2) values.push(...recordsIn(await reopened.read(offset, 1)).map(([, value]) => value.replace(/-x+$/, '')));
      const expected = [...Array.from({ length: flushedCount }, (_, index) => [`f${index}-0`, `f${index}-1`]).flat(), ...Array.from({ length: 5 }, (_, index) => [`u${index}-0`, `u${index}-1`]).flat()];
      expect(values.length).toBeGreaterThanOrEqual(flushedCount * 2);
      expect(values).toEqual(expected.slice(0, values.length));
      expect(await reopened.append(batchOf('next'))).toMatchObject({ baseOffset: values.length });
      await reopened.close();
    }
  });
});
