// Model-based test of compaction: random produce (repeated keys, tombstones) / roll / flush /
// compact (sometimes crashing at a step of the swap) / time-advance / crash sequences against a
// plain history of every record produced. After every step a full read must give, for every key,
// exactly the newest value of the model (a tombstoned key: its tombstone, or nothing once
// delete.retention.ms has passed), never a record the model does not have, offsets increasing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeRecordBatch } from '../../src/codec/record-batch.js';
import { cleanLog } from '../../src/storage/cleaner/log-cleaner.js';
import { OffsetMap } from '../../src/storage/cleaner/offset-map.js';
import type { SwapStep } from '../../src/storage/cleaner/segment-swap.js';
import { FaultInjectingFileIO } from '../../src/storage/fault-injecting-file-io.js';
import type { LogConfig } from '../../src/storage/log-config.js';
import { PartitionLog } from '../../src/storage/partition-log.js';
import { tempDir } from '../support/temp-dir.js';
import { readAll, type ReadRecord } from '../support/compaction.js';

const T0 = 1_700_000_000_000;
const DAY_MS = 24 * 60 * 60 * 1000;
const CONFIG: Partial<LogConfig> = { segmentBytes: 700, indexIntervalBytes: 100, retentionMs: -1, compact: true, deleteRetentionMs: DAY_MS };
const KEYS = ['a', 'b', 'c', 'd', 'e', 'f'];
const STEPS: SwapStep[] = ['cleaned-written', 'swap-renamed', 'old-deleted', 'swapped-in'];

type Operation =
  | { kind: 'produce'; records: { key: string; tombstone: boolean }[] }
  | { kind: 'roll' }
  | { kind: 'flush' }
  | { kind: 'advance'; ms: number }
  | { kind: 'compact'; mapBytes: number; crashAt: SwapStep | null; random: number }
  | { kind: 'crash'; random: number };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('produce' as const), records: fc.array(fc.record({ key: fc.constantFrom(...KEYS), tombstone: fc.boolean() }), { minLength: 1, maxLength: 4 }) }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'roll' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'flush' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 2 * DAY_MS }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('compact' as const), mapBytes: fc.constantFrom(128, 256, 4096), crashAt: fc.option(fc.constantFrom(...STEPS), { freq: 4 }), random: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('crash' as const), random: fc.double({ min: 0, max: 1, noNaN: true }) }) },
);

interface State {
  directory: string;
  io: FaultInjectingFileIO;
  log: PartitionLog;
  nowMs: number;
  /** Every record produced and not lost to a crash, by offset. */
  history: ReadRecord[];
  value: number;
}

async function reopen(state: State): Promise<void> {
  state.io = new FaultInjectingFileIO();
  state.log = await PartitionLog.open(state.directory, { config: CONFIG, io: state.io, nowMs: () => state.nowMs });
  const durable = state.log.logEndOffset;
  state.history = state.history.filter((record) => record.offset < durable);
}

async function apply(state: State, step: Operation): Promise<void> {
  switch (step.kind) {
    case 'produce': {
      const records = step.records.map((record) => ({ key: record.key, value: record.tombstone ? null : `v${state.value++}`, timestamp: state.nowMs }));
      const { baseOffset } = await state.log.append(encodeRecordBatch(records));
      records.forEach((record, index) => state.history.push({ offset: baseOffset + index, ...record }));
      return;
    }
    case 'roll':
      return state.log.roll();
    case 'flush':
      return state.log.flush();
    case 'advance':
      state.nowMs += step.ms;
      return;
    case 'crash':
      await state.io.crash(() => step.random);
      return reopen(state);
    case 'compact': {
      let crashed = false;
      const swapHook = async (at: SwapStep) => {
        if (at !== step.crashAt || crashed) return;
        crashed = true;
        await state.io.crash(() => step.random);
        throw new Error(`crash after ${at}`);
      };
      try {
        await cleanLog(state.log, { map: new OffsetMap(step.mapBytes), io: state.io, nowMs: state.nowMs, swapHook });
      } catch (error) {
        if (!crashed) throw error;
      }
      if (crashed) await reopen(state);
    }
  }
}

async function check(state: State): Promise<void> {
  const read = await readAll(state.log);
  const offsets = read.map((record) => record.offset);
  expect(new Set(offsets).size).toBe(offsets.length);
  expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
  const byOffset = new Map(state.history.map((record) => [record.offset, record]));
  for (const record of read) expect(record).toEqual(byOffset.get(record.offset)); // nothing invented, nothing altered
  const newestInModel = new Map<string, ReadRecord>();
  for (const record of state.history) newestInModel.set(record.key!, record);
  const newestRead = new Map<string, ReadRecord>();
  for (const record of read) newestRead.set(record.key!, record);
  for (const [key, newest] of newestInModel) {
    const seen = newestRead.get(key);
    if (newest.value !== null) {
      expect(seen, `newest value of ${key}`).toEqual(newest); // the newest record of a key is never removed
    } else if (seen === undefined) {
      expect(state.nowMs - newest.timestamp, `tombstone of ${key} removed early`).toBeGreaterThan(DAY_MS);
    } else {
      expect(seen, `tombstone of ${key}`).toEqual(newest); // no older value comes back
    }
  }
}

describe('compaction model', () => {
  it('random produce / roll / flush / compact / time / crash sequences keep every key at its newest value', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 5, maxLength: 30 }), async (operations) => {
        const directory = tempDir();
        const state: State = { directory, io: new FaultInjectingFileIO(), log: null as unknown as PartitionLog, nowMs: T0, history: [], value: 0 };
        await reopen(state);
        try {
          for (const step of operations) {
            await apply(state, step);
            await check(state);
          }
          // At the end, a full compaction of everything sealed leaves one record per key there.
          await state.log.roll();
          await cleanLog(state.log, { map: new OffsetMap(4096), io: state.io, nowMs: state.nowMs });
          const read = await readAll(state.log);
          expect(new Set(read.map((record) => record.key)).size).toBe(read.length);
          await check(state);
        } finally {
          await state.log.close().catch(() => undefined);
        }
      }),
      { numRuns: 40 },
    );
  });
});
