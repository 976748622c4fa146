import { describe, expect, it } from 'vitest';
import { Broker } from '../../src/client/broker.js';
import { partitionForKey } from '../../src/broker/partitioner.js';
import { decodeRecordBatches } from '../../src/codec/record-batch.js';
import { FaultInjectingFileIO } from '../../src/storage/fault-injecting-file-io.js';
import { tempDir } from '../support/temp-dir.js';

async function readAll(broker: Broker, topic: string, partition: number) {
  const { records } = await broker.core.fetch(topic, partition, 0, 1 << 24);
  return decodeRecordBatches(records);
}

describe('embedded producer', () => {
  it('sends records with keys, headers, timestamps and explicit partitions and returns their offsets', async () => {
    const broker = await Broker.open({ dataDir: tempDir() });
    await broker.admin.createTopic('orders', { partitions: 3 });
    const producer = broker.producer();
    const results = await producer.send('orders', [
      { key: 'user-1', value: '{"total":12}', headers: { source: 'web' }, timestamp: 1_000 },
      { key: 'user-1', value: '{"total":13}' },
      { value: 'to partition 2', partition: 2 },
    ]);
    const expected = partitionForKey('user-1', 3);
    expect(results[0]).toMatchObject({ topic: 'orders', partition: expected, offset: 0, timestamp: 1_000 });
    expect(results[1]).toMatchObject({ partition: expected, offset: 1 });
    expect(results[2]).toMatchObject({ partition: 2 });
    const [batch] = await readAll(broker, 'orders', expected);
    expect(batch!.records[0]).toMatchObject({ key: Buffer.from('user-1'), headers: [{ key: 'source', value: Buffer.from('web') }], timestamp: 1_000 });
    await broker.close();
  });

  it('pipelines batches and keeps send order through failed writes: every record exactly once, in order', async () => {
    const io = new FaultInjectingFileIO();
    const broker = await Broker.open({ dataDir: tempDir(), io });
    await broker.admin.createTopic('ordered', { partitions: 1 });
    // Enough retries for every armed fault to land on one batch: this test is about order, not the retry budget.
    const producer = broker.producer({ acks: 1, batchSizeBytes: 256, maxInFlightBatches: 5, retries: 20, retryBackoffMs: 1 });
    const total = 3000;
    const sends: Promise<unknown>[] = [];
    for (let index = 0; index < total; index++) {
      sends.push(producer.send('ordered', [{ value: `${index}`.padStart(40, '0') }]));
      // Writes fail now and then while batches are queued behind them.
      if (index % 500 === 250) io.failNext('write', index % 1000 === 250 ? 'ENOSPC' : 'EIO', { pathIncludes: '.log', count: 2 });
      if (index % 100 === 99) await new Promise((resolve) => setImmediate(resolve));
    }
    const results = (await Promise.all(sends)) as { offset: number }[][];
    const values = (await readAll(broker, 'ordered', 0)).flatMap((batch) => batch.records.map((record) => Number(record.value!.toString())));
    expect(values).toEqual(Array.from({ length: total }, (_, index) => index));
    expect(results.map(([metadata]) => metadata!.offset)).toEqual(Array.from({ length: total }, (_, index) => index));
    await broker.close();
  });

  it('keeps order per key: every record of a key lands in one partition, in send order', async () => {
    const broker = await Broker.open({ dataDir: tempDir() });
    await broker.admin.createTopic('events', { partitions: 4 });
    const producer = broker.producer({ acks: 1, lingerMs: 2 });
    const sends = [];
    for (let index = 0; index < 400; index++) sends.push(producer.send('events', [{ key: `k${index % 10}`, value: `${index}` }]));
    await Promise.all(sends);
    for (let partition = 0; partition < 4; partition++) {
      const values = (await readAll(broker, 'events', partition)).flatMap((batch) => batch.records.map((record) => [record.key!.toString(), Number(record.value!.toString())] as const));
      for (const key of new Set(values.map(([key]) => key))) {
        expect(partitionForKey(key, 4)).toBe(partition);
        const sequence = values.filter(([candidate]) => candidate === key).map(([, value]) => value);
        expect(sequence).toEqual([...sequence].sort((a, b) => a - b));
        expect(sequence).toHaveLength(40);
      }
    }
    await broker.close();
  });

  it('batches records sent in one tick, compresses, and sticks keyless records to one partition per batch', async () => {
    const broker = await Broker.open({ dataDir: tempDir() });
    await broker.admin.createTopic('logs', { partitions: 3 });
    const producer = broker.producer({ compression: 'lz4' });
    const results = await producer.send('logs', Array.from({ length: 50 }, (_, index) => ({ value: `line ${index}` })));
    expect(new Set(results.map((result) => result.partition)).size).toBe(1);
    const batches = await readAll(broker, 'logs', results[0]!.partition);
    expect(batches).toHaveLength(1);
    expect(batches[0]!.header.attributes & 0x07).toBe(3);
    expect(batches[0]!.records.map((record) => record.value!.toString())).toEqual(results.map((_, index) => `line ${index}`));
    await broker.close();
  });

  it('acks=all means fsynced when send resolves; acks=0 returns offset -1', async () => {
    const broker = await Broker.open({ dataDir: tempDir() });
    await broker.admin.createTopic('t');
    await broker.producer({ acks: 'all' }).send('t', [{ value: 'durable' }]);
    expect(broker.core.topics.partition('t', 0).recoveryPoint).toBe(1);
    const [fireAndForget] = await broker.producer({ acks: 0 }).send('t', [{ value: 'x' }]);
    expect(fireAndForget!.offset).toBe(-1);
    await broker.close();
  });

  it('bounded buffer: send waits for room instead of growing, or rejects when told to', async () => {
    const broker = await Broker.open({ dataDir: tempDir() });
    await broker.admin.createTopic('t');
    const waiting = broker.producer({ bufferMemoryBytes: 2_000, lingerMs: 5 });
    const sends = Array.from({ length: 30 }, (_, index) => waiting.send('t', [{ value: 'x'.repeat(200), key: `${index}` }]));
    const results = (await Promise.all(sends)).flat();
    expect(results).toHaveLength(30);
    expect(new Set(results.map((result) => result.offset)).size).toBe(30);
    const rejecting = broker.producer({ bufferMemoryBytes: 500, lingerMs: 1_000, whenBufferFull: 'reject' });
    const first = rejecting.send('t', [{ value: 'x'.repeat(300) }]);
    await expect(rejecting.send('t', [{ value: 'x'.repeat(300) }])).rejects.toMatchObject({ code: 'BUFFER_FULL' });
    await expect(rejecting.send('t', [{ value: 'x'.repeat(600) }])).rejects.toMatchObject({ code: 'RECORD_TOO_LARGE' });
    await rejecting.flush();
    await first;
    await broker.close();
  });

  it('refuses what the broker refuses, with typed errors', async () => {
    const broker = await Broker.open({ dataDir: tempDir(), autoCreateTopicsEnable: false });
    const producer = broker.producer();
    await expect(producer.send('missing', [{ value: 'x' }])).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION' });
    await broker.admin.createTopic('small', { config: { 'max.message.bytes': 200 } });
    await expect(producer.send('small', [{ value: 'x'.repeat(500) }])).rejects.toMatchObject({ code: 'MESSAGE_TOO_LARGE' });
    await expect(producer.send('small', [{ value: 'x', partition: 9 }])).rejects.toThrow(/partition/);
    await producer.close();
    await expect(producer.send('small', [{ value: 'x' }])).rejects.toMatchObject({ code: 'CLIENT_CLOSED' });
    await broker.close();
  });
});
