// Model-based test of PartitionLog: random operations against a plain in-memory model. After
// every step the log's offsets equal the model's, reads return exactly the model's records, and
// after a simulated crash only the unflushed suffix may be missing. Write groups are made tiny, so
// concurrent appends keep several writes in flight (a failure may hit any of them).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRecordBatches } from '../../src/codec/record-batch.js';
import { FaultInjectingFileIO } from '../../src/storage/fault-injecting-file-io.js';
import type { LogConfig } from '../../src/storage/log-config.js';
import { PartitionLog } from '../../src/storage/partition-log.js';
import { batchOf } from '../support/batches.js';
import { tempDir } from '../support/temp-dir.js';

const CONFIG: Partial<LogConfig> = { segmentBytes: 900, indexIntervalBytes: 100, segmentIndexBytes: 240, retentionBytes: 2500, retentionMs: -1 };
const WRITE_GROUP_BYTES = 60;

interface Model {
  /** Value of every record in the log, by offset (offsets below logStart are dropped). */
  values: Map<number, string>;
  /** [baseOffset, lastOffset] of every batch appended and not truncated (below logStart too). */
  batches: [number, number][];
  logStart: number;
  logEnd: number;
  /** Everything below this offset was fsynced. */
  flushed: number;
}

interface Real {
  directory: string;
  io: FaultInjectingFileIO;
  log: PartitionLog;
  appended: number;
}

function checkOffsets(model: Model, real: Real): void {
  expect(real.log.logEndOffset).toBe(model.logEnd);
  expect(real.log.logStartOffset).toBe(model.logStart);
}

function dropBelow(model: Model, offset: number): void {
  model.logStart = offset;
  for (const key of model.values.keys()) if (key < offset) model.values.delete(key);
}

function dropFrom(model: Model, offset: number): void {
  model.logEnd = offset;
  for (const key of model.values.keys()) if (key >= offset) model.values.delete(key);
  model.batches = model.batches.filter(([base]) => base < offset);
  model.flushed = Math.min(model.flushed, offset);
}

/** Records returned by reading from `offset`, as [offset, value] pairs. */
async function readFrom(log: PartitionLog, offset: number, maxBytes: number): Promise<[number, string][]> {
  return decodeRecordBatches(await log.read(offset, maxBytes)).flatMap((batch) => batch.records.map((record): [number, string] => [record.offset, record.value!.toString()]));
}

class Append implements fc.AsyncCommand<Model, Real> {
  constructor(readonly count: number, readonly valueBytes: number, readonly timestampMs: number) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const label = `v${real.appended++}`;
    const result = await real.log.append(batchOf(label, this.count, this.timestampMs, this.valueBytes));
    expect(result.baseOffset).toBe(model.logEnd);
    const batch = decodeRecordBatches(batchOf(label, this.count, this.timestampMs, this.valueBytes))[0]!;
    batch.records.forEach((record, index) => model.values.set(model.logEnd + index, record.value!.toString()));
    model.batches.push([model.logEnd, model.logEnd + this.count - 1]);
    model.logEnd += this.count;
    checkOffsets(model, real);
  }
  toString = () => `Append(${this.count}, ${this.valueBytes})`;
}

class FailedAppend implements fc.AsyncCommand<Model, Real> {
  constructor(readonly afterBytes: number) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    real.io.failNext('write', 'ENOSPC', { pathIncludes: '.log', afterBytes: this.afterBytes });
    const outcome = await real.log.append(batchOf('lost', 2)).then(
      () => 'written',
      (error: { code: string }) => error.code,
    );
    real.io.clearFaults();
    // A roll may have come first (an index write is not a .log write): then the fault hits the append.
    expect(outcome).toBe('KAFKA_STORAGE_ERROR');
    checkOffsets(model, real);
  }
  toString = () => `FailedAppend(${this.afterBytes})`;
}

/**
 * Appends issued together (several writes in flight), optionally with the `failWrite`-th .log write
 * from now failing: the appends that succeed are a prefix, in order, at consecutive offsets; every
 * one after the failed write fails, its onFailed hook run first.
 */
