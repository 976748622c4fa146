import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeRecordBatch } from '../../src/codec/record-batch.js';
import { BrokerError } from '../../src/broker/broker-error.js';
import { BrokerCore } from '../../src/broker/broker-core.js';
import { FaultInjectingFileIO } from '../../src/storage/fault-injecting-file-io.js';
import { batchOf, recordsIn } from '../support/batches.js';
import { tempDir } from '../support/temp-dir.js';

describe('broker topics', () => {
  it('creates, lists, describes, alters, grows and deletes topics, persisting them across restarts', async () => {
    const dataDir = tempDir();
    const broker = await BrokerCore.open({ dataDir, numPartitions: 2 });
    await broker.topics.create('orders', { partitions: 3, config: { 'retention.ms': 3_600_000 } });
    await broker.topics.create('auto-partitions');
    expect(broker.topics.list().map((topic) => [topic.name, topic.partitions])).toEqual([['auto-partitions', 2], ['orders', 3]]);
    await broker.produce('orders', 1, batchOf('a', 2), 1);
    const description = await broker.topics.describe('orders');
    expect(description.partitions.map((partition) => partition.logEndOffset)).toEqual([0, 2, 0]);
    expect(description.config.find((entry) => entry.name === 'retention.ms')).toEqual({ name: 'retention.ms', value: '3600000', isDefault: false, source: 'topic' });
    expect(description.config.find((entry) => entry.name === 'flush.messages')).toMatchObject({ value: '9223372036854775807', isDefault: true });
    await broker.topics.alterConfig('orders', { set: { 'segment.bytes': '1048576' }, remove: ['retention.ms'] });
    expect(broker.topics.partition('orders', 0).config.segmentBytes).toBe(1_048_576);
    await broker.topics.addPartitions('orders', 5);
    await broker.topics.delete('auto-partitions');
    const id = broker.topics.get('orders').id;
    await broker.close();

    const reopened = await BrokerCore.open({ dataDir });
    expect(reopened.topics.list().map((topic) => [topic.name, topic.partitions])).toEqual([['orders', 5]]);
    expect(reopened.topics.get('orders').id).toBe(id);
    expect(reopened.topics.get('orders').config).toEqual({ 'segment.bytes': 1_048_576 });
    expect(reopened.topics.partition('orders', 1).logEndOffset).toBe(2);
    expect(readdirSync(dataDir).filter((name) => name.startsWith('auto-partitions'))).toEqual([]);
    await reopened.close();
  });

  it('gives typed errors for bad names, partition counts, configs and unknown topics', async () => {
    const broker = await BrokerCore.open({ dataDir: tempDir() });
    for (const name of ['', '.', '..', 'a/b', '../x', 'x'.repeat(250), 'spaces no', 'ü']) {
      await expect(broker.topics.create(name)).rejects.toMatchObject({ code: 'INVALID_TOPIC_EXCEPTION' });
    }
    await expect(broker.topics.create('t', { partitions: 0 })).rejects.toMatchObject({ code: 'INVALID_PARTITIONS' });
    await expect(broker.topics.create('t', { config: { 'retention.ms': 'soon' } })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    await expect(broker.topics.create('t', { config: { 'no.such.key': 1 } })).rejects.toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringContaining('no.such.key') });
    await expect(broker.topics.create('t', { config: { 'num.partitions': 3 } })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    await broker.topics.create('t');
    await expect(broker.topics.create('t')).rejects.toMatchObject({ code: 'TOPIC_ALREADY_EXISTS' });
    await expect(broker.topics.addPartitions('t', 1)).rejects.toMatchObject({ code: 'INVALID_PARTITIONS' });
    await expect(broker.produce('missing', 0, batchOf('x'), 1)).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION' });
    await expect(broker.produce('t', 7, batchOf('x'), 1)).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION' });
    await expect(broker.fetch('t', 0, 5, 100)).rejects.toMatchObject({ code: 'OFFSET_OUT_OF_RANGE' });
    await expect(broker.topics.delete('__consumer_offsets')).rejects.toBeInstanceOf(BrokerError);
    await broker.close();
    await expect(BrokerCore.open({ dataDir: tempDir(), numPartitions: -1 })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    await expect(BrokerCore.open({ dataDir: tempDir(), ...({ bogusSetting: 1 } as object) })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
  });

  it('a topic deleted while the broker crashes midway never comes back half-populated', async () => {
    const dataDir = tempDir();
    const broker = await BrokerCore.open({ dataDir });
    await broker.topics.create('doomed', { partitions: 3 });
    await broker.produce('doomed', 0, batchOf('x'), 1);
    await broker.close();
    // Simulate a crash after the metadata update but before the partition directories went.
    const { MetadataStore } = await import('../../src/broker/metadata-store.js');
    const { nodeFileIO } = await import('../../src/storage/file-io.js');
    const metadata = await MetadataStore.open(dataDir, nodeFileIO);
    await metadata.update((topics) => topics.delete('doomed'));
    expect(existsSync(join(dataDir, 'doomed-0'))).toBe(true);
    const reopened = await BrokerCore.open({ dataDir });
    expect(reopened.topics.has('doomed')).toBe(false);
    expect(readdirSync(dataDir).filter((name) => name.startsWith('doomed'))).toEqual([]);
    await reopened.topics.create('doomed', { partitions: 1 });
    expect(reopened.topics.partition('doomed', 0).logEndOffset).toBe(0);
    await reopened.close();
  });

  it('auto-creates topics only when enabled', async () => {
    const on = await BrokerCore.open({ dataDir: tempDir(), numPartitions: 4 });
    await on.ensureTopic('fresh');
    expect(on.topics.get('fresh').partitions).toBe(4);
    await on.close();
    const off = await BrokerCore.open({ dataDir: tempDir(), autoCreateTopicsEnable: false });
    await expect(off.ensureTopic('fresh')).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION' });
    await off.close();
  });

  it('many produces racing to auto-create one topic all succeed (none sees it half-created)', async () => {
    const broker = await BrokerCore.open({ dataDir: tempDir(), numPartitions: 2 });
    const produced = Array.from({ length: 50 }, async (_, index) => {
      await broker.ensureTopic('raced');
      return broker.produce('raced', index % 2, encodeRecordBatch([{ value: `v${index}` }]), 1);
    });
    expect((await Promise.allSettled(produced)).filter((result) => result.status === 'rejected')).toEqual([]);
    expect(broker.topics.partition('raced', 0).logEndOffset + broker.topics.partition('raced', 1).logEndOffset).toBe(50);
    await broker.close();
  });
});

describe('broker data path', () => {
  it('produce then fetch; acks=-1 waits for the fsync; list offsets by time', async () => {
    const broker = await BrokerCore.open({ dataDir: tempDir() });
    await broker.topics.create('t');
    const first = await broker.produce('t', 0, encodeRecordBatch([{ value: 'a', timestamp: 1_000 }, { value: 'b', timestamp: 2_000 }]), 1);
    expect(first).toMatchObject({ baseOffset: 0, lastOffset: 1, duplicate: false });
    await broker.produce('t', 0, encodeRecordBatch([{ value: 'c', timestamp: 3_000 }]), -1);
    expect(broker.topics.partition('t', 0).recoveryPoint).toBe(3);
    const fetched = await broker.fetch('t', 0, 0, 1 << 20);
    expect(recordsIn(fetched.records)).toEqual([[0, 'a'], [1, 'b'], [2, 'c']]);
    expect(fetched).toMatchObject({ highWatermark: 3, lastStableOffset: 3, logStartOffset: 0 });
    expect(await broker.listOffset('t', 0, -1)).toEqual({ offset: 3, timestamp: -1 });
    expect(await broker.listOffset('t', 0, -2)).toEqual({ offset: 0, timestamp: -1 });
    expect(await broker.listOffset('t', 0, 1_500)).toEqual({ offset: 1, timestamp: 2_000 });
    expect(await broker.listOffset('t', 0, 9_999)).toEqual({ offset: -1, timestamp: -1 });
    await broker.close();
  });

  it('an idempotent producer\'s retried batch is not written twice; gaps and old epochs are refused', async () => {
    const broker = await BrokerCore.open({ dataDir: tempDir() });
    await broker.topics.create('t');
    const { producerId, producerEpoch } = await broker.initProducerId();
    const batch = (sequence: number, epoch = producerEpoch) => encodeRecordBatch([{ value: `s${sequence}` }, { value: `s${sequence + 1}` }], { producerId, producerEpoch: epoch, baseSequence: sequence });
    const original = batch(0);
    expect(await broker.produce('t', 0, original, -1)).toMatchObject({ baseOffset: 0, duplicate: false });
    expect(await broker.produce('t', 0, Buffer.from(original), -1)).toMatchObject({ baseOffset: 0, duplicate: true }); // the retry
    expect(await broker.produce('t', 0, batch(2), 1)).toMatchObject({ baseOffset: 2 });
    await expect(broker.produce('t', 0, batch(7), 1)).rejects.toMatchObject({ code: 'OUT_OF_ORDER_SEQUENCE_NUMBER' });
    expect(await broker.produce('t', 0, batch(0, 1), 1)).toMatchObject({ baseOffset: 4 }); // a new epoch starts at 0
    await expect(broker.produce('t', 0, batch(2, 0), 1)).rejects.toMatchObject({ code: 'INVALID_PRODUCER_EPOCH' });
    expect(broker.topics.partition('t', 0).logEndOffset).toBe(6);
    expect((await broker.initProducerId()).producerId).toBe(producerId + 1);
    await broker.close();
  });

  it('after a failed write, a pipelined producer\'s later batch is OUT_OF_ORDER until the failed batch is retried (even for a new producer)', async () => {
    const io = new FaultInjectingFileIO();
    const broker = await BrokerCore.open({ dataDir: tempDir(), io });
    await broker.topics.create('t');
    const { producerId, producerEpoch } = await broker.initProducerId();
    const batch = (sequence: number) => encodeRecordBatch([{ value: `s${sequence}` }], { producerId, producerEpoch, baseSequence: sequence });
    io.failNext('write', 'ENOSPC', { pathIncludes: '.log' });
    const first = broker.produce('t', 0, batch(0), 1);
    const second = broker.produce('t', 0, batch(1), 1); // queued behind the failing write: fails with it
    await expect(first).rejects.toMatchObject({ code: 'KAFKA_STORAGE_ERROR' });
    await expect(second).rejects.toMatchObject({ code: 'KAFKA_STORAGE_ERROR' });
    await expect(broker.produce('t', 0, batch(2), 1)).rejects.toMatchObject({ code: 'OUT_OF_ORDER_SEQUENCE_NUMBER' });
    expect(await broker.produce('t', 0, batch(0), 1)).toMatchObject({ baseOffset: 0, duplicate: false });
    expect(await broker.produce('t', 0, batch(1), 1)).toMatchObject({ baseOffset: 1 });
    expect(recordsIn((await broker.fetch('t', 0, 0, 1 << 20)).records)).toEqual([[0, 's0'], [1, 's1']]);
    await broker.close();
  });

  it('pipelined batches of one producer are accepted in order', async () => {
    const broker = await BrokerCore.open({ dataDir: tempDir() });
    await broker.topics.create('t');
    const { producerId } = await broker.initProducerId();
    const results = await Promise.all(Array.from({ length: 20 }, (_, index) => broker.produce('t', 0, encodeRecordBatch([{ value: `v${index}` }], { producerId, producerEpoch: 0, baseSequence: index }), 1)));
    expect(results.map((result) => result.baseOffset)).toEqual(Array.from({ length: 20 }, (_, index) => index));
    await broker.close();
  });

  it('long poll: a waiting fetch wakes on produce, not by polling, and times out otherwise', async () => {
    const broker = await BrokerCore.open({ dataDir: tempDir() });
    await broker.topics.create('t');
    const started = Date.now();
    await broker.waitForData([{ topic: 't', partition: 0, offset: 0 }], 100);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    const waiting = broker.waitForData([{ topic: 't', partition: 0, offset: 0 }], 10_000);
    setTimeout(() => void broker.produce('t', 0, batchOf('wake'), 1), 30);
    const woke = Date.now();
    await waiting;
    expect(Date.now() - woke).toBeLessThan(2_000);
    const controller = new AbortController();
    const aborted = broker.waitForData([{ topic: 't', partition: 0, offset: 1 }], 10_000, controller.signal);
    controller.abort();
    await aborted;
    await broker.close();
  });

  it('LogAppendTime topics stamp the broker time on every record', async () => {
    const broker = await BrokerCore.open({ dataDir: tempDir() });
    await broker.topics.create('stamped', { config: { 'message.timestamp.type': 'LogAppendTime' } });
    const before = Date.now();
    await broker.produce('stamped', 0, encodeRecordBatch([{ value: 'x', timestamp: 5 }]), 1);
    const { decodeRecordBatches } = await import('../../src/codec/record-batch.js');
    const [batch] = decodeRecordBatches((await broker.fetch('stamped', 0, 0, 1000)).records);
    expect(batch!.records[0]!.timestamp).toBeGreaterThanOrEqual(before);
    await broker.close();
  });
});

describe('internal topics', () => {
  it('__consumer_offsets cannot grow: its partition count places each group', async () => {
    const broker = await BrokerCore.open({ dataDir: tempDir(), offsetsTopicNumPartitions: 2 });
    await broker.groups.commitOffsets({ groupId: 'g', generationId: -1, memberId: '', topics: [] });
    await broker.topics.create('t');
    await broker.groups.commitOffsets({ groupId: 'g', generationId: -1, memberId: '', topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 0 }] }] });
    expect(broker.topics.has('__consumer_offsets')).toBe(true);
    await expect(broker.topics.addPartitions('__consumer_offsets', 4)).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await broker.close();
  });
});

