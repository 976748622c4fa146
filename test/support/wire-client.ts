// A minimal Kafka wire client for tests and harnesses: one socket, requests encoded with the
// project's generated schemas, responses matched by correlation id. Used where a real client
// (kafkajs) hides what is needed: exact offsets of every stored record, raw bytes on the wire.
import { connect, type Socket } from 'node:net';
import { decodeRecordBatches } from '../../src/codec/record-batch.js';
import { FetchRequest, FetchResponse } from '../../src/protocol/messages/fetch.js';
import { decodeResponse, encodeRequest } from '../../src/protocol/wire/headers.js';
import type { MessageInput, MessageSchema } from '../../src/protocol/wire/schema.js';

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

  close(): void {
    this.socket.destroy();
  }
}
