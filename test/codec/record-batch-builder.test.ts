import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CompressionId } from '../../src/codec/compression.js';
import { RecordBatchBuilder } from '../../src/codec/record-batch-builder.js';
import { decodeRecordBatch, encodeRecordBatch } from '../../src/codec/record-batch.js';
import type { RecordInput } from '../../src/codec/record.js';
import { expectedRecords, recordInput, supportedCompression } from '../support/arbitraries.js';

/** Appends `records` to a builder of `capacityBytes`; returns how many fitted. */
function appendAll(builder: RecordBatchBuilder, records: readonly RecordInput[]): number {
  let appended = 0;
  for (const record of records) {
    if (!builder.tryAppend(record.timestamp!, record.key ?? null, record.value, record.headers)) break;
    appended++;
  }
  return appended;
}

const identity = fc.record({ producerId: fc.nat(2 ** 40), producerEpoch: fc.nat(0x7fff), baseSequence: fc.nat(2 ** 31 - 1) });

describe('record batch builder', () => {
  it('builds exactly the bytes encodeRecordBatch encodes for the same records, and fills up to its capacity', () => {
    fc.assert(
      fc.property(fc.array(recordInput(), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 4096 }), fc.option(identity, { nil: undefined }), fc.boolean(), (records, capacityBytes, producer, reused) => {
        // A reused buffer (as the producer hands in) holds an earlier batch's bytes: none may show.
        const builder = new RecordBatchBuilder(capacityBytes, reused ? Buffer.alloc(capacityBytes, 0xab) : undefined);
        const appended = appendAll(builder, records);
        expect(appended).toBeGreaterThanOrEqual(1); // the first record always goes in
        const fitted = records.slice(0, appended);
        const batch = builder.finish(producer);
        expect(batch.equals(encodeRecordBatch(fitted, producer))).toBe(true);
        // It stops at the first record that would take it past its capacity, never before.
        if (appended > 1) expect(batch.length).toBeLessThanOrEqual(capacityBytes);
        if (appended < records.length) expect(encodeRecordBatch(records.slice(0, appended + 1)).length).toBeGreaterThan(capacityBytes);
        // The released buffer is the batch's own memory exactly when the batch is a view of it.
        const released = builder.releaseBuffer();
        expect(builder.batchIsView).toBe(released.length > 0 && batch.buffer === released.buffer && batch.byteOffset === released.byteOffset);
      }),
      { numRuns: 400 },
    );
  });

  it('decodes back to its records for every codec, and compresses as encodeRecordBatch does', () => {
    fc.assert(
      fc.property(fc.array(recordInput(), { minLength: 1, maxLength: 40 }), supportedCompression, (records, compression) => {
        const builder = new RecordBatchBuilder(1 << 20);
        expect(appendAll(builder, records)).toBe(records.length);
        const batch = builder.finish({ compression });
        const decoded = decodeRecordBatch(batch);
        expect(decoded.records).toEqual(expectedRecords(records, 0));
        expect(decoded.header.attributes & 0x07).toBe(CompressionId[compression]);
        expect(batch.equals(encodeRecordBatch(records, { compression }))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('grows past its first allocation for a record larger than its capacity, and for timestamps far apart', () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    const builder = new RecordBatchBuilder(100);
    expect(builder.tryAppend(2 ** 52, null, big, undefined)).toBe(true);
    expect(builder.tryAppend(0, null, 'x', undefined)).toBe(false);
    const batch = builder.finish();
    expect(batch.equals(encodeRecordBatch([{ value: big, timestamp: 2 ** 52 }]))).toBe(true);

    const spread = new RecordBatchBuilder(1 << 20);
    const records = [0, 2 ** 40, 5].map((timestamp) => ({ value: `at ${timestamp}`, timestamp }));
    expect(appendAll(spread, records)).toBe(3);
    expect(spread.finish().equals(encodeRecordBatch(records))).toBe(true);
  });

  it('refuses to finish empty or twice', () => {
    const builder = new RecordBatchBuilder(1024);
    expect(() => builder.finish()).toThrow();
    builder.tryAppend(1, null, 'x', undefined);
    builder.finish();
    expect(() => builder.finish()).toThrow();
    expect(() => builder.tryAppend(1, null, 'x', undefined)).toThrow();
  });
});
