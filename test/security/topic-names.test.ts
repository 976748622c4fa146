// Safe defaults over the wire: topic names can never reach outside the data directory, and names
// that look internal (`__…`) are never auto-created. A raw client sends what kafkajs would refuse to.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CreateTopicsRequest, CreateTopicsResponse } from '../../src/protocol/messages/create-topics.js';
import { MetadataRequest, MetadataResponse } from '../../src/protocol/messages/metadata.js';
import { ProduceRequest, ProduceResponse } from '../../src/protocol/messages/produce.js';
import { StrataServer } from '../../src/protocol/serve.js';
import { batchOf } from '../support/batches.js';
import { tempDir } from '../support/temp-dir.js';
import { RawClient } from './raw-client.js';

const INVALID_TOPIC_EXCEPTION = 17;
const HOSTILE_NAMES = ['../escape', '../../../../tmp/strata-pwned', 'a/b', '/abs', 'nul\u0000byte', '.', '..', 'x'.repeat(250), 'x'.repeat(10_000), 'white space', 'ünïcode', ''];

const servers: StrataServer[] = [];
const raws: RawClient[] = [];
afterEach(async () => {
  for (const raw of raws.splice(0)) raw.close();
  for (const server of servers.splice(0)) await server.close();
});

async function start(): Promise<{ server: StrataServer; raw: RawClient; dataDir: string }> {
  const dataDir = join(tempDir(), 'data');
  const server = await StrataServer.start({ host: '127.0.0.1', port: 0, broker: { dataDir } });
  servers.push(server);
  const raw = await RawClient.connect(server.port);
  raws.push(raw);
  return { server, raw, dataDir };
}

describe('topic names over the wire', () => {
  it('refuses hostile names in CreateTopics, Produce (auto-create) and Metadata with INVALID_TOPIC_EXCEPTION; nothing is written outside the data directory', async () => {
    const { raw, dataDir } = await start();
    const before = readdirSync(dataDir).sort();
    const created = await raw.request(CreateTopicsRequest, CreateTopicsResponse, 5, { topics: HOSTILE_NAMES.map((name) => ({ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] })), timeoutMs: 1000, validateOnly: false });
    expect(created.topics.map((topic) => [topic.name, topic.errorCode])).toEqual(HOSTILE_NAMES.map((name) => [name, INVALID_TOPIC_EXCEPTION]));

    const produced = await raw.request(ProduceRequest, ProduceResponse, 7, { acks: 1, timeoutMs: 1000, transactionalId: null, topicData: HOSTILE_NAMES.map((name) => ({ name, partitionData: [{ index: 0, records: batchOf('x') }] })) });
    expect(produced.responses.map((topic) => [topic.name, topic.partitionResponses[0]!.errorCode])).toEqual(HOSTILE_NAMES.map((name) => [name, INVALID_TOPIC_EXCEPTION]));

    const metadata = await raw.request(MetadataRequest, MetadataResponse, 4, { topics: HOSTILE_NAMES.map((name) => ({ name })), allowAutoTopicCreation: true });
    expect(metadata.topics.map((topic) => [topic.name, topic.errorCode])).toEqual(HOSTILE_NAMES.map((name) => [name, INVALID_TOPIC_EXCEPTION]));

    expect(readdirSync(dataDir).sort()).toEqual(before);
    expect(readdirSync(dirname(dataDir))).toEqual(['data']);
    expect(readdirSync('/tmp').some((entry) => entry.startsWith('strata-pwned'))).toBe(false);
  });

  it('never auto-creates names that look internal (__…), but creates them when asked explicitly', async () => {
    const { server, raw } = await start();
    const produced = await raw.request(ProduceRequest, ProduceResponse, 7, { acks: 1, timeoutMs: 1000, transactionalId: null, topicData: [{ name: '__secrets', partitionData: [{ index: 0, records: batchOf('x') }] }] });
    expect(produced.responses[0]!.partitionResponses[0]!.errorCode).toBe(INVALID_TOPIC_EXCEPTION);
    const metadata = await raw.request(MetadataRequest, MetadataResponse, 4, { topics: [{ name: '__transaction_state' }, { name: '__consumer_offsets' }], allowAutoTopicCreation: true });
    expect(metadata.topics.map((topic) => topic.errorCode)).toEqual([INVALID_TOPIC_EXCEPTION, INVALID_TOPIC_EXCEPTION]);
    expect(server.broker.topics.has('__secrets')).toBe(false);
    expect(server.broker.topics.has('__transaction_state')).toBe(false);
    const created = await raw.request(CreateTopicsRequest, CreateTopicsResponse, 5, { topics: [{ name: '__audit', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000, validateOnly: false });
    expect(created.topics[0]!.errorCode).toBe(0);
    expect(server.broker.topics.has('__audit')).toBe(true);
  });
});
