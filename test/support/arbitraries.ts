// fast-check arbitraries shared by codec tests: records as a producer would send them, and the
// records a decoder must give back for them.
import fc from 'fast-check';
import type { DecodedRecord, RecordBytes, RecordInput } from '../../src/codec/record.js';
import type { CompressionName } from '../../src/codec/compression.js';

export const recordBytes = (maxLength = 64): fc.Arbitrary<RecordBytes> =>
  fc.oneof(
    fc.constant(null),
    fc.uint8Array({ maxLength }).map((bytes) => Buffer.from(bytes)),
    fc.string({ unit: 'grapheme', maxLength }),
  );

export const timestampMs = fc.integer({ min: 0, max: 4_102_444_800_000 }); // up to year 2100

export const recordInput = (maxLength = 64): fc.Arbitrary<RecordInput> =>
  fc.record({
    key: recordBytes(maxLength),
    value: recordBytes(maxLength),
    headers: fc.array(fc.record({ key: fc.string({ unit: 'grapheme', maxLength: 16 }), value: recordBytes(16) }), { maxLength: 3 }),
    timestamp: timestampMs,
  });

export const supportedCompression: fc.Arbitrary<CompressionName> = fc.constantFrom('none', 'gzip', 'lz4');

export function asBuffer(bytes: RecordBytes | undefined): Buffer | null {
  if (bytes === null || bytes === undefined) return null;
  return typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
}

/** What decoding a batch of `records` encoded at `baseOffset` must yield. */
export function expectedRecords(records: readonly RecordInput[], baseOffset: number): DecodedRecord[] {
  return records.map((record, index) => ({
    offset: baseOffset + index,
    timestamp: record.timestamp!,
    key: asBuffer(record.key),
    value: asBuffer(record.value),
    headers: (record.headers ?? []).map((header) => ({ key: header.key, value: asBuffer(header.value) })),
  }));
}
