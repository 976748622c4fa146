import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CodecError } from '../../src/codec/codec-error.js';
import {
  batchSizeAt,
  BATCH_HEADER_BYTES,
  lastOffsetAt,
  readBatchHeader,
  validateBatchFrame,
  writeBaseOffset,
  writePartitionLeaderEpoch,
} from '../../src/codec/record-batch-header.js';
import {
  decodeRecordBatch,
  decodeRecordBatches,
  encodeRecordBatch,
  nextOffsetAfterBatches,
  RecordBatchesReader,
  setMaxTimestamp,
  validateRecordBatch,
  type RecordBatchesReaderOptions,
} from '../../src/codec/record-batch.js';
import type { CompressionName } from '../../src/codec/compression.js';
import type { DecodedRecord, RecordInput } from '../../src/codec/record.js';
import { expectedRecords, recordInput, supportedCompression } from '../support/arbitraries.js';

describe('record batch v2 round trip', () => {
  it('decodes exactly the records it encoded, for every codec', () => {
    fc.assert(
      fc.property(fc.array(recordInput(), { minLength: 1, maxLength: 40 }), supportedCompression, fc.nat(2 ** 40), (records, compression, baseOffset) => {
        const batch = encodeRecordBatch(records, { compression, baseOffset });
        const decoded = decodeRecordBatch(batch);
        expect(decoded.records).toEqual(expectedRecords(records, baseOffset));
        expect(decoded.header.recordCount).toBe(records.length);
        expect(decoded.header.lastOffsetDelta).toBe(records.length - 1);
        expect(decoded.header.maxTimestamp).toBe(Math.max(...records.map((record) => record.timestamp!)));
        expect(decoded.header.baseTimestamp).toBe(records[0]!.timestamp);
        expect(batchSizeAt(batch, 0)).toBe(batch.length);
        const summary = validateRecordBatch(batch);
        expect(summary.sizeBytes).toBe(batch.length);
        expect(summary.maxTimestamp).toBe(decoded.header.maxTimestamp);
      }),
      { numRuns: 300 },
    );
  });

  it('handles 1..10,000 records per batch', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), supportedCompression, (count, compression) => {
        const records = Array.from({ length: count }, (_, index) => ({ key: `k${index % 7}`, value: `value-${index}`, timestamp: 1_700_000_000_000 + index }));
        const decoded = decodeRecordBatch(encodeRecordBatch(records, { compression }));
        expect(decoded.records).toHaveLength(count);
        expect(decoded.records[count - 1]!.value!.toString()).toBe(`value-${count - 1}`);
        expect(decoded.records[count - 1]!.offset).toBe(count - 1);
      }),
      { numRuns: 12 },
    );
  });

  it('carries 1 MiB values, empty and null keys and values, for every codec', () => {
    const big = Buffer.alloc(1024 * 1024);
    for (let index = 0; index < big.length; index++) big[index] = (index * 2654435761) >>> 24;
    const records = [
      { key: Buffer.alloc(0), value: big, timestamp: 5 },
      { key: null, value: null, timestamp: 6 },
      { key: 'ключ 🔑', value: '', timestamp: 4, headers: [{ key: '', value: null }, { key: 'h', value: Buffer.from([0]) }] },
    ];
    for (const compression of ['none', 'gzip', 'lz4'] as const) {
      const decoded = decodeRecordBatch(encodeRecordBatch(records, { compression }));
      // Buffer.equals for the 1 MiB value: a deep toEqual over a megabyte takes seconds.
      expect(decoded.records[0]!.value!.equals(big)).toBe(true);
      expect({ ...decoded.records[0]!, value: null }).toEqual({ ...expectedRecords(records, 0)[0]!, value: null });
      expect(decoded.records.slice(1)).toEqual(expectedRecords(records, 0).slice(1));
    }
  });

  it('keeps producer fields, flags and explicit offset deltas', () => {
    const batch = encodeRecordBatch([{ value: 'a', timestamp: 10 }, { value: 'b', timestamp: 20 }], {
      baseOffset: 100,
      producerId: 42,
      producerEpoch: 3,
      baseSequence: 7,
      partitionLeaderEpoch: 9,
      transactional: true,
      offsetDeltas: [0, 5],
    });
    const { header, records } = decodeRecordBatch(batch);
    expect(header).toMatchObject({ baseOffset: 100, producerId: 42, producerEpoch: 3, baseSequence: 7, partitionLeaderEpoch: 9, lastOffsetDelta: 5, attributes: 0x10 });
    expect(records.map((record) => record.offset)).toEqual([100, 105]);
    expect(lastOffsetAt(batch, 0)).toBe(105);
  });

  it('gives every record the batch maxTimestamp for LogAppendTime', () => {
    const batch = encodeRecordBatch([{ value: 'a', timestamp: 10 }, { value: 'b', timestamp: 20 }]);
    setMaxTimestamp(batch, 0, 99, true);
    expect(decodeRecordBatch(batch).records.map((record) => record.timestamp)).toEqual([99, 99]);
    setMaxTimestamp(batch, 0, 20, false);
    expect(decodeRecordBatch(batch).records.map((record) => record.timestamp)).toEqual([10, 20]);
  });

  it('rejects encoder input that cannot be represented', () => {
    expect(() => encodeRecordBatch([])).toThrow(CodecError);
    expect(() => encodeRecordBatch([{ value: 'x', timestamp: 1.5 }])).toThrow(CodecError);
    expect(() => encodeRecordBatch([{ value: 'x' }, { value: 'y' }], { offsetDeltas: [1, 1] })).toThrow(CodecError);
    expect(() => encodeRecordBatch([{ value: 'x' }], { compression: 'zstd' })).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_COMPRESSION_TYPE' }));
    expect(() => encodeRecordBatch([{ value: 'x' }], { compression: 'snappy' })).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_COMPRESSION_TYPE' }));
  });
});

