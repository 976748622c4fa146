// Small helpers to build record batches for storage tests.
import { encodeRecordBatch } from '../../src/codec/record-batch.js';
import { decodeRecordBatches } from '../../src/codec/record-batch.js';

/** A batch of `count` records whose values are `${label}-${index}`, timestamps from `timestampMs`. */
export function batchOf(label: string, count = 1, timestampMs = 1_700_000_000_000, valueBytes = 0): Buffer {
  return encodeRecordBatch(
    Array.from({ length: count }, (_, index) => ({
      key: `k-${index}`,
      value: valueBytes > 0 ? `${label}-${index}-`.padEnd(valueBytes, 'x') : `${label}-${index}`,
      timestamp: timestampMs + index,
    })),
  );
}

/** Every record in `bytes` (whole batches) as [offset, value] pairs. */
export function recordsIn(bytes: Buffer): [number, string][] {
  return decodeRecordBatches(bytes).flatMap((batch) => batch.records.map((record): [number, string] => [record.offset, record.value!.toString()]));
}
