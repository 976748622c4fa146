/**
 * The leanest Kafka producer there is: one WireConnection (src/protocol/wire-connection.ts),
 * Produce v7 requests with batches built by Strata's own codec. The wire suite uses it to tell the
 * server's share of a kafkajs latency figure from kafkajs's own; the compare suite to drive
 * `strata serve` with little client-side work.
 */

import { encodeRecordBatch } from '../src/index.js';
import { ProduceRequest, ProduceResponse } from '../src/protocol/messages/produce.js';
import { WireConnection } from '../src/protocol/wire-connection.js';

const PRODUCE = { request: ProduceRequest, response: ProduceResponse };

export class MinimalProducer {
  private constructor(private readonly connection: WireConnection) {}

  static async connect(port: number): Promise<MinimalProducer> {
    return new MinimalProducer(await WireConnection.connect(`127.0.0.1:${port}`, { clientId: 'strata-bench', connectTimeoutMs: 10_000, requestTimeoutMs: 30_000 }));
  }

  async send(topic: string, acks: 1 | -1, values: readonly Buffer[]): Promise<void> {
    const records = encodeRecordBatch(values.map((value) => ({ value })));
    const body = await this.connection.request(PRODUCE, 7, { transactionalId: null, acks, timeoutMs: 30_000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] });
    const errorCode = body.responses[0]?.partitionResponses[0]?.errorCode ?? -1;
    if (errorCode !== 0) throw new Error(`produce failed with error code ${errorCode}`);
  }

  close(): void {
    void this.connection.close();
  }
}
