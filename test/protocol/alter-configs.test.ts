// AlterConfigs (33) and IncrementalAlterConfigs (44) over a real socket: kafkajs's admin for the
// first (its alterConfigs sends AlterConfigs), Strata's own wire client for the second.
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaErrorCode } from '../../src/broker/kafka-error-codes.js';
import { connectTo } from '../../bench/wire-client.js';
import type { WireConnection } from '../../src/protocol/wire-connection.js';
import { DescribeConfigsRequest, DescribeConfigsResponse } from '../../src/protocol/messages/describe-configs.js';
import { IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from '../../src/protocol/messages/incremental-alter-configs.js';
import { StrataServer } from '../../src/protocol/serve.js';
import { connected, disconnectAll } from '../support/kafkajs-clients.js';
import { tempDir } from '../support/temp-dir.js';

const servers: StrataServer[] = [];
const wireClients: WireConnection[] = [];
afterEach(async () => {
  await disconnectAll();
  for (const client of wireClients.splice(0)) await client.close();
  for (const server of servers.splice(0)) await server.close();
});

async function start(): Promise<StrataServer> {
  const server = await StrataServer.start({ host: '127.0.0.1', port: 0, broker: { dataDir: tempDir(), config: { 'retention.bytes': '5000000' } } });
  servers.push(server);
  return server;
}

const SET = 0;
const DELETE = 1;
const APPEND = 2;

async function incremental(client: WireConnection, resources: { resourceType?: number; resourceName: string; configs: { name: string; configOperation: number; value: string | null }[] }[], validateOnly = false) {
  const response = await client.request(
    { request: IncrementalAlterConfigsRequest, response: IncrementalAlterConfigsResponse },
    1,
    { resources: resources.map((resource) => ({ resourceType: 2, ...resource })), validateOnly },
    10_000,
  );
  return response.responses;
}

async function topicConfig(client: WireConnection, topic: string): Promise<Map<string, { value: string | null; source: number }>> {
  const response = await client.request({ request: DescribeConfigsRequest, response: DescribeConfigsResponse }, 1, { resources: [{ resourceType: 2, resourceName: topic, configurationKeys: null }] }, 10_000);
  return new Map(response.results[0]!.configs.map((entry) => [entry.name, { value: entry.value, source: entry.configSource }]));
}

describe('IncrementalAlterConfigs', () => {
  it('sets and deletes single keys, leaves the others, and applies nothing from a resource with a bad key', async () => {
    const server = await start();
    await server.broker.topics.create('orders', { partitions: 1, config: { 'segment.bytes': 100_000 } });
    const client = await connectTo(server.port);
    wireClients.push(client);

    const [ok] = await incremental(client, [{ resourceName: 'orders', configs: [{ name: 'retention.ms', configOperation: SET, value: '3600000' }, { name: 'retention.bytes', configOperation: DELETE, value: null }] }]);
    expect(ok).toMatchObject({ errorCode: 0, resourceName: 'orders' });
    let config = await topicConfig(client, 'orders');
    expect(config.get('retention.ms')).toEqual({ value: '3600000', source: 1 });
    expect(config.get('segment.bytes')).toEqual({ value: '100000', source: 1 });
    expect(config.get('retention.bytes')).toEqual({ value: '5000000', source: 4 }); // the broker's, not a topic override
    expect(server.broker.topics.partition('orders', 0).config.retentionMs).toBe(3_600_000);

    const [deleted] = await incremental(client, [{ resourceName: 'orders', configs: [{ name: 'segment.bytes', configOperation: DELETE, value: null }] }]);
    expect(deleted!.errorCode).toBe(0);
    expect((await topicConfig(client, 'orders')).get('segment.bytes')!.source).toBe(5);

    const [bad] = await incremental(client, [{ resourceName: 'orders', configs: [{ name: 'retention.ms', configOperation: SET, value: '1' }, { name: 'no.such.key', configOperation: SET, value: '1' }] }]);
    expect(bad!.errorCode).toBe(KafkaErrorCode.INVALID_CONFIG);
    expect(bad!.errorMessage).toContain('no.such.key');
    config = await topicConfig(client, 'orders');
    expect(config.get('retention.ms')!.value).toBe('3600000');

    const [validated] = await incremental(client, [{ resourceName: 'orders', configs: [{ name: 'retention.ms', configOperation: SET, value: '1000' }] }], true);
    expect(validated!.errorCode).toBe(0);
    expect((await topicConfig(client, 'orders')).get('retention.ms')!.value).toBe('3600000');
  });

  it('refuses unknown topics, bad values, APPEND, broker-level keys and broker resources, each with its own code', async () => {
    const server = await start();
    await server.broker.topics.create('orders', { partitions: 1 });
    const client = await connectTo(server.port);
    wireClients.push(client);
    const results = await incremental(client, [
      { resourceName: 'missing', configs: [{ name: 'retention.ms', configOperation: SET, value: '1' }] },
      { resourceName: 'orders', configs: [{ name: 'retention.ms', configOperation: SET, value: 'soon' }] },
      { resourceName: 'orders', configs: [{ name: 'cleanup.policy', configOperation: APPEND, value: 'compact' }] },
      { resourceName: 'orders', configs: [{ name: 'num.partitions', configOperation: SET, value: '3' }] },
      { resourceType: 4, resourceName: '0', configs: [{ name: 'num.partitions', configOperation: SET, value: '3' }] },
    ]);
    expect(results.map((result) => result.errorCode)).toEqual([
      KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      KafkaErrorCode.INVALID_CONFIG,
      KafkaErrorCode.INVALID_CONFIG,
      KafkaErrorCode.INVALID_CONFIG,
      KafkaErrorCode.INVALID_REQUEST,
    ]);
    expect(results[2]!.errorMessage).toContain('APPEND');
  });
});

describe('AlterConfigs (kafkajs admin.alterConfigs)', () => {
  it('replaces a topic’s overrides: keys not named go back to their defaults', async () => {
    const server = await start();
    await server.broker.topics.create('orders', { partitions: 1, config: { 'segment.bytes': 100_000 } });
    const kafka = new Kafka({ clientId: 'alter-configs-test', brokers: [`127.0.0.1:${server.port}`], logLevel: logLevel.NOTHING });
    const admin = await connected(kafka.admin());
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'orders', configEntries: [{ name: 'retention.ms', value: '60000' }] }] });
    const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'orders' }] });
    const entries = new Map(described.resources[0]!.configEntries.map((entry) => [entry.configName, entry]));
    expect(entries.get('retention.ms')!.configValue).toBe('60000');
    expect(entries.get('segment.bytes')!.configValue).toBe(String(1024 * 1024 * 1024));
    expect(server.broker.topics.get('orders').config).toEqual({ 'retention.ms': 60_000 });

    await expect(admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'orders', configEntries: [{ name: 'retention.ms', value: '-5' }] }] })).rejects.toMatchObject({ type: 'INVALID_CONFIG' });
    expect(server.broker.topics.get('orders').config).toEqual({ 'retention.ms': 60_000 });
  });
});
