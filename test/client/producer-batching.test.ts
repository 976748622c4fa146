// How the embedded producer cuts records into batches and maps them back to send() results: the
// batch builder path (records encoded at send time, results filled per run of records).
import { describe, expect, it } from 'vitest';
import { Broker } from '../../src/client/broker.js';
import { partitionForKey } from '../../src/broker/partitioner.js';
import { decodeRecordBatches } from '../../src/codec/record-batch.js';
import { tempDir } from '../support/temp-dir.js';

async function readAll(broker: Broker, topic: string, partition: number) {
  const { records } = await broker.core.fetch(topic, partition, 0, 1 << 26);
  return decodeRecordBatches(records);
}

describe('embedded producer batching', () => {
  it('cuts one send into batches of at most batchSizeBytes, in order, with each record its offset and timestamp', async () => {
    const broker = await Broker.open({ dataDir: tempDir() });
    await broker.admin.createTopic('cut', { partitions: 1 });
    const producer = broker.producer({ acks: 1, batchSizeBytes: 1024 });
    const records = Array.from({ length: 500 }, (_, index) => ({ value: `record ${index} `.padEnd(10 + (index % 90), '.'), ...(index % 3 === 0 ? { timestamp: 1_000 + index } : {}) }));
    const before = Date.now();
    const results = await producer.send('cut', records);
    const batches = await readAll(broker, 'cut', 0);
    expect(batches.length).toBeGreaterThan(10);
    for (const batch of batches) expect(batch.header.batchLength + 12).toBeLessThanOrEqual(1024);
    const stored = batches.flatMap((batch) => batch.records);
    expect(stored.map((record) => record.value!.toString())).toEqual(records.map((record) => record.value));
    expect(results.map((result) => result.offset)).toEqual(stored.map((record) => record.offset));
    results.forEach((result, index) => {
      expect(result).toMatchObject({ topic: 'cut', partition: 0 });
      if (index % 3 === 0) expect(result.timestamp).toBe(1_000 + index);
      else expect(result.timestamp).toBeGreaterThanOrEqual(before);
      expect(stored[index]!.timestamp).toBe(result.timestamp);
    });
    // A record larger than the batch size gets a batch of its own.
    const [big] = await producer.send('cut', [{ value: 'x'.repeat(5000) }]);
    const last = (await readAll(broker, 'cut', 0)).at(-1)!;
    expect(last.records).toHaveLength(1);
    expect(last.records[0]!.offset).toBe(big!.offset);
    await broker.close();
  });

  it('shares batches between sends and splits a send between partitions: every result points at its own record', async () => {
    const broker = await Broker.open({ dataDir: tempDir() });
    await broker.admin.createTopic('mixed', { partitions: 3 });
    const producer = broker.producer({ acks: 1, lingerMs: 5 });
    const sends = Array.from({ length: 20 }, (_, call) =>
      producer.send(
        'mixed',
        Array.from({ length: 30 }, (_, index) => ({ key: index % 4 === 0 ? null : `key-${(call * 7 + index) % 11}`, value: `${call}:${index}`, headers: index % 5 === 0 ? { call: `${call}` } : [] })),
      ),
    );
    const results = await Promise.all(sends);
    const stored = new Map<string, { partition: number; offset: number; key: string | null; headers: string[] }>();
    for (let partition = 0; partition < 3; partition++) {
      for (const batch of await readAll(broker, 'mixed', partition)) {
        for (const record of batch.records) {
          stored.set(record.value!.toString(), { partition, offset: record.offset, key: record.key?.toString() ?? null, headers: record.headers.map((header) => `${header.key}=${header.value}`) });
        }
      }
    }
    expect(stored.size).toBe(600);
    results.forEach((callResults, call) => {
      callResults.forEach((result, index) => {
        const record = stored.get(`${call}:${index}`)!;
        expect({ partition: result.partition, offset: result.offset }).toEqual({ partition: record.partition, offset: record.offset });
        if (record.key !== null) expect(record.partition).toBe(partitionForKey(record.key, 3));
        expect(record.headers).toEqual(index % 5 === 0 ? [`call=${call}`] : []);
      });
    });
    // Records of one send sharing a batch keep their order within it.
    for (let partition = 0; partition < 3; partition++) {
      const order = (await readAll(broker, 'mixed', partition)).flatMap((batch) => batch.records.map((record) => record.value!.toString().split(':').map(Number) as [number, number]));
      for (let index = 1; index < order.length; index++) {
        const [previousCall, previousIndex] = order[index - 1]!;
        const [call, recordIndex] = order[index]!;
        if (call === previousCall) expect(recordIndex).toBeGreaterThan(previousIndex);
      }
    }
    await broker.close();
  });

  it('fails a send with a bad record as a whole, before queueing any of it, with a typed error', async () => {
    const broker = await Broker.open({ dataDir: tempDir() });
    await broker.admin.createTopic('strict', { partitions: 2 });
    const producer = broker.producer({ acks: 1 });
    const good = { value: 'fine' };
    const bad: unknown[] = [{ value: 42 }, { value: 'x', key: 7 }, { value: 'x', timestamp: -5 }, { value: 'x', timestamp: 1.5 }, { value: 'x', headers: [{ key: 1, value: 'v' }] }, { value: 'x', headers: { h: 3 } }];
    for (const record of bad) {
      await expect(producer.send('strict', [good, good, record as { value: string }, good])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
    await expect(producer.send('strict', [good, { value: 'x', partition: 2 }])).rejects.toThrow(/partition/);
    await producer.flush();
    for (const partition of [0, 1]) expect(await readAll(broker, 'strict', partition)).toEqual([]);
    // Header values left undefined are null headers, as before.
    const [written] = await producer.send('strict', [{ value: 'ok', partition: 1, headers: { empty: undefined as unknown as null } }]);
    const [batch] = await readAll(broker, 'strict', 1);
    expect(batch!.records[0]).toMatchObject({ offset: written!.offset, headers: [{ key: 'empty', value: null }] });
    await broker.close();
  });

  it('resolves every send() a flush() waited for before the flush returns', async () => {
    const broker = await Broker.open({ dataDir: tempDir() });
    await broker.admin.createTopic('flushed', { partitions: 2 });
    for (const acks of [0, 1, 'all'] as const) {
      const producer = broker.producer({ acks, lingerMs: 1_000 });
      const resolved: number[] = [];
      for (let call = 0; call < 10; call++) void producer.send('flushed', [{ value: `${call}`, partition: call % 2 }]).then(() => resolved.push(call));
      await producer.flush();
      expect(resolved.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      await producer.close();
    }
    await broker.close();
  });

  it('tells a custom partitioner about every closed batch and calls it for every record without a partition', async () => {
    const broker = await Broker.open({ dataDir: tempDir() });
    await broker.admin.createTopic('custom', { partitions: 4 });
    const calls: (string | null)[] = [];
    let closedBatches = 0;
    let next = 0;
    const partitioner = Object.assign(
      ({ key }: { key: Buffer | null }) => {
        calls.push(key?.toString() ?? null);
        return next++ % 4;
      },
      { onNewBatch: () => closedBatches++ },
    );
    const producer = broker.producer({ acks: 1, partitioner });
    const results = await producer.send('custom', [{ value: 'a' }, { value: 'b', key: 'k' }, { value: 'c', partition: 3 }, { value: 'd' }]);
    expect(calls).toEqual([null, 'k', null]);
    expect(results.map((result) => result.partition)).toEqual([0, 1, 3, 2]);
    expect(closedBatches).toBe(4);
    await broker.close();
  });

  it('reuses batch buffers only once their batches are written: gzip, lz4, acks 0 and many batches read back intact', async () => {
    const broker = await Broker.open({ dataDir: tempDir() });
    for (const [topic, options] of [
      ['plain', { acks: 1 as const, batchSizeBytes: 2048 }],
      ['gzip', { acks: 1 as const, batchSizeBytes: 2048, compression: 'gzip' as const }],
      ['lz4', { acks: 'all' as const, batchSizeBytes: 2048, compression: 'lz4' as const }],
      ['zero', { acks: 0 as const, batchSizeBytes: 2048 }],
    ] as const) {
      await broker.admin.createTopic(topic, { partitions: 1 });
      const producer = broker.producer(options);
      const sends = Array.from({ length: 40 }, (_, call) => producer.send(topic, Array.from({ length: 50 }, (_, index) => ({ value: `${topic} ${call} ${index} `.repeat(1 + (index % 4)) }))));
      await Promise.all(sends);
      await producer.close();
      const values = (await readAll(broker, topic, 0)).flatMap((batch) => batch.records.map((record) => record.value!.toString()));
      expect(values).toEqual(Array.from({ length: 2000 }, (_, position) => `${topic} ${Math.floor(position / 50)} ${position % 50} `.repeat(1 + ((position % 50) % 4))));
    }
    await broker.close();
  });
});
