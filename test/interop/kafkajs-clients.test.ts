// kafkajs (unmodified) against `strata serve`, beyond the basics of kafkajs.test.ts: every acks level
// with every codec kafkajs can send (LZ4 through kafkajs-lz4), the Java-compatible partitioner, a
// consumer group that loses one member to a leave and another to a crash, commits that survive a
// broker restart, seek, offsets by timestamp, LogAppendTime topics, and the idempotent producer's
// batches; and two bugs this suite found (a client's wrong batch maxTimestamp, the LogAppendTime
// reported on produce), fixed in the broker.
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { AssignerProtocol, CompressionCodecs, CompressionTypes, Kafka, logLevel, Partitioners, type Admin, type Consumer, type Message } from 'kafkajs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { partitionForKey } from '../../src/broker/partitioner.js';
import { decodeRecordBatches, type DecodedBatch } from '../../src/codec/record-batch.js';
import { StrataServer } from '../../src/protocol/serve.js';
import { connected, disconnect, disconnectAll } from '../support/kafkajs-clients.js';
import { tempDir } from '../support/temp-dir.js';

const require = createRequire(import.meta.url);
// kafkajs-lz4 is CommonJS with `module.exports = LZ4Codec`; its typings claim an ES default export.
const LZ4Codec = require('kafkajs-lz4') as new () => { codec: () => { compress: (encoder: { buffer: Buffer }) => Promise<Buffer>; decompress: (buffer: Buffer) => Promise<Buffer> } };
CompressionCodecs[CompressionTypes.LZ4] = new LZ4Codec().codec;

const servers: StrataServer[] = [];
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await disconnectAll();
  for (const server of servers.splice(0)) await server.close();
});

async function serve(dataDir = tempDir()): Promise<StrataServer> {
  const server = await StrataServer.start({ host: '127.0.0.1', port: 0, broker: { dataDir, groupInitialRebalanceDelayMs: 0, groupMinSessionTimeoutMs: 100 } });
  servers.push(server);
  return server;
}

async function closeServer(server: StrataServer): Promise<void> {
  servers.splice(servers.indexOf(server), 1);
  await server.close();
}

function kafka(server: StrataServer): Kafka {
  return new Kafka({ clientId: 'interop', brokers: [`127.0.0.1:${server.port}`], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 50 } });
}

async function createTopic(server: StrataServer, topic: string, numPartitions: number, configEntries: { name: string; value: string }[] = []): Promise<void> {
  const admin = await connected(kafka(server).admin());
  expect(await admin.createTopics({ topics: [{ topic, numPartitions, configEntries }], waitForLeaders: true })).toBe(true);
  await disconnect(admin);
}

function consumerOf(client: Kafka, groupId: string): Consumer {
  return client.consumer({ groupId, sessionTimeout: 3_000, rebalanceTimeout: 3_000, heartbeatInterval: 100, maxWaitTimeInMs: 100, retry: { retries: 5, initialRetryTime: 50 } });
}

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface Stored {
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

/** The batches of one partition as Strata stores them (the file bytes Fetch returns; one segment per read). */
async function batchesOf(server: StrataServer, topic: string, partition: number): Promise<DecodedBatch[]> {
  const batches: DecodedBatch[] = [];
  for (let { offset } = await server.broker.listOffset(topic, partition, -2 /* earliest */); ; ) {
    const { records, highWatermark } = await server.broker.fetch(topic, partition, offset, 1 << 24);
    const read = decodeRecordBatches(records);
    batches.push(...read);
    const last = read.at(-1);
    offset = last === undefined ? highWatermark : last.header.baseOffset + last.header.lastOffsetDelta + 1;
    if (offset >= highWatermark) return batches;
  }
}

async function readBack(server: StrataServer, topic: string, partition: number): Promise<Stored[]> {
  return (await batchesOf(server, topic, partition)).flatMap((batch) =>
    batch.records.map((record) => ({
      partition,
      offset: record.offset,
      timestamp: record.timestamp,
      key: record.key?.toString() ?? null,
      value: record.value?.toString() ?? null,
      headers: Object.fromEntries(record.headers.map((header) => [header.key, header.value?.toString() ?? ''])),
    })),
  );
}

/** Runs a group consumer on `topic` from the beginning, collecting what it gets, as Stored. */
async function consume(consumer: Consumer, topic: string): Promise<Stored[]> {
  const received: Stored[] = [];
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) =>
      void received.push({
        partition,
        offset: Number(message.offset),
        timestamp: Number(message.timestamp),
        key: message.key?.toString() ?? null,
        value: message.value?.toString() ?? null,
        headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([key, value]) => [key, value?.toString() ?? ''])),
      }),
  });
  return received;
}

