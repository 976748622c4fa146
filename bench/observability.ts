/**
 * Observability benchmark: what metrics and the event log add on the hot path, per request and per
 * record batch, against work the server does for every request or batch anyway (same run):
 *
 *   per request   baseline: encoding a one-partition Produce v9 response (header + body), which
 *                 every produce request costs; then the request observer with metrics off (only
 *                 the client-error log's walk for error codes) and on (latency histogram, request
 *                 counter, the same walk).
 *   per batch     baseline: checking a 16 KiB record batch's frame and CRC-32C (validateBatchFrame),
 *                 which every produced batch costs; then the metrics' onProduce (records and bytes
 *                 counters of its topic).
 *
 * records/s here are calls per second.
 */

import { createLogger } from '../src/observability/logger.js';
import { Observability } from '../src/observability/observability.js';
import { validateBatchFrame } from '../src/codec/record-batch-header.js';
import { encodeRecordBatch } from '../src/codec/record-batch.js';
import { ProduceResponse } from '../src/protocol/messages/produce.js';
import { encodeResponse } from '../src/protocol/wire/headers.js';
import { measureThroughput, type BenchResult, type Throughput } from './measure.js';

const CONNECTION = { id: 1, remoteAddress: '127.0.0.1', remotePort: 50_000 };

function produceResponse() {
  return { responses: [{ name: 'bench', partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 1234, logAppendTimeMs: -1, logStartOffset: 0, errorMessage: null, recordErrors: [] }] }], throttleTimeMs: 0 };
}

function row(name: string, throughput: Throughput, baseline: Throughput | null, baselineName: string | null): BenchResult {
  return { suite: 'observability', name, megabytesPerSecond: 0, recordsPerSecond: throughput.recordsPerSecond, ratioToBaseline: baseline === null ? null : throughput.recordsPerSecond / baseline.recordsPerSecond, baselineName };
}

export async function runObservabilityBench(options: { quick: boolean }): Promise<BenchResult[]> {
  const budgetMs = options.quick ? 300 : 1500;
  const silent = createLogger({ format: 'json', destination: { write: () => undefined } });
  const withoutMetrics = await Observability.start({ logger: silent });
  const withMetrics = await Observability.start({ logger: silent, http: { host: '127.0.0.1', port: 0, console: false } });
  try {
    const results: BenchResult[] = [];
    const encode = measureThroughput(() => encodeResponse(ProduceResponse, 9, 7, produceResponse()), 0, 1, budgetMs);
    results.push(row('baseline: build + encode a Produce v9 response (1 partition)', encode, null, null));
    const off = measureThroughput(() => {
      const response = produceResponse();
      encodeResponse(ProduceResponse, 9, 7, response);
      withoutMetrics.requestObserver.onResponse('ProduceRequest', 0n, response, 'bench', CONNECTION);
    }, 0, 1, budgetMs);
    results.push(row('… + request observer, metrics off (client-error log)', off, encode, 'encode only'));
    const on = measureThroughput(() => {
      const startNs = process.hrtime.bigint();
      const response = produceResponse();
      encodeResponse(ProduceResponse, 9, 7, response);
      withMetrics.requestObserver.onResponse('ProduceRequest', startNs, response, 'bench', CONNECTION);
    }, 0, 1, budgetMs);
    results.push(row('… + request observer, metrics on (latency, count, errors, log)', on, encode, 'encode only'));

    const batch = encodeRecordBatch(Array.from({ length: 148 }, (_, index) => ({ value: `log line ${index} `.padEnd(100, 'x') })));
    const validate = measureThroughput(() => validateBatchFrame(batch), 0, 1, budgetMs);
    results.push(row(`baseline: validateBatchFrame (CRC-32C) of a ${batch.length}-byte batch`, validate, null, null));
    const onProduce = withMetrics.brokerObserver.onProduce!;
    const counted = measureThroughput(() => {
      validateBatchFrame(batch);
      onProduce('bench', 0, 148, batch.length);
    }, 0, 1, budgetMs);
    results.push(row('… + onProduce, metrics on (records and bytes in)', counted, validate, 'validate only'));
    return results;
  } finally {
    await withMetrics.close();
    await withoutMetrics.close();
  }
}
