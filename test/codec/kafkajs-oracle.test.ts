// kafkajs as an independent implementation of record batch v2: what it encodes we decode to the
// same records, what we encode it decodes to the same records, and where both encoders make the
// same choices the bytes are identical.
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRecordBatch, encodeRecordBatch } from '../../src/codec/record-batch.js';
import type { RecordInput } from '../../src/codec/record.js';
import { asBuffer, timestampMs } from '../support/arbitraries.js';

const require = createRequire(import.meta.url);
type KafkajsEncoder = { buffer: Buffer };
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
  RecordBatch: (options: Record<string, unknown>) => Promise<KafkajsEncoder>;
};
const KafkajsRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (options: Record<string, unknown>) => KafkajsEncoder;
const decodeKafkajsBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (decoder: unknown) => Promise<{ records: KafkajsDecodedRecord[] }>;
const KafkajsDecoder = require('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => unknown;
const { Types: KafkajsCompression } = require('kafkajs/src/protocol/message/compression/index.js') as { Types: { None: number; GZIP: number } };

interface KafkajsDecodedRecord {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
}

// kafkajs takes headers as an object (unique keys) and cannot encode null header values. An
// object enumerates integer-like keys ("0", "17") first, in numeric order: headers are generated in
// the order the object will give them back, or the two encodings differ in header order alone.
const kafkajsCompatibleRecord: fc.Arbitrary<RecordInput> = fc.record({
  key: fc.oneof(fc.constant(null), fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes))),
  value: fc.oneof(fc.constant(null), fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes))),
  headers: fc
    .uniqueArray(fc.record({ key: fc.string({ unit: 'grapheme', maxLength: 10 }), value: fc.uint8Array({ maxLength: 10 }).map((bytes) => Buffer.from(bytes)) }), {
      maxLength: 3,
      selector: (header) => header.key,
    })
    .map((headers) => Object.entries(Object.fromEntries(headers.map((header) => [header.key, header.value]))).map(([key, value]) => ({ key, value }))),
  timestamp: timestampMs,
});

async function kafkajsBatch(records: readonly RecordInput[], compression: number, baseOffset: number): Promise<Buffer> {
  const firstTimestamp = records[0]!.timestamp!;
  const encoded = await RecordBatch({
    compression,
    firstOffset: String(baseOffset),
    firstTimestamp,
    maxTimestamp: Math.max(...records.map((record) => record.timestamp!)),
    partitionLeaderEpoch: -1,
    lastOffsetDelta: records.length - 1,
    producerId: -1,
    producerEpoch: -1,
    firstSequence: -1,
    records: records.map((record, index) =>
      KafkajsRecord({
        offsetDelta: index,
        timestampDelta: record.timestamp! - firstTimestamp,
        key: record.key,
        value: record.value,
        headers: Object.fromEntries((record.headers ?? []).map((header) => [header.key, header.value])),
      }),
    ),
  });
  return encoded.buffer;
}

describe('kafkajs as an oracle', () => {
  it('batches encoded by kafkajs (none and gzip) decode to the same records', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(kafkajsCompatibleRecord, { minLength: 1, maxLength: 20 }), fc.constantFrom(KafkajsCompression.None, KafkajsCompression.GZIP), fc.nat(2 ** 40), async (records, compression, baseOffset) => {
        const decoded = decodeRecordBatch(await kafkajsBatch(records, compression, baseOffset));
        expect(decoded.records).toEqual(
          records.map((record, index) => ({
            offset: baseOffset + index,
            timestamp: record.timestamp,
            key: asBuffer(record.key),
            value: asBuffer(record.value),
            headers: (record.headers ?? []).map((header) => ({ key: header.key, value: asBuffer(header.value) })),
          })),
        );
      }),
      { numRuns: 150 },
    );
  });

  it('uncompressed batches are byte-identical to kafkajs', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(kafkajsCompatibleRecord, { minLength: 1, maxLength: 20 }), fc.nat(2 ** 40), async (records, baseOffset) => {
        const ours = encodeRecordBatch(records, { baseOffset });
        expect(ours.equals(await kafkajsBatch(records, KafkajsCompression.None, baseOffset))).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('kafkajs decodes our batches (none and gzip) to the same records', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(kafkajsCompatibleRecord, { minLength: 1, maxLength: 20 }), fc.constantFrom('none', 'gzip' as const), async (records, compression) => {
        const batch = encodeRecordBatch(records, { compression, baseOffset: 7 });
        const { records: theirs } = await decodeKafkajsBatch(new KafkajsDecoder(batch));
        expect(theirs.map((record) => [record.offset, record.timestamp, record.key, record.value])).toEqual(
          records.map((record, index) => [String(7 + index), String(record.timestamp), asBuffer(record.key), asBuffer(record.value)]),
        );
      }),
      { numRuns: 100 },
    );
  });
});
