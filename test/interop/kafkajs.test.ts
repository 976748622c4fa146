// kafkajs, unmodified, against `strata serve` (the StrataServer in-process, real sockets).
import { connect } from 'node:net';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeRecordBatches } from '../../src/codec/record-batch.js';
import { StrataServer } from '../../src/protocol/serve.js';
import { tempDir } from '../support/temp-dir.js';

const servers: StrataServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function serve(): Promise<StrataServer> {
  const server = await StrataServer.start({ host: '127.0.0.1', port: 0, broker: { dataDir: tempDir(), groupInitialRebalanceDelayMs: 0 } });
  servers.push(server);
  return server;
}

function kafka(server: StrataServer): Kafka {
  return new Kafka({ clientId: 'interop', brokers: [`127.0.0.1:${server.port}`], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
}

async function readBack(server: StrataServer, topic: string, partition: number): Promise<{ offset: number; key: string | null; value: string | null; headers: Record<string, string> }[]> {
  const { records } = await server.broker.fetch(topic, partition, 0, 1 << 24);
  return decodeRecordBatches(records).flatMap((batch) =>
    batch.records.map((record) => ({
      offset: record.offset,
      key: record.key?.toString() ?? null,
      value: record.value?.toString() ?? null,
      headers: Object.fromEntries(record.headers.map((header) => [header.key, header.value?.toString() ?? ''])),
    })),
  );
}

describe('kafkajs against strata serve', () => {
  it('admin creates, lists and deletes topics; metadata shows the advertised broker', async () => {
    const server = await serve();
    const admin = kafka(server).admin();
    await admin.connect();
    expect(await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '3600000' }] }] })).toBe(true);
    expect(await admin.listTopics()).toContain('orders');
    const metadata = await admin.fetchTopicMetadata({ topics: ['orders'] });
    expect(metadata.topics[0]!.partitions.map((partition) => partition.partitionId).sort()).toEqual([0, 1, 2]);
    const cluster = await admin.describeCluster();
    expect(cluster.brokers).toEqual([{ nodeId: 0, host: '127.0.0.1', port: server.port }]);
    await expect(admin.createTopics({ topics: [{ topic: 'bad/name' }] })).rejects.toThrow();
    await admin.deleteTopics({ topics: ['orders'] });
    expect(await admin.listTopics()).not.toContain('orders');
    await admin.disconnect();
  });

  it('a kafkajs producer (idempotent, acks all, gzip) writes records Strata stores byte-for-byte and reads back in order', async () => {
    const server = await serve();
    const client = kafka(server);
    const admin = client.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'events', numPartitions: 2 }] });
    await admin.disconnect();
    const producer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const sent = await producer.send({
      topic: 'events',
      acks: -1,
      compression: CompressionTypes.GZIP,
      messages: Array.from({ length: 20 }, (_, index) => ({ key: `k${index % 4}`, value: `v${index}`, headers: { n: String(index) } })),
    });
    await producer.disconnect();
    expect(sent.every((result) => result.errorCode === 0)).toBe(true);
    const stored = [...(await readBack(server, 'events', 0)), ...(await readBack(server, 'events', 1))];
    expect(stored).toHaveLength(20);
    for (const key of ['k0', 'k1', 'k2', 'k3']) {
      const values = stored.filter((record) => record.key === key).map((record) => Number(record.value!.slice(1)));
      expect(values).toEqual([...values].sort((a, b) => a - b)); // order per key
    }
    expect(stored.find((record) => record.value === 'v7')!.headers).toEqual({ n: '7' });
  });

  it('acks=0 gets no response, and the record is still written', async () => {
    const server = await serve();
    const producer = kafka(server).producer();
    await producer.connect();
    await producer.send({ topic: 'fire', acks: 0, messages: [{ value: 'forget' }] });
    await producer.send({ topic: 'fire', acks: 1, messages: [{ value: 'remember' }] }); // proves the connection stayed in order
    await producer.disconnect();
    expect((await readBack(server, 'fire', 0)).map((record) => record.value)).toEqual(['forget', 'remember']);
  });

  it('an ApiVersions version the server does not know gets a v0 reply with UNSUPPORTED_VERSION (35) and the API list', async () => {
    const server = await serve();
    const socket = connect(server.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const body = Buffer.alloc(10);
    body.writeInt16BE(18, 0); // ApiVersions
    body.writeInt16BE(99, 2); // a future version
    body.writeInt32BE(1234, 4); // correlation id
    body.writeInt16BE(-1, 8); // null client id
    const frame = Buffer.concat([Buffer.from([0, 0, 0, body.length]), body]);
    const response = await new Promise<Buffer>((resolve) => {
      let received = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        if (received.length >= 4 && received.length >= 4 + received.readInt32BE(0)) resolve(received.subarray(4));
      });
      socket.write(frame);
    });
    socket.destroy();
    expect(response.readInt32BE(0)).toBe(1234);
    expect(response.readInt16BE(4)).toBe(35);
    const apiCount = response.readInt32BE(6);
    const keys = Array.from({ length: apiCount }, (_, index) => response.readInt16BE(10 + index * 6));
    expect(keys).toContain(18);
    expect(keys).toContain(0);
  });
});
