import { closeSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Broker } from '../../src/client/broker.js';
import type { ConsumerMessage } from '../../src/client/consumer-message.js';
import { tempDir } from '../support/temp-dir.js';

async function take(iterable: AsyncIterable<ConsumerMessage>, count: number): Promise<ConsumerMessage[]> {
  const taken: ConsumerMessage[] = [];
  if (count === 0) return taken;
  for await (const message of iterable) {
    taken.push(message);
    if (taken.length === count) break;
  }
  return taken;
}

async function seeded(partitions = 1, records = 10): Promise<Broker> {
  const broker = await Broker.open({ dataDir: tempDir() });
  await broker.admin.createTopic('t', { partitions });
  const producer = broker.producer({ acks: 1 });
  for (let index = 0; index < records; index++) await producer.send('t', [{ value: `v${index}`, partition: index % partitions, timestamp: 1_000 * (index + 1) }]);
  return broker;
}

describe('embedded consumer without a group', () => {
  it('subscribe from earliest reads every record of every partition, with all fields', async () => {
    const broker = await seeded(2, 10);
    const consumer = broker.consumer();
    await consumer.subscribe('t', { from: 'earliest' });
    const messages = await take(consumer, 10);
    expect(messages.map((message) => message.value!.toString()).sort()).toEqual(Array.from({ length: 10 }, (_, index) => `v${index}`).sort());
    expect(messages[0]).toMatchObject({ topic: 't', partition: expect.any(Number), offset: expect.any(Number), timestamp: expect.any(Number), key: null, headers: [] });
    await broker.close();
  });

  it('from a timestamp replays exactly the records at or after it; from an offset starts there', async () => {
    const broker = await seeded(1, 10);
    const byTime = broker.consumer();
    await byTime.subscribe('t', { from: { timestamp: 6_000 } });
    expect((await take(byTime, 5)).map((message) => message.value!.toString())).toEqual(['v5', 'v6', 'v7', 'v8', 'v9']);
    const byOffset = broker.consumer();
    await byOffset.assign([{ topic: 't', partition: 0, offset: 8 }]);
    expect((await take(byOffset, 2)).map((message) => message.offset)).toEqual([8, 9]);
    await broker.close();
  });

  it('from latest sees only new records, woken by the produce (long poll, no busy loop)', async () => {
    const broker = await seeded(1, 3);
    const consumer = broker.consumer({ maxWaitMs: 10_000 });
    await consumer.subscribe('t', { from: 'latest' });
    const next = take(consumer, 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const sentAt = Date.now();
    await broker.producer({ acks: 1 }).send('t', [{ value: 'fresh' }]);
    const [message] = await next;
    expect(message!.value!.toString()).toBe('fresh');
    expect(message!.offset).toBe(3);
    expect(Date.now() - sentAt).toBeLessThan(1_000);
    await broker.close();
  });

  it('pause, resume and seek', async () => {
    const broker = await seeded(2, 10);
    const consumer = broker.consumer({ maxWaitMs: 50 });
    await consumer.assign([{ topic: 't', partition: 0, offset: 0 }, { topic: 't', partition: 1, offset: 0 }]);
    consumer.pause([{ topic: 't', partition: 1 }]);
    const onlyZero = await take(consumer, 5);
    expect(onlyZero.every((message) => message.partition === 0)).toBe(true);
    consumer.resume([{ topic: 't', partition: 1 }]);
    const rest = await take(consumer, 5);
    expect(rest.every((message) => message.partition === 1)).toBe(true);
    consumer.seek({ topic: 't', partition: 0, offset: 2 });
    const again = await take(consumer, 3);
    expect(again.map((message) => [message.partition, message.offset])).toEqual([[0, 2], [0, 3], [0, 4]]);
    expect(() => consumer.seek({ topic: 't', partition: 5, offset: 0 })).toThrow(/not assigned/);
    await broker.close();
  });

  it('pause and seek in the middle of a fetch resume at the first record not handed out', async () => {
    const broker = await Broker.open({ dataDir: tempDir() });
    await broker.admin.createTopic('t', { partitions: 2 });
    const producer = broker.producer({ acks: 1 });
    for (const partition of [0, 1]) await producer.send('t', Array.from({ length: 20 }, (_, index) => ({ value: `p${partition}-${index}`, partition }))); // one batch each
    const consumer = broker.consumer({ maxWaitMs: 50 });
    await consumer.assign([{ topic: 't', partition: 0, offset: 0 }, { topic: 't', partition: 1, offset: 0 }]);
    const seen = (await take(consumer, 3)).map((message) => `${message.partition}:${message.offset}`);
    consumer.pause([{ topic: 't', partition: 0 }]);
    seen.push(...(await take(consumer, 5)).map((message) => `${message.partition}:${message.offset}`));
    consumer.resume([{ topic: 't', partition: 0 }]);
    consumer.seek({ topic: 't', partition: 1, offset: 10 });
    seen.push(...(await take(consumer, 27)).map((message) => `${message.partition}:${message.offset}`));
    const offsetsOf = (partition: number) => seen.filter((entry) => entry.startsWith(`${partition}:`)).map((entry) => Number(entry.slice(2)));
    expect(seen.slice(0, 3)).toEqual(['0:0', '0:1', '0:2']);
    expect(seen.slice(3, 8)).toEqual(['1:0', '1:1', '1:2', '1:3', '1:4']);
    expect(offsetsOf(0)).toEqual(Array.from({ length: 20 }, (_, index) => index));
    expect(offsetsOf(1)).toEqual([0, 1, 2, 3, 4, ...Array.from({ length: 10 }, (_, index) => 10 + index)]);
    await broker.close();
  });

  it('corrupt bytes on disk stop the consumer with CORRUPT_MESSAGE: nothing of the bad batch is handed out', async () => {
    const dataDir = tempDir();
    const broker = await Broker.open({ dataDir });
    await broker.admin.createTopic('t', { partitions: 1 });
    const producer = broker.producer({ acks: 1 });
    for (const value of ['first', 'second', 'third, to be corrupted']) await producer.send('t', [{ value }]);
    const logFile = readdirSync(dataDir, { recursive: true, encoding: 'utf8' }).find((file) => file.endsWith('.log') && file.includes('t-0'))!;
    const bytes = readFileSync(join(dataDir, logFile));
    const at = bytes.indexOf('to be corrupted');
    expect(at).toBeGreaterThan(0);
    const file = openSync(join(dataDir, logFile), 'r+');
    writeSync(file, Buffer.from([bytes[at]! ^ 0x01]), 0, 1, at);
    closeSync(file);
    const consumer = broker.consumer({ maxBytesPerPartition: 1 }); // one batch per fetch
    await consumer.subscribe('t', { from: 'earliest' });
    const seen: string[] = [];
    const reading = (async () => {
      for await (const message of consumer) seen.push(message.value!.toString());
    })();
    await expect(reading).rejects.toMatchObject({ code: 'CORRUPT_MESSAGE', message: expect.stringContaining(logFile.split('/').pop()!) });
    expect(seen).toEqual(['first', 'second']);
    await broker.close();
  });

  it('eachBatch hands over a partition\'s fetched records at once', async () => {
    const broker = await seeded(1, 6);
    const consumer = broker.consumer();
    await consumer.subscribe('t', { from: 'earliest' });
    const sizes: number[] = [];
    const running = consumer.run({
      eachBatch: async (batch) => {
        sizes.push(batch.messages.length);
        expect(batch.highWatermark).toBe(6);
        if (sizes.reduce((sum, size) => sum + size, 0) >= 6) void consumer.close();
      },
    });
    await running;
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(6);
    await broker.close();
  });

  it('a failing handler is retried with backoff, then dead-lettered with headers, and the consumer moves on', async () => {
    const broker = await seeded(1, 3);
    const consumer = broker.consumer();
    await consumer.subscribe('t', { from: 'earliest' });
    const attempts = new Map<string, number>();
    const handled: string[] = [];
    const running = consumer.run({
      retry: { attempts: 3, backoffMs: 5 },
      eachMessage: async (message) => {
        const value = message.value!.toString();
        attempts.set(value, (attempts.get(value) ?? 0) + 1);
        if (value === 'v1') throw new Error('cannot bill v1');
        handled.push(value);
        if (value === 'v2') void consumer.close();
      },
    });
    await running;
    expect(handled).toEqual(['v0', 'v2']);
    expect(attempts.get('v1')).toBe(3);
    const dlq = broker.consumer();
    await dlq.subscribe('t.DLQ', { from: 'earliest' });
    const [dead] = await take(dlq, 1);
    expect(dead!.value!.toString()).toBe('v1');
    const headers = Object.fromEntries(dead!.headers.map((header) => [header.key, header.value!.toString()]));
    expect(headers).toEqual({ 'dlq.original.topic': 't', 'dlq.original.partition': '0', 'dlq.original.offset': '1', 'dlq.error.message': 'cannot bill v1', 'dlq.attempts': '3' });
    await broker.close();
  });

  it('without a dead-letter topic the last error stops the consumer (nothing skipped silently)', async () => {
    const broker = await seeded(1, 2);
    const consumer = broker.consumer();
    await consumer.subscribe('t', { from: 'earliest' });
    await expect(consumer.run({ retry: { attempts: 2, backoffMs: 1, deadLetterTopic: false }, eachMessage: () => { throw new Error('broken'); } })).rejects.toThrow('broken');
    await broker.close();
  });

  it('typed errors for misuse', async () => {
    const broker = await seeded(1, 1);
    const consumer = broker.consumer();
    await expect(consumer.assign([{ topic: 'nope', partition: 0 }])).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION' });
    await expect(consumer.commit()).rejects.toMatchObject({ code: 'ILLEGAL_STATE' });
    await expect(consumer.run({})).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await broker.close();
  });
});

describe('pattern subscriptions', () => {
  it('a pattern picks up matching topics created later, and ignores the rest', async () => {
    const broker = await Broker.open({ dataDir: tempDir() });
    await broker.admin.createTopic('logs-web');
    await broker.admin.createTopic('metrics');
    const consumer = broker.consumer({ heartbeatIntervalMs: 50, maxWaitMs: 50 });
    await consumer.subscribe(/^logs-/, { from: 'earliest' });
    const producer = broker.producer({ acks: 1 });
    await producer.send('logs-web', [{ value: 'web' }]);
    await producer.send('metrics', [{ value: 'not for me' }]);
    const seen: string[] = [];
    for await (const message of consumer) {
      seen.push(`${message.topic}:${message.value!.toString()}`);
      if (seen.length === 1) {
        await broker.admin.createTopic('logs-db');
        await producer.send('logs-db', [{ value: 'db' }]);
      }
      if (seen.length === 2) break;
    }
    expect(seen).toEqual(['logs-web:web', 'logs-db:db']);
    await broker.close();
  });
});