describe('record batch header', () => {
  it('decodes the header alone, and offsets are rewritten in place without breaking the CRC', () => {
    fc.assert(
      fc.property(fc.array(recordInput(16), { minLength: 1, maxLength: 5 }), fc.maxSafeNat(), fc.integer({ min: -1, max: 2 ** 31 - 1 }), (records, baseOffset, epoch) => {
        const batch = encodeRecordBatch(records);
        writeBaseOffset(batch, 0, baseOffset);
        writePartitionLeaderEpoch(batch, 0, epoch);
        expect(validateBatchFrame(batch)).toBe(batch.length);
        const header = readBatchHeader(batch);
        expect(header.baseOffset).toBe(baseOffset);
        expect(header.partitionLeaderEpoch).toBe(epoch);
        expect(header.magic).toBe(2);
        expect(header.batchLength + 12).toBe(batch.length);
        expect(decodeRecordBatch(batch).records[0]!.offset).toBe(baseOffset);
      }),
    );
  });

  it('decodes consecutive batches and can ignore a partial batch at the end', () => {
    const first = encodeRecordBatch([{ value: 'one', timestamp: 1 }], { baseOffset: 0 });
    const second = encodeRecordBatch([{ value: 'two', timestamp: 2 }, { value: 'three', timestamp: 3 }], { baseOffset: 1 });
    const bytes = Buffer.concat([first, second, second.subarray(0, 30)]);
    const batches = decodeRecordBatches(bytes, { allowPartialTail: true });
    expect(batches.flatMap((batch) => batch.records.map((record) => record.value!.toString()))).toEqual(['one', 'two', 'three']);
    expect(() => decodeRecordBatches(bytes)).toThrow(expect.objectContaining({ code: 'TRUNCATED' }));
  });
});

