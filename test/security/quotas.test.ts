// Quotas, Kafka's way: a client over its byte rate gets throttle_time_ms > 0 and the broker stops
// reading from its connection for that long (not an error), so its rate falls to the quota; and
// queued.max.request.bytes bounds the request bytes the broker holds at once under a flood.
import { Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { FetchRequest, FetchResponse } from '../../src/protocol/messages/fetch.js';
import { ProduceRequest, ProduceResponse } from '../../src/protocol/messages/produce.js';
import { QuotaManager } from '../../src/protocol/quota-manager.js';
import { StrataServer } from '../../src/protocol/serve.js';
import { takeSecuritySettings } from '../../src/protocol/security-settings.js';
import { decodeResponse, encodeRequest } from '../../src/protocol/wire/headers.js';
import { batchOf } from '../support/batches.js';
import { connected, disconnectAll } from '../support/kafkajs-clients.js';
import { tempDir } from '../support/temp-dir.js';
import { RawClient } from './raw-client.js';

const servers: StrataServer[] = [];
const raws: RawClient[] = [];
afterEach(async () => {
  await disconnectAll();
  for (const raw of raws.splice(0)) raw.close();
  for (const server of servers.splice(0)) await server.close();
});

async function start(settings: Record<string, string>): Promise<StrataServer> {
  const { security, rest } = takeSecuritySettings(settings);
  const server = await StrataServer.start({ host: '127.0.0.1', port: 0, broker: { dataDir: tempDir(), config: rest }, security });
  servers.push(server);
  return server;
}

const KIB = 1024;

describe('the quota manager', () => {
  it('throttles by how far a client runs ahead of its rate beyond one second of burst; overrides win; unlimited by default', () => {
    let nowMs = 0;
    const quotas = new QuotaManager({ producerDefaultBytesPerSecond: 1000, producerOverrides: new Map([['vip', 1_000_000]]) }, () => nowMs);
    expect(quotas.record('produce', 'a', 1000)).toBe(0); // one second's burst
    expect(quotas.record('produce', 'a', 500)).toBe(500);
    nowMs = 1500; // caught up
    expect(quotas.record('produce', 'a', 1000)).toBe(0);
    expect(quotas.record('produce', 'vip', 100_000)).toBe(0);
    expect(quotas.record('fetch', 'a', 10_000_000)).toBe(0);
    expect(new QuotaManager({}).enabled).toBe(false);
  });
});

describe('produce and fetch quotas over the wire', () => {
  it('answers a producer over its quota with throttle_time_ms and mutes its connection for that long', async () => {
    const server = await start({ 'quota.producer.default': String(100 * KIB), 'quota.producer.overrides': 'vip=1000000000' });
    const raw = await RawClient.connect(server.port);
    raws.push(raw);
    const produce = (clientId: string) => raw.request(ProduceRequest, ProduceResponse, 7, { acks: 1, timeoutMs: 5000, transactionalId: null, topicData: [{ name: 'metered', partitionData: [{ index: 0, records: batchOf('q', 10, undefined, 30 * KIB) }] }] }, clientId);
    const first = await produce('slow');
    expect(first.responses[0]!.partitionResponses[0]!.errorCode).toBe(0); // throttled, not refused
    expect(first.throttleTimeMs).toBeGreaterThan(1000); // 300 KiB at 100 KiB/s, 1 s of burst
    const sentAt = Date.now();
    const second = await produce('slow');
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(first.throttleTimeMs - 50); // the connection was muted
    expect(second.throttleTimeMs).toBeGreaterThan(0);
    const vip = await RawClient.connect(server.port);
    raws.push(vip);
    const unmetered = await vip.request(ProduceRequest, ProduceResponse, 7, { acks: 1, timeoutMs: 5000, transactionalId: null, topicData: [{ name: 'metered', partitionData: [{ index: 0, records: batchOf('v', 10, undefined, 30 * KIB) }] }] }, 'vip');
    expect(unmetered.throttleTimeMs).toBe(0);
  });

  it('keeps a kafkajs producer near its byte rate', async () => {
    const quotaBytesPerSecond = 200 * KIB;
    const server = await start({ 'quota.producer.default': String(quotaBytesPerSecond) });
    const producer = await connected(new Kafka({ clientId: 'bulk', brokers: [`127.0.0.1:${server.port}`], logLevel: logLevel.NOTHING }).producer());
    const value = Buffer.alloc(20 * KIB, 'v');
    const startedAt = Date.now();
    let sentBytes = 0;
    while (Date.now() - startedAt < 4000) {
      await producer.send({ topic: 'bulk', acks: 1, messages: Array.from({ length: 5 }, () => ({ value })) });
      sentBytes += 5 * value.length;
    }
    const elapsedSeconds = (Date.now() - startedAt) / 1000;
    const rate = sentBytes / elapsedSeconds;
    // Allowed: the quota over the run plus one second of burst plus the request in flight (here
    // taken as another second); loose bounds for a busy machine. Unthrottled this is many MB/s.
    expect(rate).toBeLessThan((quotaBytesPerSecond * (elapsedSeconds + 2)) / elapsedSeconds);
    expect(rate).toBeGreaterThan(quotaBytesPerSecond * 0.3);
  });

  it('throttles a consumer over its fetch quota', async () => {
    const server = await start({ 'quota.consumer.default': String(50 * KIB) });
    await server.broker.topics.create('history', { partitions: 1 });
    for (let index = 0; index < 4; index++) await server.broker.produce('history', 0, batchOf(`h${index}`, 10, undefined, 10 * KIB), 1);
    const raw = await RawClient.connect(server.port);
    raws.push(raw);
    const fetched = await raw.request(FetchRequest, FetchResponse, 11, { maxWaitMs: 0, minBytes: 1, maxBytes: 10 * 1024 * KIB, topics: [{ topic: 'history', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 10 * 1024 * KIB }] }] }, 'reader');
    expect(fetched.responses[0]!.partitions[0]!.records!.length).toBeGreaterThan(300 * KIB);
    expect(fetched.throttleTimeMs).toBeGreaterThan(1000);
  });
});

