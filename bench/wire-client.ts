// What the load tool (bench/load) and the test harnesses ask of `strata serve` over one
// WireConnection (src/protocol/wire-connection.ts): create a topic, produce one batch, fetch once,
// read a whole partition back with the exact offset of every stored record. Used where a real
// client (kafkajs) hides what is needed (those offsets) or costs too much (a thousand connections
// in one process).
import { decodeRecordBatches } from '../src/codec/record-batch.js';
import { CreateTopicsRequest, CreateTopicsResponse } from '../src/protocol/messages/create-topics.js';
import { FetchRequest, FetchResponse } from '../src/protocol/messages/fetch.js';
import { ProduceRequest, ProduceResponse } from '../src/protocol/messages/produce.js';
import { WireConnection } from '../src/protocol/wire-connection.js';

export interface StoredRecord {
  offset: number;
  value: string;
}

const FETCH = { request: FetchRequest, response: FetchResponse };
/** Long enough for any long poll and any fsync the harnesses wait for. */
const REQUEST_TIMEOUT_MS = 60_000;

export function connectTo(port: number, host = '127.0.0.1'): Promise<WireConnection> {
  return WireConnection.connect(`${host}:${port}`, { clientId: 'wire-client', connectTimeoutMs: 10_000, requestTimeoutMs: REQUEST_TIMEOUT_MS });
}

/** One Fetch v4 of one partition; throws on a partition error. */
async function fetchPartition(connection: WireConnection, topic: string, partition: number, offset: number, maxWaitMs: number, maxBytes: number) {
  const response = await connection.request(FETCH, 4, {
    replicaId: -1,
    maxWaitMs,
    minBytes: maxWaitMs === 0 ? 0 : 1,
    maxBytes,
    isolationLevel: 0,
    topics: [{ topic, partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: maxBytes }] }],
  });
  const data = response.responses[0]!.partitions[0]!;
  if (data.errorCode !== 0) throw new Error(`fetch ${topic}-${partition} at ${offset}: error code ${data.errorCode}`);
  return data;
}

/**
 * The records at or after `offset` in fetched batches (the first batch may start before it), and
 * the offset after the last batch (past a compacted batch's removed records too).
 */
function recordsFrom(bytes: Buffer | null, offset: number): { records: StoredRecord[]; nextOffset: number } {
  const records: StoredRecord[] = [];
  let nextOffset = offset;
  for (const batch of decodeRecordBatches(bytes ?? Buffer.alloc(0))) {
    for (const record of batch.records) {
      if (record.offset >= offset) records.push({ offset: record.offset, value: record.value?.toString() ?? '' });
    }
    nextOffset = Math.max(nextOffset, batch.header.baseOffset + batch.header.lastOffsetDelta + 1);
  }
  return { records, nextOffset };
}

/**
 * Every record of a partition from `fromOffset` to its high watermark, in log order, with the
 * offset the log gives it (values as UTF-8). Throws on a partition error.
 */
export async function readPartition(connection: WireConnection, topic: string, partition: number, fromOffset = 0, maxBytesPerFetch = 4 << 20): Promise<{ records: StoredRecord[]; highWatermark: number }> {
  const records: StoredRecord[] = [];
  let offset = fromOffset;
  for (let fetches = 0; ; fetches++) {
    if (fetches > 1_000_000) throw new Error('readPartition: too many fetches');
    const data = await fetchPartition(connection, topic, partition, offset, 0, maxBytesPerFetch);
    if (offset >= data.highWatermark) return { records, highWatermark: data.highWatermark };
    const fetched = recordsFrom(data.records, offset);
    if (fetched.nextOffset === offset) throw new Error(`fetch ${topic}-${partition} at ${offset} (high watermark ${data.highWatermark}) returned no batch`);
    records.push(...fetched.records);
    offset = fetched.nextOffset;
  }
}

/** One fetch of one partition (long poll up to `maxWaitMs`); the records' count and the next offset. */
export async function fetchOnce(connection: WireConnection, topic: string, partition: number, offset: number, maxWaitMs: number, maxBytes = 1 << 20): Promise<{ records: number; nextOffset: number }> {
  const fetched = recordsFrom((await fetchPartition(connection, topic, partition, offset, maxWaitMs, maxBytes)).records, offset);
  return { records: fetched.records.length, nextOffset: fetched.nextOffset };
}

/** Creates a topic (replication factor 1) with Kafka-named configs; throws on an error code. */
export async function createTopic(connection: WireConnection, topic: string, partitions: number, configs: Record<string, string> = {}): Promise<void> {
  const response = await connection.request({ request: CreateTopicsRequest, response: CreateTopicsResponse }, 5, {
    topics: [{ name: topic, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: Object.entries(configs).map(([name, value]) => ({ name, value })) }],
    timeoutMs: 60_000,
  });
  const result = response.topics[0]!;
  if (result.errorCode !== 0) throw new Error(`create ${topic}: error code ${result.errorCode} ${result.errorMessage ?? ''}`);
}

/** Produces one record batch to one partition; resolves with its base offset, throws on an error code. */
export async function produce(connection: WireConnection, topic: string, partition: number, batch: Buffer, acks: -1 | 1): Promise<number> {
  const response = await connection.request({ request: ProduceRequest, response: ProduceResponse }, 7, {
    transactionalId: null,
    acks,
    timeoutMs: 30_000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }],
  });
  const result = response.responses[0]!.partitionResponses[0]!;
  if (result.errorCode !== 0) throw new Error(`produce ${topic}-${partition}: error code ${result.errorCode}`);
  return result.baseOffset;
}