describe('record batch corruption', () => {
  it('detects a flipped bit anywhere under the CRC (and in magic or length)', () => {
    fc.assert(
      fc.property(fc.array(recordInput(32), { minLength: 1, maxLength: 8 }), supportedCompression, fc.nat(), fc.nat(7), (records, compression, where, bit) => {
        const batch = encodeRecordBatch(records, { compression });
        const position = 8 + (where % (batch.length - 8)); // anything but baseOffset
        if (position >= 12 && position < 16) return; // partitionLeaderEpoch is outside the CRC by design
        batch[position]! ^= 1 << bit;
        expect(() => validateBatchFrame(batch)).toThrow(CodecError);
        expect(() => decodeRecordBatch(batch)).toThrow(CodecError);
      }),
      { numRuns: 500 },
    );
  });

  it('names the position of a bad CRC', () => {
    const batch = encodeRecordBatch([{ value: 'payload', timestamp: 1 }]);
    batch[batch.length - 1]! ^= 0xff;
    expect(() => validateBatchFrame(batch)).toThrow(expect.objectContaining({ code: 'CORRUPT_CRC', message: expect.stringContaining('batch at 0') }));
  });

  it('decoding arbitrary bytes only ever throws CodecError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expectOnlyCodecErrors(() => decodeRecordBatch(Buffer.from(bytes)));
      }),
      { numRuns: 2000 },
    );
  });

  it('a valid header and CRC over mutated records only ever throws CodecError', () => {
    // Mutate the record bytes, then fix the CRC so the record parser itself sees the garbage.
    fc.assert(
      fc.property(
        fc.array(recordInput(24), { minLength: 1, maxLength: 6 }),
        supportedCompression,
        fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: -3, max: 3 }),
        fc.integer({ min: -2, max: 2 }),
        (records, compression, mutations, countChange, lengthChange) => {
          let batch = encodeRecordBatch(records, { compression });
          for (const [where, value] of mutations) batch[BATCH_HEADER_BYTES + (where % (batch.length - BATCH_HEADER_BYTES))] = value;
          batch.writeInt32BE(batch.readInt32BE(57) + countChange, 57);
          if (lengthChange < 0) batch = batch.subarray(0, Math.max(BATCH_HEADER_BYTES, batch.length + lengthChange));
          if (lengthChange > 0) batch = Buffer.concat([batch, Buffer.alloc(lengthChange, 0x80)]);
          batch.writeInt32BE(batch.length - 12, 8);
          setMaxTimestamp(batch, 0, batch.readInt32BE(35) & 0xffff, false);
          expectOnlyCodecErrors(() => decodeRecordBatch(batch));
          expectOnlyCodecErrors(() => validateRecordBatch(batch));
          // The pull reader (with or without its own CRC check) accepts exactly what decodeRecordBatch accepts.
          const decoded = outcome(() => decodeRecordBatch(batch).records);
          for (const crcChecked of [false, true]) expect(outcome(() => pullAll(batch, { crcChecked }))).toEqual(decoded);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('huge and negative lengths and counts are typed errors', () => {
    const batch = encodeRecordBatch([{ value: 'x', timestamp: 1 }]);
    for (const [field, value] of [[8, 0x7fffffff], [8, -1], [8, 10], [57, -1], [57, 0x7fffffff]] as const) {
      const copy = Buffer.from(batch);
      copy.writeInt32BE(value, field);
      if (field === 57) setMaxTimestamp(copy, 0, 1, false);
      expect(() => decodeRecordBatch(copy)).toThrow(CodecError);
    }
  });

  it('rejects records that disagree with the header', () => {
    const twoRecords = encodeRecordBatch([{ value: 'a', timestamp: 1 }, { value: 'b', timestamp: 1 }]);
    const wrongCount = Buffer.from(twoRecords);
    wrongCount.writeInt32BE(1, 57);
    setMaxTimestamp(wrongCount, 0, 1, false);
    expect(() => decodeRecordBatch(wrongCount)).toThrow(expect.objectContaining({ code: 'INVALID_RECORD' }));
    const wrongLastDelta = Buffer.from(twoRecords);
    wrongLastDelta.writeInt32BE(0, 23);
    setMaxTimestamp(wrongLastDelta, 0, 1, false);
    expect(() => decodeRecordBatch(wrongLastDelta)).toThrow(expect.objectContaining({ code: 'INVALID_RECORD' }));
  });

  it('names the codec of an unsupported compressed batch', () => {
    const batch = encodeRecordBatch([{ value: 'a', timestamp: 1 }]);
    batch.writeInt16BE(4, 21); // zstd
    setMaxTimestamp(batch, 0, 1, false);
    expect(() => decodeRecordBatch(batch)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_COMPRESSION_TYPE', message: expect.stringContaining('zstd') }));
  });
});

/** Every record of `bytes` through a RecordBatchesReader, as decodeRecordBatch would return them. */
function pullAll(bytes: Buffer, options: RecordBatchesReaderOptions = {}): DecodedRecord[] {
  const reader = new RecordBatchesReader(bytes, options);
  const records: DecodedRecord[] = [];
  while (reader.next()) records.push({ offset: reader.offset, timestamp: reader.timestamp, key: reader.cursor.key(), value: reader.cursor.value(), headers: reader.cursor.headers() });
  return records;
}

/** What `decode` returns, or the code of the CodecError it throws (anything else fails the test). */
function outcome(decode: () => unknown): unknown {
  try {
    return decode();
  } catch (error) {
    if (!(error instanceof CodecError)) throw error;
    return { codecError: true };
  }
}

function expectOnlyCodecErrors(decode: () => unknown): void {
  try {
    decode();
  } catch (error) {
    if (!(error instanceof CodecError)) throw error;
  }
}

/** `batches` encoded back to back from offset 10, with gaps of `gaps[i]` offsets inside batch i (compaction); and the offset after them. */
function encodeBatches(batches: readonly (readonly RecordInput[])[], compression: CompressionName, gaps: readonly number[] = []): { bytes: Buffer; nextOffset: number } {
  let offset = 10;
  const bytes = Buffer.concat(
    batches.map((records, index) => {
      const gap = gaps[index] ?? 0;
      const batch = encodeRecordBatch(records, { compression, baseOffset: offset, offsetDeltas: records.map((_, delta) => delta * (gap + 1)) });
      offset += (records.length - 1) * (gap + 1) + 1;
      return batch;
    }),
  );
  return { bytes, nextOffset: offset };
}

describe('reading fetched batches record by record', () => {
  const fetchedBatches = fc.tuple(fc.array(fc.array(recordInput(16), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 4 }), supportedCompression, fc.array(fc.nat(3), { maxLength: 4 }));

  it('forEachRecord and RecordBatchesReader give exactly what decodeRecordBatches decodes, and the offset after the last whole batch', async () => {
    const { forEachRecord } = await import('../../src/codec/record-batch.js');
    fc.assert(
      fc.property(fetchedBatches, fc.nat(60), ([batches, compression, gaps], tailBytes) => {
        const { bytes, nextOffset } = encodeBatches(batches, compression, gaps);
        const expected = decodeRecordBatches(bytes).flatMap((batch) => batch.records);
        const withTail = Buffer.concat([bytes, bytes.subarray(0, Math.min(tailBytes, bytes.length - 1))]); // a partial batch at the end is ignored
        const visited: unknown[] = [];
        expect(forEachRecord(withTail, (recordOffset, timestamp, key, value, headers) => visited.push({ offset: recordOffset, timestamp, key, value, headers }))).toBe(nextOffset);
        expect(visited).toEqual(expected);
        for (const crcChecked of [false, true]) expect(pullAll(withTail, { crcChecked })).toEqual(expected);
        expect(nextOffsetAfterBatches(withTail)).toBe(nextOffset);
      }),
      { numRuns: 100 },
    );
    expect(forEachRecord(Buffer.alloc(0), () => undefined)).toBe(-1);
    expect(nextOffsetAfterBatches(Buffer.alloc(0))).toBe(-1);
  });

  it('a batchLength shorter than a batch header is INVALID_LENGTH, not the end of the fetch', () => {
    const { bytes } = encodeBatches([[{ value: 'a', timestamp: 1 }], [{ value: 'b', timestamp: 2 }]], 'none');
    const second = batchSizeAt(bytes, 0);
    bytes.writeInt32BE(BATCH_HEADER_BYTES - 13, second + 8);
    expect(() => nextOffsetAfterBatches(bytes)).toThrow(expect.objectContaining({ code: 'INVALID_LENGTH' }));
    expect(() => pullAll(bytes, { crcChecked: true })).toThrow(expect.objectContaining({ code: 'INVALID_LENGTH' }));
  });

  it('checks each batch\'s CRC before handing out any of its records (unless storage checked it)', () => {
    fc.assert(
      fc.property(fetchedBatches, fc.nat(), fc.nat(7), ([batches, compression, gaps], where, bit) => {
        if (batches.length < 2) return;
        const { bytes } = encodeBatches(batches, compression, gaps);
        const lastStart = bytes.length - batchSizeOfLast(bytes);
        const expectedBefore = decodeRecordBatches(bytes.subarray(0, lastStart)).flatMap((batch) => batch.records);
        const corrupt = Buffer.from(bytes);
        corrupt[lastStart + BATCH_HEADER_BYTES - 40 + (where % (corrupt.length - lastStart - BATCH_HEADER_BYTES + 40))]! ^= 1 << bit; // under the CRC
        const reader = new RecordBatchesReader(corrupt);
        const handedOut: number[] = [];
        expect(() => {
          while (reader.next()) handedOut.push(reader.offset);
        }).toThrow(expect.objectContaining({ code: 'CORRUPT_CRC' }));
        expect(handedOut).toEqual(expectedBefore.map((record) => record.offset));
        // Bytes storage has checked skip the second CRC: the same flip is not this reader's to find.
        expectOnlyCodecErrors(() => pullAll(corrupt, { crcChecked: true }));
      }),
      { numRuns: 200 },
    );
  });
});

function batchSizeOfLast(bytes: Buffer): number {
  let position = 0;
  for (;;) {
    const size = batchSizeAt(bytes, position);
    if (position + size >= bytes.length) return size;
    position += size;
  }
}