describe('queued.max.request.bytes', () => {
  it('bounds the request bytes held at once under a flood of produce requests, and still answers them all', async () => {
    const limitBytes = 1024 * KIB;
    const server = await start({ 'queued.max.request.bytes': String(limitBytes) });
    const frameBody = encodeRequest(ProduceRequest, 7, { correlationId: 0, clientId: 'flood' }, { acks: -1, timeoutMs: 30_000, transactionalId: null, topicData: [{ name: 'flood', partitionData: [{ index: 0, records: batchOf('f', 8, undefined, 32 * KIB) }] }] });
    const frame = Buffer.concat([Buffer.alloc(4), frameBody]);
    frame.writeInt32BE(frameBody.length, 0);
    const connections = 6;
    const framesPerConnection = 40;
    const clients = await Promise.all(Array.from({ length: connections }, () => RawClient.connect(server.port)));
    raws.push(...clients);
    for (const client of clients) client.socket.write(Buffer.concat(Array.from({ length: framesPerConnection }, () => frame)));
    for (const client of clients) {
      for (let index = 0; index < framesPerConnection; index++) {
        const response = await client.nextFrame(60_000);
        expect(response).not.toBeNull();
        expect(decodeResponse(ProduceResponse, 7, response!).body.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
      }
    }
    expect(Number((await server.broker.listOffset('flood', 0, -1)).offset)).toBe(connections * framesPerConnection * 8);
    // Over the limit by at most one frame per connection (a frame read is always admitted).
    expect(server.server.requestMemory.peak).toBeLessThanOrEqual(limitBytes + connections * frameBody.length);
    expect(server.server.requestMemory.peak).toBeGreaterThan(0);
    expect(server.server.requestMemory.used).toBe(0);
  });
});