class ConcurrentAppends implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly appends: readonly { count: number; valueBytes: number }[],
    readonly failWrite: number | null,
    readonly afterBytes: number,
  ) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    if (this.failWrite !== null) real.io.failNext('write', 'ENOSPC', { pathIncludes: '.log', skip: this.failWrite, afterBytes: this.afterBytes });
    const batches = this.appends.map(({ count, valueBytes }) => batchOf(`v${real.appended++}`, count, 1_000, valueBytes));
    const expected = batches.map((batch) => decodeRecordBatches(Buffer.from(batch))[0]!.records.map((record) => record.value!.toString()));
    const hooked: number[] = [];
    const settled = await Promise.allSettled(batches.map((batch, index) => real.log.append(batch, { onFailed: () => hooked.push(index) })));
    const faultFired = this.failWrite !== null && !real.io.hasArmedFaults;
    real.io.clearFaults();
    const firstFailed = settled.findIndex((outcome) => outcome.status === 'rejected');
    const succeeded = firstFailed < 0 ? settled.length : firstFailed;
    expect(succeeded < settled.length).toBe(faultFired);
    settled.forEach((outcome, index) => {
      if (index >= succeeded) {
        expect(outcome).toMatchObject({ status: 'rejected', reason: { code: 'KAFKA_STORAGE_ERROR' } });
        return;
      }
      expect(outcome).toMatchObject({ status: 'fulfilled', value: { baseOffset: model.logEnd } });
      expected[index]!.forEach((value, record) => model.values.set(model.logEnd + record, value));
      model.batches.push([model.logEnd, model.logEnd + expected[index]!.length - 1]);
      model.logEnd += expected[index]!.length;
    });
    expect(hooked).toEqual(settled.map((_, index) => index).slice(succeeded));
    checkOffsets(model, real);
  }
  toString = () => `ConcurrentAppends(${this.appends.map(({ count, valueBytes }) => `${count}x${valueBytes}`).join(',')}; fail ${this.failWrite}, ${this.afterBytes})`;
}

class Read implements fc.AsyncCommand<Model, Real> {
  constructor(readonly where: number, readonly maxBytes: number) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const offset = model.logStart + Math.floor(this.where * (model.logEnd - model.logStart + 1));
    const records = await readFrom(real.log, Math.min(offset, model.logEnd), this.maxBytes);
    if (offset >= model.logEnd) {
      expect(records).toEqual([]);
      return;
    }
    expect(records.some(([recordOffset]) => recordOffset === offset)).toBe(true);
    for (const [recordOffset, value] of records) if (recordOffset >= model.logStart) expect(value).toBe(model.values.get(recordOffset));
    const offsets = records.map(([recordOffset]) => recordOffset);
    expect(offsets).toEqual(offsets.map((_, index) => offsets[0]! + index)); // dense
  }
  toString = () => `Read(${this.where.toFixed(2)}, ${this.maxBytes})`;
}

class ReadAll implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const seen: [number, string][] = [];
    let offset = model.logStart;
    while (offset < model.logEnd) {
      const records = (await readFrom(real.log, offset, 700)).filter(([recordOffset]) => recordOffset >= offset);
      expect(records.length).toBeGreaterThan(0);
      seen.push(...records);
      offset = records[records.length - 1]![0] + 1;
    }
    expect(seen).toEqual([...model.values.entries()].sort((a, b) => a[0] - b[0]));
  }
  toString = () => 'ReadAll';
}

class Flush implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    await real.log.flush();
    model.flushed = model.logEnd;
    expect(real.log.recoveryPoint).toBe(model.logEnd);
  }
  toString = () => 'Flush';
}

class Roll implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    await real.log.roll();
    checkOffsets(model, real);
  }
  toString = () => 'Roll';
}

class Retention implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const sizeBefore = real.log.sizeBytes;
    await real.log.enforceRetention();
    const start = real.log.logStartOffset;
    expect(start).toBeGreaterThanOrEqual(model.logStart);
    expect(real.log.segmentInfos()[0]!.baseOffset).toBeLessThanOrEqual(start);
    if (start > model.logStart) expect(sizeBefore).toBeGreaterThan(2500);
    dropBelow(model, start);
    checkOffsets(model, real);
  }
  toString = () => 'Retention';
}

class DeleteRecords implements fc.AsyncCommand<Model, Real> {
  constructor(readonly where: number) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const offset = model.logStart + Math.floor(this.where * (model.logEnd - model.logStart + 1));
    expect(await real.log.deleteRecordsBefore(Math.min(offset, model.logEnd))).toBe(Math.min(offset, model.logEnd));
    dropBelow(model, Math.min(offset, model.logEnd));
    checkOffsets(model, real);
  }
  toString = () => `DeleteRecords(${this.where.toFixed(2)})`;
}

