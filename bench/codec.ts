/**
 * Codec benchmark: encode, header-only decode, full decode and validation of record batches, for
 * 100 B and 1 KiB records in 16 KiB and 1 MiB batches with each codec; both CRC-32C
 * implementations. Baseline (same run): Buffer.copy of the same bytes, the memory-bandwidth limit.
 */

import { crc32c, crc32cReference } from '../src/codec/crc32c.js';
import { type CompressionName } from '../src/codec/compression.js';
import { BATCH_HEADER_BYTES, readBatchHeader, validateBatchFrame } from '../src/codec/record-batch-header.js';
import { decodeRecordBatch, encodeRecordBatch, validateRecordBatch } from '../src/codec/record-batch.js';
import type { RecordInput } from '../src/codec/record.js';
import { measureThroughput, type BenchResult, type Throughput } from './measure.js';

export interface CodecBenchOptions {
  quick: boolean;
}

/** Log-line-like values: compressible, but not trivially. */
function makeRecords(valueBytes: number, batchBytes: number): RecordInput[] {
  const count = Math.max(1, Math.floor(batchBytes / (valueBytes + 20)));
  const words = ['GET', 'POST', '/api/v1/orders', '/health', '200', '404', 'user=', 'latency_ms=', 'ok', 'error'];
  return Array.from({ length: count }, (_, index) => {
    let text = `${new Date(1_700_000_000_000 + index).toISOString()} host-${index % 13} `;
    for (let word = index; text.length < valueBytes; word = (word * 31 + 7) % 9973) text += `${words[word % words.length]}${word} `;
    return { key: `key-${index % 100}`, value: text.slice(0, valueBytes), timestamp: 1_700_000_000_000 + index };
  });
}

function result(name: string, throughput: Throughput, baseline: Throughput, baselineName: string): BenchResult {
  return { suite: 'codec', name, ...throughput, ratioToBaseline: throughput.megabytesPerSecond / baseline.megabytesPerSecond, baselineName };
}

export function runCodecBench(options: CodecBenchOptions): BenchResult[] {
  const budgetMs = options.quick ? 150 : 600;
  const results: BenchResult[] = [];
  const shapes = options.quick
    ? [{ valueBytes: 100, batchBytes: 16 * 1024 }]
    : [
        { valueBytes: 100, batchBytes: 16 * 1024 },
        { valueBytes: 1024, batchBytes: 16 * 1024 },
        { valueBytes: 100, batchBytes: 1024 * 1024 },
        { valueBytes: 1024, batchBytes: 1024 * 1024 },
      ];
  const codecs: CompressionName[] = ['none', 'gzip', 'lz4'];

  for (const { valueBytes, batchBytes } of shapes) {
    const records = makeRecords(valueBytes, batchBytes);
    const uncompressed = encodeRecordBatch(records);
    const logicalBytes = uncompressed.length;
    const copyTarget = Buffer.allocUnsafe(logicalBytes);
    const copy = measureThroughput(() => uncompressed.copy(copyTarget), logicalBytes, records.length, budgetMs);
    const shape = `${valueBytes} B records, ${batchBytes / 1024} KiB batch`;
    results.push({ suite: 'codec', name: `baseline: Buffer.copy, ${shape}`, ...copy, ratioToBaseline: null, baselineName: null });

    for (const codec of codecs) {
      const batch = encodeRecordBatch(records, { compression: codec });
      const label = `${codec}, ${shape}`;
      // Throughput counts uncompressed record bytes, so codecs compare on the same work.
      results.push(result(`encode ${label}`, measureThroughput(() => encodeRecordBatch(records, { compression: codec }), logicalBytes, records.length, budgetMs), copy, 'copy'));
      results.push(result(`full decode ${label}`, measureThroughput(() => decodeRecordBatch(batch), logicalBytes, records.length, budgetMs), copy, 'copy'));
      results.push(result(`validate records ${label}`, measureThroughput(() => validateRecordBatch(batch), logicalBytes, records.length, budgetMs), copy, 'copy'));
      if (codec === 'none') {
        // Reads only the 61-byte header: MB/s counts those bytes and records/s is batches/s (the
        // batch's size does not matter, so counting its records or bytes would be meaningless).
        results.push(result(`header-only decode ${label} (MB/s of ${BATCH_HEADER_BYTES}-B headers; records/s = batches/s)`, measureThroughput(() => readBatchHeader(batch), BATCH_HEADER_BYTES, 1, budgetMs), copy, 'copy'));
        results.push(result(`validate header+CRC ${label}`, measureThroughput(() => validateBatchFrame(batch), logicalBytes, records.length, budgetMs), copy, 'copy'));
      }
    }
  }

  for (const sizeBytes of options.quick ? [16 * 1024] : [16 * 1024, 1024 * 1024]) {
    const bytes = Buffer.alloc(sizeBytes, 0x5a);
    const reference = measureThroughput(() => crc32cReference(bytes), sizeBytes, 0, budgetMs);
    results.push({ suite: 'codec', name: `crc32c reference (crc-32), ${sizeBytes / 1024} KiB`, ...reference, ratioToBaseline: null, baselineName: null });
    results.push(result(`crc32c fast (@node-rs/crc32), ${sizeBytes / 1024} KiB`, measureThroughput(() => crc32c(bytes), sizeBytes, 0, budgetMs), reference, 'crc-32'));
  }
  return results;
}
