// A minimal Kafka wire client for the load tool (bench/load) and the test harnesses: one socket,
// requests encoded with the project's generated schemas, pipelined, responses matched by
// correlation id. Used where a real client (kafkajs) hides what is needed (the exact offset of
// every stored record) or costs too much (a thousand connections in one process).
import { connect, type Socket } from 'node:net';
import { decodeRecordBatches } from '../src/codec/record-batch.js';
import { CreateTopicsRequest, CreateTopicsResponse } from '../src/protocol/messages/create-topics.js';
import { FetchRequest, FetchResponse } from '../src/protocol/messages/fetch.js';
import { ProduceRequest, ProduceResponse } from '../src/protocol/messages/produce.js';
import { decodeResponse, encodeRequest } from '../src/protocol/wire/headers.js';
import type { MessageInput, MessageSchema } from '../src/protocol/wire/schema.js';

/** Frames `body` with its 4-byte size prefix. */
export function framed(body: Buffer): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeInt32BE(body.length);
  return Buffer.concat([prefix, body]);
}

export interface StoredRecord {
  offset: number;
  value: string;
}

export class WireClient {
  private nextCorrelationId = 1;
  private pending: Buffer = Buffer.alloc(0);
  private readonly waiting = new Map<number, { resolve: (frame: Buffer) => void; reject: (error: Error) => void }>();

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    const fail = (error: Error) => {
      for (const { reject } of this.waiting.values()) reject(error);
      this.waiting.clear();
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
  }

  static connect(port: number, host = '127.0.0.1'): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, host);
      socket.once('connect', () => resolve(new WireClient(socket)));
      socket.once('error', reject);
    });
  }

  private receive(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 4 && this.pending.length >= 4 + this.pending.readInt32BE(0)) {
      const frame = this.pending.subarray(4, 4 + this.pending.readInt32BE(0));
      this.pending = this.pending.subarray(4 + frame.length);
      const correlationId = frame.readInt32BE(0);
      this.waiting.get(correlationId)?.resolve(frame);
      this.waiting.delete(correlationId);
    }
  }

  /** Sends one request and resolves with the decoded response body. */
  async request<Req, Res>(request: MessageSchema<Req>, response: MessageSchema<Res>, version: number, body: MessageInput<Req>): Promise<Res> {
    const correlationId = this.nextCorrelationId++;
    const frame = await new Promise<Buffer>((resolve, reject) => {
      this.waiting.set(correlationId, { resolve, reject });
      this.socket.write(framed(encodeRequest(request, version, { correlationId, clientId: 'wire-client' }, body)));
    });
    return decodeResponse(response, version, frame).body;
  }

  /**
   * Every record of a partition from `fromOffset` to its high watermark, in log order, with the
   * offset the log gives it (values as UTF-8). Throws on a partition error.
   */
  async readPartition(topic: string, partition: number, fromOffset = 0, maxBytesPerFetch = 4 << 20): Promise<{ records: StoredRecord[]; highWatermark: number }> {
    const records: StoredRecord[] = [];
    let offset = fromOffset;
    for (let fetches = 0; ; fetches++) {
      if (fetches > 1_000_000) throw new Error('readPartition: too many fetches');
      const response = await this.request(FetchRequest, FetchResponse, 4, {
        replicaId: -1,
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: maxBytesPerFetch,
        isolationLevel: 0,
        topics: [{ topic, partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: maxBytesPerFetch }] }],
      });
      const data = response.responses[0]!.partitions[0]!;
      if (data.errorCode !== 0) throw new Error(`fetch ${topic}-${partition} at ${offset}: error code ${data.errorCode}`);
      if (offset >= data.highWatermark) return { records, highWatermark: data.highWatermark };
      const batches = decodeRecordBatches(data.records ?? Buffer.alloc(0));
      if (batches.length === 0) throw new Error(`fetch ${topic}-${partition} at ${offset} (high watermark ${data.highWatermark}) returned no batch`);
      for (const batch of batches) {
        for (const record of batch.records) {
          if (record.offset < offset) continue; // the first batch may start before the offset asked for
          records.push({ offset: record.offset, value: record.value?.toString() ?? '' });
          offset = record.offset + 1;
        }
      }
    }
  }

  /** Creates a topic (replication factor 1) with Kafka-named configs; throws on an error code. */
  async createTopic(topic: string, partitions: number, configs: Record<string, string> = {}): Promise<void> {
    const response = await this.request(CreateTopicsRequest, CreateTopicsResponse, 5, {
      topics: [{ name: topic, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: Object.entries(configs).map(([name, value]) => ({ name, value })) }],
      timeoutMs: 60_000,
    });
    const result = response.topics[0]!;
    if (result.errorCode !== 0) throw new Error(`create ${topic}: error code ${result.errorCode} ${result.errorMessage ?? ''}`);
  }

  /** Produces one record batch to one partition; resolves with its base offset, throws on an error code. */
  async produce(topic: string, partition: number, batch: Buffer, acks: -1 | 1): Promise<number> {
    const response = await this.request(ProduceRequest, ProduceResponse, 7, {
      transactionalId: null,
      acks,
      timeoutMs: 30_000,
      topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }],
    });
    const result = response.responses[0]!.partitionResponses[0]!;
    if (result.errorCode !== 0) throw new Error(`produce ${topic}-${partition}: error code ${result.errorCode}`);
    return result.baseOffset;
  }

  /** One fetch of one partition (long poll up to `maxWaitMs`); the records' count and the next offset. */
  async fetchOnce(topic: string, partition: number, offset: number, maxWaitMs: number, maxBytes = 1 << 20): Promise<{ records: number; nextOffset: number }> {
    const response = await this.request(FetchRequest, FetchResponse, 4, {
      replicaId: -1,
      maxWaitMs,
      minBytes: 1,
      maxBytes,
      isolationLevel: 0,
      topics: [{ topic, partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: maxBytes }] }],
    });
    const data = response.responses[0]!.partitions[0]!;
    if (data.errorCode !== 0) throw new Error(`fetch ${topic}-${partition} at ${offset}: error code ${data.errorCode}`);
    let records = 0;
    let nextOffset = offset;
    for (const batch of decodeRecordBatches(data.records ?? Buffer.alloc(0))) {
      for (const record of batch.records) {
        if (record.offset < offset) continue;
        records++;
        nextOffset = record.offset + 1;
      }
    }
    return { records, nextOffset };
  }

  close(): void {
    this.socket.destroy();
  }
}