describe('produce validation', () => {
  it('a batch from outside with a bad CRC or an unreadable codec is refused, not stored', async () => {
    const broker = await BrokerCore.open({ dataDir: tempDir() });
    await broker.topics.create('t');
    const corrupt = encodeRecordBatch([{ value: 'x', timestamp: 1 }]);
    corrupt[corrupt.length - 1]! ^= 1;
    await expect(broker.produce('t', 0, corrupt, 1)).rejects.toMatchObject({ code: 'CORRUPT_MESSAGE' });
    const zstd = encodeRecordBatch([{ value: 'x', timestamp: 1 }]);
    zstd.writeInt16BE(4, 21); // claims zstd
    const { setMaxTimestamp } = await import('../../src/codec/record-batch.js');
    setMaxTimestamp(zstd, 0, 1, false); // a valid CRC over the claim
    await expect(broker.produce('t', 0, zstd, 1)).rejects.toMatchObject({ code: 'UNSUPPORTED_COMPRESSION_TYPE' });
    const wrongMax = encodeRecordBatch([{ value: 'a', timestamp: 5_000 }, { value: 'b', timestamp: 9_000 }]);
    setMaxTimestamp(wrongMax, 0, 5_000, false); // a client that got maxTimestamp wrong
    await broker.produce('t', 0, wrongMax, 1);
    expect(await broker.listOffset('t', 0, 8_000)).toEqual({ offset: 1, timestamp: 9_000 });
    expect(broker.topics.partition('t', 0).logEndOffset).toBe(2);
    await broker.close();
  });
});