class Truncate implements fc.AsyncCommand<Model, Real> {
  constructor(readonly where: number) {}
  check = (model: Readonly<Model>) => model.logEnd > model.logStart;
  async run(model: Model, real: Real): Promise<void> {
    const offset = model.logStart + Math.floor(this.where * (model.logEnd - model.logStart));
    const holding = model.batches.find(([base, last]) => base <= offset && offset <= last)!;
    const expectedEnd = Math.max(holding[0], model.logStart);
    if (holding[0] < model.logStart) return; // the batch straddles the log start: not a Kafka truncation point
    expect(await real.log.truncateTo(offset)).toBe(expectedEnd);
    dropFrom(model, expectedEnd);
    checkOffsets(model, real);
  }
  toString = () => `Truncate(${this.where.toFixed(2)})`;
}

class CloseAndReopen implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    await real.log.close();
    real.log = await PartitionLog.open(real.directory, { io: real.io, config: CONFIG, writeGroupBytes: WRITE_GROUP_BYTES, cleanShutdown: true, logStartOffset: model.logStart, recoveryPoint: model.logEnd });
    expect(real.log.recovery.segmentsScanned).toBe(0);
    model.flushed = model.logEnd;
    checkOffsets(model, real);
  }
  toString = () => 'CloseAndReopen';
}

class Crash implements fc.AsyncCommand<Model, Real> {
  constructor(readonly seed: number) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const recoveryPoint = real.log.recoveryPoint; // what the last checkpoint could hold
    let state = this.seed;
    await real.io.crash(() => ((state = (state * 48271) % 2147483647) / 2147483647));
    real.io = new FaultInjectingFileIO();
    real.log = await PartitionLog.open(real.directory, { io: real.io, config: CONFIG, writeGroupBytes: WRITE_GROUP_BYTES, recoveryPoint, logStartOffset: model.logStart });
    const end = real.log.logEndOffset;
    expect(end).toBeGreaterThanOrEqual(model.flushed); // nothing flushed is lost
    expect(end).toBeLessThanOrEqual(model.logEnd);
    expect(end === model.logEnd || model.batches.some(([base]) => base === end)).toBe(true); // a batch boundary
    dropFrom(model, end);
    model.logStart = Math.min(model.logStart, end);
    model.flushed = end;
    checkOffsets(model, real);
  }
  toString = () => `Crash(${this.seed})`;
}

/** A position in the log as a fraction in [0, 1) (integers, so shrinking and bias stay useful). */
const fraction = fc.integer({ min: 0, max: 999 }).map((permille) => permille / 1000);
const append = fc
  .tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 120 }), fc.integer({ min: 0, max: 5000 }))
  .map(([count, valueBytes, timestampMs]) => new Append(count, valueBytes, timestampMs));

const concurrentAppends = fc
  .tuple(
    fc.array(fc.record({ count: fc.integer({ min: 1, max: 5 }), valueBytes: fc.integer({ min: 0, max: 120 }) }), { minLength: 2, maxLength: 12 }),
    fc.option(fc.integer({ min: 0, max: 6 }), { freq: 2 }),
    fc.integer({ min: 0, max: 60 }),
  )
  .map(([appends, failWrite, afterBytes]) => new ConcurrentAppends(appends, failWrite, afterBytes));

// Appends are listed several times: fc.commands picks uniformly among the entries.
const commands = [
  append,
  append,
  append,
  append,
  append,
  append,
  concurrentAppends,
  concurrentAppends,
  concurrentAppends,
  fc.integer({ min: 0, max: 60 }).map((afterBytes) => new FailedAppend(afterBytes)),
  fc.tuple(fraction, fc.integer({ min: 1, max: 2000 })).map(([where, maxBytes]) => new Read(where, maxBytes)),
  fc.constant(new ReadAll()),
  fc.constant(new Flush()),
  fc.constant(new Roll()),
  fc.constant(new Retention()),
  fraction.map((where) => new DeleteRecords(where)),
  fraction.map((where) => new Truncate(where)),
  fc.constant(new CloseAndReopen()),
  fc.integer({ min: 1, max: 2 ** 30 }).map((seed) => new Crash(seed)),
];

describe('PartitionLog against an in-memory model', () => {
  it('random append / read / roll / retention / truncate / reopen / crash sequences', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { size: 'large', maxCommands: 80 }), async (sequence) => {
        const directory = tempDir();
        const io = new FaultInjectingFileIO();
        const real: Real = { directory, io, log: await PartitionLog.open(directory, { io, config: CONFIG, writeGroupBytes: WRITE_GROUP_BYTES }), appended: 0 };
        const model: Model = { values: new Map(), batches: [], logStart: 0, logEnd: 0, flushed: 0 };
        try {
          await fc.asyncModelRun(() => ({ model, real }), sequence);
          await new ReadAll().run(model, real);
        } finally {
          await real.log.close().catch(() => undefined);
        }
      }),
      { numRuns: Number(process.env.STRATA_MODEL_RUNS ?? 60) },
    );
  });
});
