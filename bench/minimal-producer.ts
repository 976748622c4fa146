/**
 * The leanest Kafka producer there is: one socket, Produce v7 requests built with Strata's own
 * codec (src/codec, src/protocol/wire), responses matched by correlation id. The wire suite uses it
 * to tell the server's share of a kafkajs latency figure from kafkajs's own; the compare suite to
 * drive `strata serve` with little client-side work.
 */

import { connect, type Socket } from 'node:net';
import { encodeRecordBatch } from '../src/index.js';
import { FrameReader } from '../src/protocol/frame-reader.js';
import { ProduceRequest, ProduceResponse } from '../src/protocol/messages/produce.js';
import { decodeResponse, encodeRequest } from '../src/protocol/wire/headers.js';

export class MinimalProducer {
  private readonly frames = new FrameReader(64 * 1024 * 1024);
  private readonly waiting = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  private nextCorrelationId = 0;
  private failure: Error | null = null;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  static connect(port: number): Promise<MinimalProducer> {
    return new Promise((resolveConnection, reject) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.off('error', reject);
        resolveConnection(new MinimalProducer(socket));
      });
      socket.once('error', reject);
    });
  }

  send(topic: string, acks: 1 | -1, values: readonly Buffer[]): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const correlationId = this.nextCorrelationId++;
    const records = encodeRecordBatch(values.map((value) => ({ value })));
    const request = encodeRequest(ProduceRequest, 7, { correlationId, clientId: 'strata-bench' }, { transactionalId: null, acks, timeoutMs: 30_000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] });
    const size = Buffer.allocUnsafe(4);
    size.writeInt32BE(request.length);
    return new Promise((resolveSend, reject) => {
      this.waiting.set(correlationId, { resolve: resolveSend, reject });
      this.socket.cork();
      this.socket.write(size);
      this.socket.write(request);
      this.socket.uncork();
    });
  }

  close(): void {
    this.socket.end();
  }

  private receive(chunk: Buffer): void {
    this.frames.push(chunk);
    for (let next = this.frames.next(); next.kind === 'frame'; next = this.frames.next()) {
      const { correlationId, body } = decodeResponse(ProduceResponse, 7, next.frame);
      const waiter = this.waiting.get(correlationId);
      if (waiter === undefined) return this.fail(new Error(`a response to unknown correlation id ${correlationId}`));
      this.waiting.delete(correlationId);
      const errorCode = body.responses[0]?.partitionResponses[0]?.errorCode ?? -1;
      if (errorCode === 0) waiter.resolve();
      else waiter.reject(new Error(`produce failed with error code ${errorCode}`));
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }
}
