// Compaction through the broker: keyless records refused on compacted topics (typed error embedded,
// INVALID_RECORD on the wire), the background cleaner compacting a topic by dirty ratio, consumers
// reading while the cleaner swaps segments, __consumer_offsets cleaned with group offsets intact
// across a restart, and the consumer's readToEnd replay mode.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { BrokerError } from '../../src/broker/broker-error.js';
import { CONSUMER_OFFSETS_TOPIC } from '../../src/broker/topic-name.js';
import { Broker } from '../../src/client/broker.js';
import type { ConsumerMessage } from '../../src/client/consumer-message.js';
import { StrataServer } from '../../src/protocol/serve.js';
import { tempDir } from '../support/temp-dir.js';

const servers: StrataServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

const COMPACTED = { 'cleanup.policy': 'compact', 'segment.bytes': 2048, 'min.cleanable.dirty.ratio': 0.01 };

async function collect(iterable: AsyncIterable<ConsumerMessage>): Promise<ConsumerMessage[]> {
  const messages: ConsumerMessage[] = [];
  for await (const message of iterable) messages.push(message);
  return messages;
}

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('compacted topics in the broker', () => {
  it('refuses records without a key on a compacted topic with INVALID_RECORD, and accepts keyed ones and tombstones', async () => {
    const broker = await Broker.open({ dataDir: tempDir(), logCleanerEnable: false });
    await broker.admin.createTopic('accounts', { partitions: 1, config: COMPACTED });
    const producer = broker.producer({ acks: -1, lingerMs: 0 });
    const refused = producer.send('accounts', [{ value: 'no key' }]);
    const error = await refused.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BrokerError);
    expect(error).toMatchObject({ code: 'INVALID_RECORD', errorCode: 87, message: expect.stringContaining('without a key') });
    await expect(producer.send('accounts', [{ key: 'a', value: '1' }, { key: 'a', value: null }])).resolves.toHaveLength(2);
    await broker.admin.createTopic('plain', { partitions: 1 });
    await expect(producer.send('plain', [{ value: 'no key is fine here' }])).resolves.toHaveLength(1);
    await broker.close();
  });

  it('refuses keyless records from a Kafka client over the wire with error 87 (INVALID_RECORD)', async () => {
    const server = await StrataServer.start({ host: '127.0.0.1', port: 0, broker: { dataDir: tempDir(), logCleanerEnable: false } });
    servers.push(server);
    await server.broker.topics.create('accounts', { partitions: 1, config: COMPACTED });
    const kafka = new Kafka({ clientId: 'compaction', brokers: [`127.0.0.1:${server.port}`], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    const producer = kafka.producer();
    await producer.connect();
    try {
      const error = await producer.send({ topic: 'accounts', messages: [{ value: 'no key' }] }).catch((caught: unknown) => caught);
      const causes = [error, ...(((error as { errors?: unknown[] }).errors) ?? [])] as { type?: string; originalError?: { type?: string } }[];
      expect(causes.some((cause) => cause.type === 'INVALID_RECORD' || cause.originalError?.type === 'INVALID_RECORD')).toBe(true);
      await producer.send({ topic: 'accounts', messages: [{ key: 'a', value: '1' }] });
      expect((await server.broker.fetch('accounts', 0, 0, 1 << 20)).highWatermark).toBe(1);
    } finally {
      await producer.disconnect();
    }
  });

  it('a kafkajs consumer reads a compacted topic (offset gaps, empty batches) to its end over the wire', async () => {
    const server = await StrataServer.start({ host: '127.0.0.1', port: 0, broker: { dataDir: tempDir(), logCleanerEnable: false, groupInitialRebalanceDelayMs: 0 } });
    servers.push(server);
    await server.broker.topics.create('accounts', { partitions: 1, config: COMPACTED });
    const kafka = new Kafka({ clientId: 'compaction', brokers: [`127.0.0.1:${server.port}`], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
    const producer = kafka.producer();
    await producer.connect();
    for (let round = 0; round < 30; round++) await producer.send({ topic: 'accounts', messages: Array.from({ length: 4 }, (_, index) => ({ key: `k${index}`, value: `r${round}` })) });
    await producer.send({ topic: 'accounts', messages: [{ key: 'k0', value: null }] });
    await server.broker.topics.partition('accounts', 0).roll(); // the log now ends right after a cleaned segment
    await producer.disconnect();
    const cleaned = await server.broker.cleaner.clean(server.broker.topics.partition('accounts', 0));
    expect(cleaned?.groupsSwapped).toBeGreaterThan(0);
    const endOffset = server.broker.topics.partition('accounts', 0).logEndOffset;
    const consumer = kafka.consumer({ groupId: 'replay' });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: 'accounts', fromBeginning: true });
      const seen: { offset: number; key: string; value: string | null }[] = [];
      let reachedEnd: () => void = () => undefined;
      const done = new Promise<void>((resolve) => (reachedEnd = resolve));
      await consumer.run({
        eachBatch: async ({ batch }) => {
          for (const message of batch.messages) seen.push({ offset: Number(message.offset), key: message.key!.toString(), value: message.value?.toString() ?? null });
          if (Number(batch.lastOffset()) + 1 >= endOffset || seen.some((record) => record.key === 'k0' && record.value === null)) reachedEnd();
        },
      });
      await done;
      const offsets = seen.map((record) => record.offset);
      expect(new Set(offsets).size).toBe(offsets.length);
      expect(new Map(seen.map((record) => [record.key, record.value]))).toEqual(new Map([['k1', 'r29'], ['k2', 'r29'], ['k3', 'r29'], ['k0', null]]));
      expect(seen.length).toBe(4);
    } finally {
      await consumer.disconnect();
    }
  });

  it('the background cleaner compacts a dirty topic on its own and keeps the newest value of every key', async () => {
    const broker = await Broker.open({ dataDir: tempDir(), logCleanerBackoffMs: 10 });
    await broker.admin.createTopic('accounts', { partitions: 1, config: COMPACTED });
    const producer = broker.producer({ acks: 1, lingerMs: 0 });
    for (let round = 0; round < 40; round++) await producer.send('accounts', Array.from({ length: 5 }, (_, index) => ({ key: `k${index}`, value: `r${round}` })));
    const log = broker.core.topics.partition('accounts', 0);
    const sizeBefore = log.sizeBytes;
    await waitFor(() => log.dirtyRatio() === 0 && log.sizeBytes < sizeBefore / 2, 'the cleaner to compact the topic');
    const consumer = broker.consumer({ readToEnd: true });
    await consumer.assign([{ topic: 'accounts', partition: 0 }], { from: 'earliest' });
    const messages = await collect(consumer);
    const newest = new Map(messages.map((message) => [message.key!.toString(), message.value!.toString()]));
    expect(newest).toEqual(new Map(Array.from({ length: 5 }, (_, index) => [`k${index}`, 'r39'])));
    expect(messages.length).toBeLessThan(5 * 40);
    await broker.close();
  });

  it('consumers reading while the cleaner swaps segments see no duplicate and every newest value', async () => {
    const broker = await Broker.open({ dataDir: tempDir(), logCleanerEnable: false });
    await broker.admin.createTopic('accounts', { partitions: 1, config: COMPACTED });
    const producer = broker.producer({ acks: 1, lingerMs: 0 });
    const keys = 12;
    for (let round = 0; round < 60; round++) await producer.send('accounts', Array.from({ length: keys }, (_, index) => ({ key: `k${index}`, value: `r${round}` })));
    await producer.send('accounts', [{ key: 'end', value: 'marker' }]); // the active segment is never cleaned
    const log = broker.core.topics.partition('accounts', 0);
    for (let attempt = 0; attempt < 3; attempt++) {
      const readers = Array.from({ length: 3 }, async () => {
        const consumer = broker.consumer({ readToEnd: true, maxBytesPerPartition: 300 });
        await consumer.assign([{ topic: 'accounts', partition: 0 }], { from: 'earliest' });
        const messages = await collect(consumer);
        await consumer.close();
        return messages;
      });
      const cleaning = (async () => {
        for (let pass = 0; pass < 3; pass++) {
          await broker.core.cleaner.clean(log);
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      const [results] = await Promise.all([Promise.all(readers), cleaning]);
      for (const messages of results) {
        const offsets = messages.map((message) => message.offset);
        expect(new Set(offsets).size).toBe(offsets.length);
        expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
        const newest = new Map(messages.map((message) => [message.key!.toString(), message.value!.toString()]));
        for (let index = 0; index < keys; index++) expect(newest.get(`k${index}`)).toBe('r59');
        expect(newest.get('end')).toBe('marker');
      }
      await producer.send('accounts', Array.from({ length: keys }, (_, index) => ({ key: `k${index}`, value: 'r59' })));
    }
    await broker.close();
  });

  it('cleans __consumer_offsets like any compacted topic; committed offsets survive the cleaning and a restart', async () => {
    const dataDir = tempDir();
    const options = { dataDir, logCleanerEnable: false, offsetsTopicNumPartitions: 1, groupInitialRebalanceDelayMs: 0 };
    let broker = await Broker.open(options);
    await broker.admin.createTopic('orders', { partitions: 3 });
    const consumer = broker.consumer({ groupId: 'billing', autoCommit: false });
    await consumer.assign([0, 1, 2].map((partition) => ({ topic: 'orders', partition, offset: 0 })));
    await consumer.commit([{ topic: 'orders', partition: 0, offset: 1 }]);
    await broker.core.topics.alterConfig(CONSUMER_OFFSETS_TOPIC, { set: { 'segment.bytes': 1024 } });
    for (let round = 1; round <= 60; round++) {
      await consumer.commit([0, 1, 2].map((partition) => ({ topic: 'orders', partition, offset: round * 10 + partition })));
    }
    await consumer.close();
    const offsetsLog = broker.core.topics.partition(CONSUMER_OFFSETS_TOPIC, 0);
    expect(broker.core.topics.configValue(CONSUMER_OFFSETS_TOPIC, 'cleanup.policy')).toBe('compact');
    const sizeBefore = offsetsLog.sizeBytes;
    const result = await broker.core.cleaner.clean(offsetsLog);
    expect(result?.groupsSwapped).toBeGreaterThan(0);
    expect(offsetsLog.sizeBytes).toBeLessThan(sizeBefore / 4);
    await broker.close();
    for (const cleanShutdown of [true, false]) {
      broker = await Broker.open(options);
      const offsets = await broker.admin.describeGroup('billing');
      expect(offsets.offsets.filter((entry) => entry.topic === 'orders').map((entry) => [entry.partition, entry.committedOffset]).sort()).toEqual([
        [0, 600],
        [1, 601],
        [2, 602],
      ]);
      await broker.close();
      // The second round reopens after an unclean stop: the marker goes, recovery scans the logs.
      if (cleanShutdown) rmSync(join(dataDir, 'clean-shutdown'));
    }
  });
});

describe('readToEnd replay', () => {
  it('stops at the end offsets captured when reading starts; later records are not returned', async () => {
    const broker = await Broker.open({ dataDir: tempDir(), logCleanerEnable: false });
    await broker.admin.createTopic('events', { partitions: 2 });
    const producer = broker.producer({ acks: 1, lingerMs: 0 });
    for (let index = 0; index < 20; index++) await producer.send('events', [{ key: `k${index}`, value: `v${index}`, partition: index % 2 }]);
    const consumer = broker.consumer({ readToEnd: true, maxBytesPerPartition: 100 });
    await consumer.subscribe('events', { from: 'earliest' });
    const seen: string[] = [];
    for await (const message of consumer) {
      seen.push(message.value!.toString());
      if (seen.length === 1) await producer.send('events', [{ key: 'late', value: 'late', partition: 0 }]);
    }
    expect(seen.sort()).toEqual(Array.from({ length: 20 }, (_, index) => `v${index}`).sort());
    const empty = broker.consumer({ readToEnd: true });
    await empty.subscribe('events', { from: 'latest' });
    expect(await collect(empty)).toEqual([]);
    await broker.close();
  });
});
