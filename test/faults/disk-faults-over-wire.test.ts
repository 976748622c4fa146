// Disk faults seen by a Kafka client (issue 8): `strata serve` in this process over a
// FaultInjectingFileIO, driven by kafkajs at acks=-1. ENOSPC and EIO on a write, and a failed
// fsync, must reach the producer as KAFKA_STORAGE_ERROR (retriable, as Kafka answers a produce
// whose log directory failed), lose nothing acknowledged and corrupt nothing. ENOSPC and EIO on a
// write cost only the batches they hit: once the disk takes writes again the broker goes on, no
// restart; kafkajs's own retries carry a send across the fault. A failed fsync takes that
// partition offline (KAFKA_STORAGE_ERROR for produce and fetch) until the broker restarts; after
// the restart, even one after a power loss, it holds a valid prefix with every acknowledged record.
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaErrorCode } from '../../src/broker/kafka-error-codes.js';
import { StrataServer } from '../../src/protocol/serve.js';
import { FaultInjectingFileIO } from '../../src/storage/fault-injecting-file-io.js';
import { connected, disconnectAll } from '../support/kafkajs-clients.js';
import { tempDir } from '../support/temp-dir.js';
import { connectTo, readPartition } from '../../bench/wire-client.js';

const TOPIC = 'faulty';
/** Faults hit partition 0's files only (not metadata, not __consumer_offsets, not partition 1). */
const PARTITION_0_FILES = `/${TOPIC}-0/`;
const FOREVER = 1_000_000;

const servers: StrataServer[] = [];
afterEach(async () => {
  await disconnectAll();
  for (const server of servers.splice(0)) await server.close().catch(() => undefined);
});

async function start(dataDir: string, io = new FaultInjectingFileIO()): Promise<{ server: StrataServer; io: FaultInjectingFileIO; kafka: Kafka }> {
  const server = await StrataServer.start({ host: '127.0.0.1', port: 0, broker: { dataDir, io } });
  servers.push(server);
  const kafka = new Kafka({ clientId: 'faults', brokers: [`127.0.0.1:${server.port}`], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  return { server, io, kafka };
}

async function createTopic(kafka: Kafka): Promise<void> {
  const admin = await connected(kafka.admin());
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }] });
}

/** The Kafka error type a kafkajs send failed with (kafkajs wraps it in retry errors). */
function kafkaErrorType(error: unknown): string | undefined {
  for (let current = error as { type?: string; cause?: unknown; originalError?: unknown } | undefined; current !== undefined; ) {
    if (typeof current.type === 'string') return current.type;
    current = (current.cause ?? current.originalError) as typeof current;
  }
  return undefined;
}

async function send(producer: Producer, partition: number, value: string): Promise<number> {
  const [result] = await producer.send({ topic: TOPIC, acks: -1, messages: [{ value, partition }] });
  return Number(result!.baseOffset);
}

async function sendFails(producer: Producer, partition: number, value: string): Promise<string | undefined> {
  try {
    await send(producer, partition, value);
  } catch (error) {
    return kafkaErrorType(error);
  }
  throw new Error(`the send of ${value} succeeded`);
}

/** Every record of the partition, checked dense from 0. */
async function storedValues(port: number, partition: number): Promise<string[]> {
  const client = await connectTo(port);
  try {
    const { records } = await readPartition(client, TOPIC, partition);
    records.forEach((record, index) => expect(record.offset).toBe(index));
    return records.map((record) => record.value);
  } finally {
    await client.close();
  }
}

describe('disk faults over the wire', () => {
  for (const errno of ['ENOSPC', 'EIO']) {
    it(`${errno} on write: KAFKA_STORAGE_ERROR while it lasts, nothing acknowledged lost, and the broker goes on without a restart`, async () => {
      const { server, io, kafka } = await start(tempDir());
      await createTopic(kafka);
      const producer = await connected(kafka.producer());
      expect(await send(producer, 0, 'a')).toBe(0);

      io.failNext('write', errno, { pathIncludes: PARTITION_0_FILES, count: FOREVER, afterBytes: 7 }); // the disk is full: every write lands 7 bytes, then fails
      expect(await sendFails(producer, 0, 'lost-1')).toBe('KAFKA_STORAGE_ERROR');
      expect(await sendFails(producer, 0, 'lost-2')).toBe('KAFKA_STORAGE_ERROR');
      expect(await send(producer, 1, 'other partition')).toBe(0); // only the faulty files are affected

      io.clearFaults(); // space again
      expect(await send(producer, 0, 'b')).toBe(1);
      expect(await storedValues(server.port, 0)).toEqual(['a', 'b']);

      // kafkajs retries a retriable KAFKA_STORAGE_ERROR: a send started during the fault completes once it clears.
      io.failNext('write', errno, { pathIncludes: PARTITION_0_FILES, count: FOREVER });
      const retrying = kafka.producer({ retry: { retries: 10, initialRetryTime: 50 } });
      await connected(retrying);
      const sent = send(retrying, 0, 'c');
      await new Promise((resolve) => setTimeout(resolve, 300));
      io.clearFaults();
      expect(await sent).toBe(2);
      expect(await storedValues(server.port, 0)).toEqual(['a', 'b', 'c']);
    });
  }

  it('a failed fsync: KAFKA_STORAGE_ERROR, the partition offline until restart, then a valid prefix with every acknowledged record, even after a power loss', async () => {
    const dataDir = tempDir();
    const first = await start(dataDir);
    await createTopic(first.kafka);
    const producer = await connected(first.kafka.producer());
    const acknowledged = ['a', 'b', 'c'];
    for (const [index, value] of acknowledged.entries()) expect(await send(producer, 0, value)).toBe(index);

    first.io.failNext('datasync', 'EIO', { pathIncludes: PARTITION_0_FILES });
    expect(await sendFails(producer, 0, 'unacknowledged')).toBe('KAFKA_STORAGE_ERROR');
    first.io.clearFaults(); // the disk "works" again, but what the failed fsync covered cannot be trusted
    expect(await sendFails(producer, 0, 'refused')).toBe('KAFKA_STORAGE_ERROR');
    const client = await connectTo(first.server.port);
    await expect(readPartition(client, TOPIC, 0)).rejects.toThrow(`error code ${KafkaErrorCode.KAFKA_STORAGE_ERROR}`);
    await client.close();
    expect(await send(producer, 1, 'other partition')).toBe(0); // the other partition stays online

    // Power loss now: what was never fsynced may be lost or torn.
    await first.io.crash(() => 0.5);
    await first.server.close().catch(() => undefined);

    const second = await start(dataDir);
    const values = await storedValues(second.server.port, 0);
    expect(values.slice(0, acknowledged.length)).toEqual(acknowledged);
    expect(values.length).toBeLessThanOrEqual(acknowledged.length + 1);
    if (values.length > acknowledged.length) expect(values[acknowledged.length]).toBe('unacknowledged');
    const again = await connected(second.kafka.producer());
    expect(await send(again, 0, 'after restart')).toBe(values.length);
    expect(await storedValues(second.server.port, 1)).toEqual(['other partition']);
  });
});