async function groupState(admin: Admin, groupId: string, topic: string): Promise<{ state: string; partitions: number[][] }> {
  const group = (await admin.describeGroups([groupId])).groups[0]!;
  return {
    state: group.state,
    partitions: group.members.map((member) => [...(AssignerProtocol.MemberAssignment.decode(member.memberAssignment)?.assignment[topic] ?? [])].sort((a, b) => a - b)),
  };
}

function committedTotal(offsets: { partitions: { offset: string }[] }[]): number {
  return offsets.flatMap((topic) => topic.partitions).reduce((sum, partition) => sum + Math.max(0, Number(partition.offset)), 0);
}

const byPartitionOffset = (a: Stored, b: Stored): number => a.partition - b.partition || a.offset - b.offset;

/** A kafkajs group consumer in its own process, so it can crash (SIGSTOP: no leave, no FIN, no heartbeats). */
function childConsumer(port: number, groupId: string, topic: string): { child: ChildProcess; received: Stored[]; joins: number[][]; output: () => string } {
  const script = `
    const { Kafka, logLevel } = require(process.env.KAFKAJS_PATH);
    const { port, groupId, topic } = JSON.parse(process.env.CHILD_CONFIG);
    const out = (line) => process.stdout.write(JSON.stringify(line) + '\\n');
    const kafka = new Kafka({ clientId: 'crasher', brokers: ['127.0.0.1:' + port], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 50 } });
    const consumer = kafka.consumer({ groupId, sessionTimeout: 1500, rebalanceTimeout: 1500, heartbeatInterval: 100, maxWaitTimeInMs: 100 });
    consumer.on(consumer.events.GROUP_JOIN, (event) => out({ join: event.payload.memberAssignment[topic] || [] }));
    (async () => {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({ eachMessage: async ({ partition, message }) => out({ record: { partition, offset: Number(message.offset), timestamp: Number(message.timestamp), key: message.key && message.key.toString(), value: message.value && message.value.toString(), headers: {} } }) });
    })().catch((error) => { out({ error: String(error) }); process.exit(1); });
  `;
  const child = spawn(process.execPath, ['-e', script], {
    env: { ...process.env, KAFKAJS_PATH: require.resolve('kafkajs'), CHILD_CONFIG: JSON.stringify({ port, groupId, topic }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const received: Stored[] = [];
  const joins: number[][] = [];
  let pending = '';
  let all = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    all += chunk.toString();
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      const parsed = JSON.parse(line) as { record?: Stored; join?: number[]; error?: string };
      if (parsed.record !== undefined) received.push(parsed.record);
      if (parsed.join !== undefined) joins.push(parsed.join);
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (all += chunk.toString()));
  return { child, received, joins, output: () => all };
}

describe('kafkajs producers against strata serve', () => {
  it('acks 0, 1 and -1 with no compression, gzip and LZ4: every record stored and read back exactly', async () => {
    const server = await serve();
    const client = kafka(server);
    const producer = await connected(client.producer());
    const codecs = [
      { name: 'none', type: CompressionTypes.None },
      { name: 'gzip', type: CompressionTypes.GZIP },
      { name: 'lz4', type: CompressionTypes.LZ4 },
    ];
    const baseTimestamp = 1_700_000_000_000;
    const expected = new Map<string, Stored[]>();
    for (const { name, type } of codecs) {
      for (const acks of [0, 1, -1]) {
        const topic = `t-${name}-${acks === -1 ? 'all' : acks}`;
        await createTopic(server, topic, 2);
        const messages = Array.from({ length: 30 }, (_, index): Message & { partition: number } => ({
          partition: index % 2,
          key: index % 7 === 0 ? null : `key-${index}`,
          value: index === 5 ? null : `${name}/${acks} value ${index} ${'x'.repeat(index * 10)}`,
          timestamp: String(baseTimestamp + index * 1000),
          headers: index % 3 === 0 ? {} : { index: String(index), codec: name, empty: '' },
        }));
        const result = await producer.send({ topic, acks, compression: type, messages });
        if (acks === 0) expect(result).toEqual([]);
        else {
          expect(result.map((each) => ({ partition: each.partition, errorCode: each.errorCode, baseOffset: each.baseOffset })).sort((a, b) => a.partition - b.partition)).toEqual([
            { partition: 0, errorCode: 0, baseOffset: '0' },
            { partition: 1, errorCode: 0, baseOffset: '0' },
          ]);
        }
        expected.set(
          topic,
          messages.map((message, index) => ({
            partition: message.partition,
            offset: Math.floor(index / 2),
            timestamp: Number(message.timestamp),
            key: message.key === null ? null : String(message.key),
            value: message.value === null ? null : String(message.value),
            headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([key, value]) => [key, String(value)])),
          })),
        );
        if (acks === 0) await waitFor(async () => (await readBack(server, topic, 0)).length + (await readBack(server, topic, 1)).length === 30, `the acks=0 records of ${topic}`);
        // One batch per partition, stored as sent: with the codec the producer chose.
        for (const partition of [0, 1]) {
          const batches = await batchesOf(server, topic, partition);
          expect(batches.map((batch) => ({ codec: batch.header.attributes & 7, count: batch.header.recordCount, baseOffset: batch.header.baseOffset })), topic).toEqual([{ codec: type, count: 15, baseOffset: 0 }]);
        }
        const stored = [...(await readBack(server, topic, 0)), ...(await readBack(server, topic, 1))];
        expect(stored.sort(byPartitionOffset), topic).toEqual([...expected.get(topic)!].sort(byPartitionOffset));
      }
    }
    await disconnect(producer);

    // And a kafkajs consumer (which must decompress the gzip and LZ4 batches itself) reads the same.
    for (const [topic, records] of expected) {
      const consumer = await connected(consumerOf(client, `reader-${topic}`));
      const received = await consume(consumer, topic);
      await waitFor(() => received.length >= 30, `kafkajs to consume ${topic}`);
      await disconnect(consumer);
      expect(received.sort(byPartitionOffset), topic).toEqual([...records].sort(byPartitionOffset));
    }
  });

  it("keyed records land where Java's partitioner puts them (kafkajs's default partitioner is the Java-compatible one)", async () => {
    // kafkajs's DefaultPartitioner, called directly, agrees with partitionForKey on arbitrary bytes.
    const partitioner = Partitioners.DefaultPartitioner();
    for (const partitionCount of [1, 2, 3, 7, 12, 100]) {
      const partitionMetadata = Array.from({ length: partitionCount }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
      for (let index = 0; index < 500; index++) {
        const key = Buffer.from(Array.from({ length: index % 41 }, (_, byte) => (index * 31 + byte * 17) & 0xff));
        expect(partitioner({ topic: 'direct', partitionMetadata, message: { key, value: null } })).toBe(partitionForKey(key, partitionCount));
      }
    }

    const server = await serve();
    await createTopic(server, 'keyed', 7);
    const keys = ['', 'a', 'ab', 'abc', 'abcd', '21', 'foobar', 'ключ', '🔑', 'ü', ...Array.from({ length: 200 }, (_, index) => `user-${index}`)];
    const producer = await connected(kafka(server).producer());
    await producer.send({ topic: 'keyed', messages: keys.map((key, index) => ({ key, value: `v${index}` })) });
    await producer.send({ topic: 'keyed', messages: keys.slice(0, 20).map((key) => ({ key: Buffer.from(key), value: 'again' })) });
    await disconnect(producer);

    const stored = (await Promise.all(Array.from({ length: 7 }, (_, partition) => readBack(server, 'keyed', partition)))).flat();
    expect(stored).toHaveLength(keys.length + 20);
    for (const record of stored) expect(record.partition, `key ${JSON.stringify(record.key)}`).toBe(partitionForKey(record.key!, 7));
    expect(new Set(stored.map((record) => record.partition)).size).toBe(7);
    // Both records of a repeated key share a partition, in send order.
    for (const key of keys.slice(0, 20)) expect(stored.filter((record) => record.key === key).map((record) => record.value)).toEqual([`v${keys.indexOf(key)}`, 'again']);
  });

  it('an idempotent producer: one producer id, sequences per partition, a retried batch is a duplicate', async () => {
    const server = await serve();
    await createTopic(server, 'idem', 2);
    const client = kafka(server);
    const producer = await connected(client.producer({ idempotent: true, maxInFlightRequests: 1 }));
    await producer.send({ topic: 'idem', acks: -1, messages: Array.from({ length: 5 }, (_, index) => ({ partition: 0, value: `a${index}` })) });
    await producer.send({ topic: 'idem', acks: -1, compression: CompressionTypes.GZIP, messages: Array.from({ length: 3 }, (_, index) => ({ partition: 0, value: `b${index}` })) });
    await producer.send({ topic: 'idem', acks: -1, compression: CompressionTypes.LZ4, messages: [{ partition: 1, value: 'c0' }, { partition: 1, value: 'c1' }, { partition: 0, value: 'd0' }] });
    const other = await connected(client.producer({ idempotent: true, maxInFlightRequests: 1 }));
    await other.send({ topic: 'idem', acks: -1, messages: [{ partition: 0, value: 'e0' }] });
    await disconnect(producer);
    await disconnect(other);

    const headers = async (partition: number) => (await batchesOf(server, 'idem', partition)).map(({ header }) => ({ baseOffset: header.baseOffset, producerId: header.producerId, producerEpoch: header.producerEpoch, baseSequence: header.baseSequence, recordCount: header.recordCount }));
    const zero = await headers(0);
    const one = await headers(1);
    const id = zero[0]!.producerId;
    expect(id).toBeGreaterThanOrEqual(0);
    expect(zero).toEqual([
      { baseOffset: 0, producerId: id, producerEpoch: 0, baseSequence: 0, recordCount: 5 },
      { baseOffset: 5, producerId: id, producerEpoch: 0, baseSequence: 5, recordCount: 3 },
      { baseOffset: 8, producerId: id, producerEpoch: 0, baseSequence: 8, recordCount: 1 },
      { baseOffset: 9, producerId: expect.any(Number) as number, producerEpoch: 0, baseSequence: 0, recordCount: 1 },
    ]);
    expect(zero[3]!.producerId).not.toBe(id);
    expect(one).toEqual([{ baseOffset: 0, producerId: id, producerEpoch: 0, baseSequence: 0, recordCount: 2 }]);
    expect((await readBack(server, 'idem', 0)).map((record) => `${record.offset}:${record.value}`)).toEqual(['0:a0', '1:a1', '2:a2', '3:a3', '4:a4', '5:b0', '6:b1', '7:b2', '8:d0', '9:e0']);

    // The second batch again, byte for byte as kafkajs sent it (what a retry after a lost response is): the original offsets, nothing written.
    const { records } = await server.broker.fetch('idem', 0, 5, 1 << 20);
    const retry = Buffer.from(records.subarray(0, records.readInt32BE(8) + 12));
    const result = await server.broker.produce('idem', 0, retry, -1);
    expect(result).toMatchObject({ baseOffset: 5, duplicate: true });
    expect(await readBack(server, 'idem', 0)).toHaveLength(10);
  });
});

describe('kafkajs consumers against strata serve', () => {
  it('a group of three on six partitions; one leaves, one crashes; the survivor owns everything and misses nothing', async () => {
    const server = await serve();
    await createTopic(server, 'jobs', 6);
    const client = kafka(server);
    const admin = await connected(client.admin());
    const a = await connected(consumerOf(client, 'workers'));
    const b = await connected(consumerOf(client, 'workers'));
    const gotA = await consume(a, 'jobs');
    const gotB = await consume(b, 'jobs');
    const crasher = childConsumer(server.port, 'workers', 'jobs');
    await waitFor(async () => {
      const { state, partitions } = await groupState(admin, 'workers', 'jobs');
      return state === 'Stable' && partitions.length === 3 && partitions.every((each) => each.length === 2);
    }, 'three members with two partitions each', 20_000).catch((error: Error) => {
      throw new Error(`${error.message}; child said: ${crasher.output()}`);
    });

    const producer = await connected(client.producer());
    const first = Array.from({ length: 60 }, (_, index) => ({ partition: index % 6, key: `k${index}`, value: `first-${index}` }));
    await producer.send({ topic: 'jobs', messages: first });
    await waitFor(() => gotA.length + gotB.length + crasher.received.length >= 60, 'the first 60 records', 15_000);
    await waitFor(async () => committedTotal(await admin.fetchOffsets({ groupId: 'workers', topics: ['jobs'] })) === 60, 'commits of the first 60');
    await sleep(200);
    const phaseOne = [gotA, gotB, crasher.received];
    expect(phaseOne.flat().map((record) => record.value).sort()).toEqual(first.map((message) => message.value).sort());
    const owned = phaseOne.map((records) => [...new Set(records.map((record) => record.partition))].sort());
    expect(owned.map((partitions) => partitions.length)).toEqual([2, 2, 2]);
    expect(owned.flat().sort()).toEqual([0, 1, 2, 3, 4, 5]);
    for (const records of phaseOne) for (const record of records) expect(record.offset).toBe(Math.floor(Number(record.value!.slice(6)) / 6));

    // b leaves cleanly; the child freezes: its socket stays open, its heartbeats stop.
    const seenByA = gotA.length;
    await disconnect(b);
    crasher.child.kill('SIGSTOP');
    await waitFor(async () => {
      const { state, partitions } = await groupState(admin, 'workers', 'jobs');
      return state === 'Stable' && partitions.length === 1 && partitions[0]!.join() === '0,1,2,3,4,5';
    }, 'the survivor to own all six partitions', 20_000);

    const second = Array.from({ length: 60 }, (_, index) => ({ partition: index % 6, value: `second-${index}` }));
    await producer.send({ topic: 'jobs', messages: second });
    await waitFor(() => gotA.length - seenByA >= 60, 'the survivor to consume the next 60 records', 15_000);
    await waitFor(async () => committedTotal(await admin.fetchOffsets({ groupId: 'workers', topics: ['jobs'] })) === 120, 'commits of all 120');
    await sleep(200);
    const afterFailure = gotA.slice(seenByA);
    expect(afterFailure.map((record) => record.value).sort()).toEqual(second.map((message) => message.value).sort());
    expect(afterFailure.every((record) => record.offset === 10 + Math.floor(Number(record.value!.slice(7)) / 6))).toBe(true);
    expect(crasher.received).toHaveLength(20);
  });

  it('commits survive a broker restart: a new client on the new port resumes exactly at the committed offsets', async () => {
    const dataDir = tempDir();
    let server = await serve(dataDir);
    await createTopic(server, 'ledger', 2);
    let client = kafka(server);
    const producer = await connected(client.producer());
    await producer.send({ topic: 'ledger', messages: Array.from({ length: 20 }, (_, index) => ({ partition: index % 2, key: `k${index}`, value: `old-${index}`, headers: { n: String(index) } })) });
    await disconnect(producer);

    const consumer = await connected(client.consumer({ groupId: 'books', sessionTimeout: 3_000, rebalanceTimeout: 3_000, heartbeatInterval: 100, maxWaitTimeInMs: 100 }));
    await consumer.subscribe({ topics: ['ledger'], fromBeginning: true });
    const seen: string[] = [];
    await consumer.run({ autoCommit: false, eachMessage: async ({ partition, message }) => void seen.push(`${partition}@${message.offset}`) });
    await waitFor(() => seen.length === 20, 'the first 20 records');
    await consumer.commitOffsets([
      { topic: 'ledger', partition: 0, offset: '4' },
      { topic: 'ledger', partition: 1, offset: '7' },
    ]);
    await disconnect(consumer);
    await closeServer(server);

    server = await serve(dataDir);
    client = kafka(server);
    const admin = await connected(client.admin());
    expect(await admin.fetchOffsets({ groupId: 'books', topics: ['ledger'] })).toEqual([
      { topic: 'ledger', partitions: [expect.objectContaining({ partition: 0, offset: '4' }), expect.objectContaining({ partition: 1, offset: '7' })] },
    ]);
    const late = await connected(client.producer());
    await late.send({ topic: 'ledger', messages: Array.from({ length: 4 }, (_, index) => ({ partition: index % 2, value: `new-${index}` })) });
    const resumed = await connected(consumerOf(client, 'books'));
    const got = await consume(resumed, 'ledger');
    await waitFor(() => got.length >= 6 + 3 + 4, 'the records after the commits');
    await sleep(300);
    expect(got.sort(byPartitionOffset).map((record) => `${record.partition}@${record.offset}:${record.value}`)).toEqual([
      ...[4, 5, 6, 7, 8, 9].map((offset) => `0@${offset}:old-${offset * 2}`),
      '0@10:new-0',
      '0@11:new-2',
      ...[7, 8, 9].map((offset) => `1@${offset}:old-${offset * 2 + 1}`),
      '1@10:new-1',
      '1@11:new-3',
    ]);
    expect(got.find((record) => record.value === 'old-8')).toMatchObject({ key: 'k8', headers: { n: '8' } });
  });

  it('seek re-reads from an offset; a seek past the end resets to the earliest offset', async () => {
    const server = await serve();
    await createTopic(server, 'tape', 1);
    const client = kafka(server);
    const producer = await connected(client.producer());
    await producer.send({ topic: 'tape', messages: Array.from({ length: 10 }, (_, index) => ({ value: `r${index}` })) });
    const consumer = await connected(consumerOf(client, 'rewinder'));
    const got = await consume(consumer, 'tape');
    await waitFor(() => got.length === 10, 'the first pass');
    consumer.seek({ topic: 'tape', partition: 0, offset: '3' });
    await waitFor(() => got.length >= 17, 'the re-read from offset 3');
    await sleep(200);
    expect(got.map((record) => record.offset)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 3, 4, 5, 6, 7, 8, 9]);
    expect(got.map((record) => record.value).slice(10)).toEqual(['r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9']);

    got.length = 0;
    consumer.seek({ topic: 'tape', partition: 0, offset: '50' }); // OFFSET_OUT_OF_RANGE, then auto.offset.reset = earliest
    await waitFor(() => got.length >= 10, 'the reset to the earliest offset');
    await producer.send({ topic: 'tape', messages: [{ value: 'r10' }] });
    await waitFor(() => got.length >= 11, 'the record after the reset');
    await sleep(200);
    expect(got.map((record) => record.offset)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('admin.fetchTopicOffsets and fetchTopicOffsetsByTimestamp: within batches, across batches, out-of-order timestamps, after retention', async () => {
    const server = await serve();
    await createTopic(server, 'times', 3);
    const client = kafka(server);
    const producer = await connected(client.producer());
    const t = 1_600_000_000_000;
    // Partition 0: one batch, increasing timestamps. Partition 1: a batch per record. Partition 2: one batch, out of order.
    await producer.send({ topic: 'times', messages: [0, 1000, 2000, 3000].map((delta) => ({ partition: 0, value: `p0-${delta}`, timestamp: String(t + delta) })) });
    for (const delta of [500, 1500, 2500]) await producer.send({ topic: 'times', messages: [{ partition: 1, value: `p1-${delta}`, timestamp: String(t + delta) }] });
    await producer.send({ topic: 'times', messages: [5000, 1000, 3000].map((delta) => ({ partition: 2, value: `p2-${delta}`, timestamp: String(t + delta) })) });
    const admin = await connected(client.admin());

    expect(await admin.fetchTopicOffsets('times')).toEqual([
      { partition: 0, offset: '4', high: '4', low: '0' },
      { partition: 1, offset: '3', high: '3', low: '0' },
      { partition: 2, offset: '3', high: '3', low: '0' },
    ]);
    const at = async (timestamp: number) => (await admin.fetchTopicOffsetsByTimestamp('times', timestamp)).sort((x, y) => x.partition - y.partition).map((entry) => Number(entry.offset));
    expect(await at(t - 1)).toEqual([0, 0, 0]);
    expect(await at(t)).toEqual([0, 0, 0]);
    expect(await at(t + 1000)).toEqual([1, 1, 0]);
    expect(await at(t + 1500)).toEqual([2, 1, 0]);
    expect(await at(t + 2500)).toEqual([3, 2, 0]);
    expect(await at(t + 3000)).toEqual([3, 3, 0]); // kafkajs turns "none" (-1) into the high watermark
    expect(await at(t + 5000)).toEqual([4, 3, 0]);
    expect(await at(t + 5001)).toEqual([4, 3, 3]);

    // Retention moves the log start: low follows, and a timestamp before it answers the log start.
    await createTopic(server, 'aging', 1, [
      { name: 'segment.bytes', value: '100' },
      { name: 'retention.ms', value: '60000' },
    ]);
    const old = Date.now() - 3_600_000;
    for (let index = 0; index < 6; index++) await producer.send({ topic: 'aging', messages: [{ value: `old-${index}-${'y'.repeat(80)}`, timestamp: String(old + index) }] });
    const fresh = Date.now();
    await producer.send({ topic: 'aging', messages: [{ value: 'fresh', timestamp: String(fresh) }] });
    await server.broker.enforceRetention();
    const [offsets] = await admin.fetchTopicOffsets('aging');
    expect(offsets).toEqual({ partition: 0, offset: '7', high: '7', low: '6' });
    expect((await admin.fetchTopicOffsetsByTimestamp('aging', old)).map((entry) => entry.offset)).toEqual(['6']);
    expect((await admin.fetchTopicOffsetsByTimestamp('aging', fresh)).map((entry) => entry.offset)).toEqual(['6']);
    expect((await admin.fetchTopicOffsetsByTimestamp('aging', fresh + 1)).map((entry) => entry.offset)).toEqual(['7']);
  });

  // The broker recomputes a batch's maxTimestamp from its records, as Kafka's LogValidator does.
  it('a batch whose maxTimestamp kafkajs gets wrong is still found by timestamp, and retention does not delete its newer records', async () => {
    // kafkajs sets a batch's maxTimestamp from the messages that carry a timestamp only: a message
    // without one gets Date.now() as its record timestamp but is left out of maxTimestamp. Kafka
    // recomputes maxTimestamp from the records on append (LogValidator: setMaxTimestamp), so its
    // time index, ListOffsets by time and retention.ms all see the newest record.
    const server = await serve();
    await createTopic(server, 'mixed', 1, [
      { name: 'segment.bytes', value: '100' },
      { name: 'retention.ms', value: '60000' },
    ]);
    const producer = await connected(kafka(server).producer());
    const old = Date.now() - 3_600_000;
    const before = Date.now();
    await producer.send({ topic: 'mixed', messages: [{ value: 'dated', timestamp: String(old) }, { value: `undated ${'z'.repeat(100)}` }] });
    await producer.send({ topic: 'mixed', messages: [{ value: 'next' }] }); // in a new segment (segment.bytes 100)
    const stored = await readBack(server, 'mixed', 0);
    expect(stored.map((record) => record.value!.slice(0, 7))).toEqual(['dated', 'undated', 'next']);
    expect(stored[1]!.timestamp).toBeGreaterThanOrEqual(before);
    const [batch] = await batchesOf(server, 'mixed', 0);
    const admin = await connected(kafka(server).admin());
    const byTime = await admin.fetchTopicOffsetsByTimestamp('mixed', before);
    await server.broker.enforceRetention();
    const kept = (await readBack(server, 'mixed', 0)).map((record) => record.value!.slice(0, 7));
    expect({ maxTimestamp: batch!.header.maxTimestamp, byTime, kept }).toEqual({
      maxTimestamp: stored[1]!.timestamp, // Strata: the client's `old`
      byTime: [{ partition: 0, offset: '1' }], // Strata: 2 (no record found, so kafkajs answers the high watermark)
      kept: ['dated', 'undated', 'next'], // Strata: ['next'] (the fresh record is deleted with its "old" segment)
    });
  });

  it('a LogAppendTime topic: the broker stamps the batch, and consumers read its time', async () => {
    const server = await serve();
    await createTopic(server, 'stamped', 1, [{ name: 'message.timestamp.type', value: 'LogAppendTime' }]);
    const client = kafka(server);
    const producer = await connected(client.producer());
    const before = Date.now();
    const [result] = await producer.send({ topic: 'stamped', compression: CompressionTypes.LZ4, messages: [{ value: 'one', timestamp: '1000' }, { value: 'two', timestamp: '2000' }] });
    const after = Date.now();
    const [batch] = await batchesOf(server, 'stamped', 0);
    const stamped = batch!.header.maxTimestamp;
    expect(batch!.header.attributes & 0x08).toBe(0x08);
    expect(stamped).toBeGreaterThanOrEqual(before);
    expect(stamped).toBeLessThanOrEqual(after);
    expect(Number(result!.logAppendTime)).toBeGreaterThanOrEqual(before);
    expect(Number(result!.logAppendTime)).toBeLessThanOrEqual(after);
    const consumer = await connected(consumerOf(client, 'stamp-reader'));
    const got = await consume(consumer, 'stamped');
    await waitFor(() => got.length === 2, 'both records');
    expect(got.map((record) => [record.value, record.timestamp])).toEqual([
      ['one', stamped],
      ['two', stamped],
    ]);
  });

  // The producer is told the very time stamped into its records (Kafka answers the `now` it stamped).
  // The clock here ticks on every read, so a second read would always differ.
  it('a LogAppendTime produce response carries the very time stamped into the batch', async () => {
    const realNow = Date.now.bind(Date);
    let ticks = 0;
    const clock = vi.spyOn(Date, 'now').mockImplementation(() => realNow() + ticks++);
    try {
      const server = await serve();
      await createTopic(server, 'stamped', 1, [{ name: 'message.timestamp.type', value: 'LogAppendTime' }]);
      const producer = await connected(kafka(server).producer());
      const [result] = await producer.send({ topic: 'stamped', messages: [{ value: 'one' }] });
      const [batch] = await batchesOf(server, 'stamped', 0);
      expect(result!.logAppendTime).toBe(String(batch!.header.maxTimestamp));
    } finally {
      clock.mockRestore();
    }
  });
});
