// The consumer-group and admin APIs (JoinGroup … DeleteGroups, DescribeConfigs, CreatePartitions)
// through the whole stack: BrokerCore, the dispatcher and the server on a real socket, driven by
// kafkajs (unmodified) — and, for versions and edge cases kafkajs never sends, by raw requests
// through the dispatcher.
import { AssignerProtocol, ConfigResourceTypes, Kafka, logLevel, type Consumer, type Admin } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { BrokerCore } from '../../src/broker/broker-core.js';
import { KafkaErrorCode } from '../../src/broker/kafka-error-codes.js';
import type { ApiHandler } from '../../src/protocol/api-handler.js';
import { createPartitions } from '../../src/protocol/apis/create-partitions.js';
import { deleteGroups } from '../../src/protocol/apis/delete-groups.js';
import { describeConfigs } from '../../src/protocol/apis/describe-configs.js';
import { describeGroups } from '../../src/protocol/apis/describe-groups.js';
import { heartbeat } from '../../src/protocol/apis/heartbeat.js';
import { ALL_APIS } from '../../src/protocol/apis/index.js';
import { joinGroup } from '../../src/protocol/apis/join-group.js';
import { leaveGroup } from '../../src/protocol/apis/leave-group.js';
import { listGroups } from '../../src/protocol/apis/list-groups.js';
import { offsetCommit } from '../../src/protocol/apis/offset-commit.js';
import { offsetFetch } from '../../src/protocol/apis/offset-fetch.js';
import { syncGroup } from '../../src/protocol/apis/sync-group.js';
import { createDispatcher } from '../../src/protocol/dispatcher.js';
import { KafkaServer, type FrameHandler } from '../../src/protocol/server.js';
import { decodeResponse, encodeRequest } from '../../src/protocol/wire/headers.js';
import type { MessageInput } from '../../src/protocol/wire/schema.js';
import { connected, disconnect, disconnectAll } from '../support/kafkajs-clients.js';
import { tempDir } from '../support/temp-dir.js';

const GROUP_APIS: readonly ApiHandler[] = [joinGroup, syncGroup, heartbeat, leaveGroup, offsetCommit, offsetFetch, describeGroups, listGroups, deleteGroups, describeConfigs, createPartitions];
/** ALL_APIS plus this file's handlers (index.ts may not list them yet; by API key, ours win). */
const APIS: readonly ApiHandler[] = [...new Map([...ALL_APIS, ...GROUP_APIS].map((api) => [api.request.apiKey, api])).values()];

interface Node {
  broker: BrokerCore;
  server: KafkaServer;
  dispatcher: FrameHandler;
  port: number;
  dataDir: string;
  warnings: string[];
}

const nodes: Node[] = [];

afterEach(async () => {
  await disconnectAll();
  for (const node of nodes.splice(0)) await stop(node);
});

async function start(dataDir = tempDir()): Promise<Node> {
  const broker = await BrokerCore.open({ dataDir, groupInitialRebalanceDelayMs: 0, groupMinSessionTimeoutMs: 100 });
  const warnings: string[] = [];
  const log = { warn: (message: string, details?: Record<string, unknown>) => void warnings.push(`${message} ${JSON.stringify(details)}`) };
  const advertised = { host: '127.0.0.1', port: 0 };
  const dispatcher = createDispatcher({ broker, apis: APIS, advertised, log });
  const server = await KafkaServer.listen({ host: '127.0.0.1', port: 0, log }, dispatcher);
  advertised.port = server.port;
  const node = { broker, server, dispatcher, port: server.port, dataDir, warnings };
  nodes.push(node);
  return node;
}

async function stop(node: Node): Promise<void> {
  const index = nodes.indexOf(node);
  if (index >= 0) nodes.splice(index, 1);
  await node.server.close(1_000);
  await node.broker.close();
}

function kafka(node: Node): Kafka {
  return new Kafka({ brokers: [`127.0.0.1:${node.port}`], clientId: 'test', logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 50 } });
}

function consumerOf(client: Kafka, groupId: string): Consumer {
  return client.consumer({ groupId, sessionTimeout: 3_000, rebalanceTimeout: 3_000, heartbeatInterval: 100, maxWaitTimeInMs: 100, retry: { retries: 5, initialRetryTime: 50 } });
}

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

interface Received {
  partition: number;
  offset: number;
  value: string;
}

/** Runs `consumer` on `topic` from the beginning, collecting what it gets. */
async function consume(consumer: Consumer, topic: string): Promise<Received[]> {
  const received: Received[] = [];
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({ eachMessage: async ({ partition, message }) => void received.push({ partition, offset: Number(message.offset), value: message.value!.toString() }) });
  return received;
}

/** The partitions of `topic` each member of the group is assigned, from DescribeGroups. */
async function assignments(admin: Admin, groupId: string, topic: string): Promise<{ state: string; partitions: number[][] }> {
  const { groups } = await admin.describeGroups([groupId]);
  const group = groups[0]!;
  return {
    state: group.state,
    partitions: group.members.map((member) => [...(AssignerProtocol.MemberAssignment.decode(member.memberAssignment)?.assignment[topic] ?? [])].sort()),
  };
}

function committedTotal(offsets: { partitions: { offset: string }[] }[]): number {
  return offsets.flatMap((topic) => topic.partitions).reduce((sum, partition) => sum + Math.max(0, Number(partition.offset)), 0);
}

describe('consumer groups with kafkajs', () => {
  it('two consumers split a 4-partition topic, consume everything, and a restarted member resumes from the commits', async () => {
    let node = await start();
    let client = kafka(node);
    const admin = await connected(client.admin());
    await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 4 }] });

    const first = await connected(consumerOf(client, 'g1'));
    const second = await connected(consumerOf(client, 'g1'));
    const got = [await consume(first, 'orders'), await consume(second, 'orders')];
    await waitFor(async () => {
      const { state, partitions } = await assignments(admin, 'g1', 'orders');
      return state === 'Stable' && partitions.length === 2 && partitions.every((each) => each.length === 2);
    }, 'both consumers to get two partitions each');

    // Admin views of an active group.
    const described = (await admin.describeGroups(['g1'])).groups[0]!;
    expect(described).toMatchObject({ groupId: 'g1', state: 'Stable', protocolType: 'consumer', protocol: 'RoundRobinAssigner', errorCode: 0 });
    for (const member of described.members) {
      expect(member).toMatchObject({ clientId: 'test', clientHost: '/127.0.0.1' });
      expect(AssignerProtocol.MemberMetadata.decode(member.memberMetadata)?.topics).toEqual(['orders']);
    }
    expect((await admin.listGroups()).groups).toContainEqual({ groupId: 'g1', protocolType: 'consumer' });
    const refusal = await admin.deleteGroups(['g1']).then(() => null, (error: unknown) => error);
    expect(refusal).toMatchObject({ name: 'KafkaJSDeleteGroupsError' });
    expect((refusal as { groups: { groupId: string; error: { type: string } }[] }).groups).toEqual([expect.objectContaining({ groupId: 'g1', error: expect.objectContaining({ type: 'NON_EMPTY_GROUP' }) })]);

    const producer = await connected(client.producer());
    await producer.send({ topic: 'orders', messages: Array.from({ length: 40 }, (_, index) => ({ partition: index % 4, value: `m${index}` })) });
    await waitFor(() => got[0]!.length + got[1]!.length === 40, 'all 40 messages to be consumed');
    const values = got.flat().map((record) => record.value);
    expect(new Set(values).size).toBe(40);
    const partitionsOf = got.map((records) => new Set(records.map((record) => record.partition)));
    expect(partitionsOf[0]!.size).toBe(2);
    expect(partitionsOf[1]!.size).toBe(2);
    expect([...partitionsOf[0]!].filter((partition) => partitionsOf[1]!.has(partition))).toEqual([]);

    // Every consumed record is committed (kafkajs commits after each batch).
    await waitFor(async () => committedTotal(await admin.fetchOffsets({ groupId: 'g1', topics: ['orders'] })) === 40, 'commits of all 40 messages');
    const committed = await admin.fetchOffsets({ groupId: 'g1', topics: ['orders'] });
    expect(committed).toEqual([{ topic: 'orders', partitions: [0, 1, 2, 3].map((partition) => expect.objectContaining({ partition, offset: '10' })) }]);

    await disconnect(first);
    await disconnect(second);
    expect((await admin.describeGroups(['g1'])).groups[0]).toMatchObject({ state: 'Empty', members: [] });
    await producer.send({ topic: 'orders', messages: Array.from({ length: 8 }, (_, index) => ({ partition: index % 4, value: `late${index}` })) });
    await disconnect(producer);
    await disconnect(admin);

    // The broker restarts: the commits come back from __consumer_offsets.
    await stop(node);
    node = await start(node.dataDir);
    client = kafka(node);
    const again = await connected(consumerOf(client, 'g1'));
    const resumed = await consume(again, 'orders');
    await waitFor(() => resumed.length >= 8, 'the 8 uncommitted messages');
    await new Promise((resolve) => setTimeout(resolve, 300)); // nothing else may arrive
    expect(resumed.map((record) => record.value).sort()).toEqual(Array.from({ length: 8 }, (_, index) => `late${index}`).sort());
    expect(resumed.every((record) => record.offset >= 10)).toBe(true);
    expect(node.warnings).toEqual([]);
  });

  it('admin: fetchOffsets, setOffsets and resetOffsets on an inactive group, then deleteGroups', async () => {
    const node = await start();
    const client = kafka(node);
    const admin = await connected(client.admin());
    await admin.createTopics({ topics: [{ topic: 'events', numPartitions: 2 }] });
    const producer = await connected(client.producer());
    await producer.send({ topic: 'events', messages: Array.from({ length: 10 }, (_, index) => ({ partition: index % 2, value: `e${index}` })) });

    // A group that never ran has nothing committed.
    expect(await admin.fetchOffsets({ groupId: 'g2', topics: ['events'] })).toEqual([
      { topic: 'events', partitions: [expect.objectContaining({ partition: 0, offset: '-1' }), expect.objectContaining({ partition: 1, offset: '-1' })] },
    ]);

    await admin.setOffsets({ groupId: 'g2', topic: 'events', partitions: [{ partition: 0, offset: '3' }, { partition: 1, offset: '4' }] });
    const set = await admin.fetchOffsets({ groupId: 'g2', topics: ['events'] });
    expect(set[0]!.partitions.map(({ partition, offset }) => ({ partition, offset })).sort((a, b) => a.partition - b.partition)).toEqual([{ partition: 0, offset: '3' }, { partition: 1, offset: '4' }]);
    expect((await admin.describeGroups(['g2'])).groups[0]).toMatchObject({ state: 'Empty' });

    // A consumer of the group starts from the offsets set.
    const consumer = await connected(consumerOf(client, 'g2'));
    const received = await consume(consumer, 'events');
    await waitFor(() => received.length >= 3, 'the records after the offsets set');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received.map((record) => `${record.partition}@${record.offset}`).sort()).toEqual(['0@3', '0@4', '1@4']);
    await disconnect(consumer);

    // kafkajs commits the "earliest" sentinel (-2) itself, as it would to Kafka; a consumer then
    // starts from the log start. (setOffsets/resetOffsets take ~5 s each: kafkajs's admin consumer
    // sleeps its default maxWaitTime with every partition paused before it stops.)
    await admin.resetOffsets({ groupId: 'g2', topic: 'events', earliest: true });
    const reset = await admin.fetchOffsets({ groupId: 'g2', topics: ['events'] });
    expect(reset[0]!.partitions.map(({ offset }) => offset)).toEqual(['-2', '-2']);
    const rereader = await connected(consumerOf(client, 'g2'));
    const reread = await consume(rereader, 'events');
    await waitFor(() => reread.length >= 10, 'every record again after the reset');
    await disconnect(rereader);
    expect(committedTotal(await admin.fetchOffsets({ groupId: 'g2', topics: ['events'] }))).toBe(10);

    expect((await admin.listGroups()).groups.map((group) => group.groupId)).toContain('g2');
    expect(await admin.deleteGroups(['g2'])).toEqual([expect.objectContaining({ groupId: 'g2', errorCode: 0 })]);
    expect((await admin.listGroups()).groups.map((group) => group.groupId)).not.toContain('g2');
    expect(committedTotal(await admin.fetchOffsets({ groupId: 'g2', topics: ['events'] }))).toBe(0);
    const missing = await admin.deleteGroups(['g2']).then(() => null, (error: unknown) => error);
    expect((missing as { groups: { error: { type: string } }[] }).groups[0]!.error.type).toBe('GROUP_ID_NOT_FOUND');
    expect(node.warnings).toEqual([]);
  });

  it('admin: describeConfigs of a topic and of the broker, createPartitions', async () => {
    const node = await start();
    const admin = await connected(kafka(node).admin());
    await admin.createTopics({ topics: [{ topic: 'configured', numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '3600000' }] }] });

    const { resources } = await admin.describeConfigs({
      includeSynonyms: true,
      resources: [
        { type: ConfigResourceTypes.TOPIC, name: 'configured' },
        { type: ConfigResourceTypes.BROKER, name: '0' },
        { type: ConfigResourceTypes.TOPIC, name: 'configured', configNames: ['cleanup.policy'] },
      ],
    });
    const [topic, broker, filtered] = resources;
    const entry = (resource: typeof topic, name: string) => resource!.configEntries.find((each) => each.configName === name);
    expect(topic).toMatchObject({ errorCode: 0, resourceName: 'configured', resourceType: ConfigResourceTypes.TOPIC });
    expect(topic!.configEntries.map((each) => each.configName)).toContain('segment.bytes');
    expect(entry(topic, 'retention.ms')).toMatchObject({
      configValue: '3600000', readOnly: false, isDefault: false, configSource: 1, isSensitive: false,
      configSynonyms: [{ configName: 'retention.ms', configValue: '3600000', configSource: 1 }, { configName: 'retention.ms', configValue: '604800000', configSource: 5 }],
    });
    expect(entry(topic, 'cleanup.policy')).toMatchObject({ configValue: 'delete', isDefault: true, configSource: 5 });
    expect(entry(topic, 'flush.ms')).toMatchObject({ configValue: '9223372036854775807' });
    expect(topic!.configEntries.every((each) => each.isSensitive === false && each.readOnly === false)).toBe(true);

    expect(broker).toMatchObject({ errorCode: 0, resourceName: '0', resourceType: ConfigResourceTypes.BROKER });
    expect(entry(broker, 'group.min.session.timeout.ms')).toMatchObject({ configValue: '100', configSource: 4, isDefault: false, readOnly: true });
    expect(entry(broker, 'num.partitions')).toMatchObject({ configValue: '1', configSource: 5, isDefault: true });
    expect(entry(broker, 'auto.create.topics.enable')).toMatchObject({ configValue: 'true' });

    expect(filtered!.configEntries.map((each) => each.configName)).toEqual(['cleanup.policy']);

    // CreatePartitions: grow, then a shrink is refused.
    await admin.createPartitions({ topicPartitions: [{ topic: 'configured', count: 5 }] }); // kafkajs 2.2.4 resolves undefined (its types say boolean)
    const metadata = await admin.fetchTopicMetadata({ topics: ['configured'] });
    expect(metadata.topics[0]!.partitions).toHaveLength(5);
    const shrink = await admin.createPartitions({ topicPartitions: [{ topic: 'configured', count: 3 }] }).then(() => null, (error: unknown) => error);
    expect(shrink).toMatchObject({ type: 'INVALID_PARTITIONS' });
    expect(node.broker.topics.get('configured').partitions).toBe(5);
    expect(node.warnings).toEqual([]);
  });
});

// ---- raw requests: versions and cases kafkajs does not send -----------------------------------

let correlationId = 0;

/** One request through the dispatcher at `version`, decoded back with the response schema. */
async function call<Req, Res>(node: Node, api: ApiHandler<Req, Res>, version: number, body: MessageInput<Req>, clientId = 'raw'): Promise<Res> {
  const id = ++correlationId;
  const frame = encodeRequest(api.request, version, { correlationId: id, clientId }, body);
  const answer = await node.dispatcher(frame, { id: 1, remoteAddress: '10.1.2.3', remotePort: 4567 });
  if (answer === null) throw new Error('no response');
  const { correlationId: answered, body: response } = decodeResponse(api.response, version, Array.isArray(answer) ? Buffer.concat(answer) : answer);
  expect(answered).toBe(id);
  return response;
}

const RANGE = { name: 'range', metadata: Buffer.from('subscription') };

describe('group APIs across versions (raw requests)', () => {
  it('JoinGroup v4 asks for a member id first; SyncGroup, Heartbeat, OffsetCommit/Fetch and LeaveGroup follow the versions', async () => {
    const node = await start();
    await node.broker.topics.create('t', { partitions: 2 });
    const join = { groupId: 'raw', sessionTimeoutMs: 5_000, rebalanceTimeoutMs: 5_000, protocolType: 'consumer', protocols: [RANGE] };

    const first = await call(node, joinGroup, 4, { ...join, memberId: '' });
    expect(first).toMatchObject({ errorCode: KafkaErrorCode.MEMBER_ID_REQUIRED, generationId: -1, protocolName: '', leader: '', members: [] });
    expect(first.memberId).toMatch(/^raw-/);
    const joined = await call(node, joinGroup, 5, { ...join, memberId: first.memberId });
    expect(joined).toMatchObject({ errorCode: 0, generationId: 1, protocolName: 'range', leader: first.memberId, memberId: first.memberId });
    expect(joined.members).toEqual([{ memberId: first.memberId, groupInstanceId: null, metadata: RANGE.metadata }]);
    const memberId = first.memberId;

    const synced = await call(node, syncGroup, 0, { groupId: 'raw', generationId: 1, memberId, assignments: [{ memberId, assignment: Buffer.from('both partitions') }] });
    expect(synced).toMatchObject({ errorCode: 0, assignment: Buffer.from('both partitions') });
    expect((await call(node, heartbeat, 0, { groupId: 'raw', generationId: 1, memberId })).errorCode).toBe(0);
    expect((await call(node, heartbeat, 4, { groupId: 'raw', generationId: 7, memberId })).errorCode).toBe(KafkaErrorCode.ILLEGAL_GENERATION);
    expect((await call(node, heartbeat, 3, { groupId: 'raw', generationId: 1, memberId: 'nobody' })).errorCode).toBe(KafkaErrorCode.UNKNOWN_MEMBER_ID);

    const described = await call(node, describeGroups, 5, { groups: ['raw', 'unknown'], includeAuthorizedOperations: true });
    expect(described.groups[0]).toMatchObject({ errorCode: 0, groupState: 'Stable', protocolType: 'consumer', protocolData: 'range', authorizedOperations: (1 << 3) | (1 << 6) | (1 << 8) });
    expect(described.groups[0]!.members).toEqual([{ memberId, groupInstanceId: null, clientId: 'raw', clientHost: '/10.1.2.3', memberMetadata: RANGE.metadata, memberAssignment: Buffer.from('both partitions') }]);
    expect(described.groups[1]).toMatchObject({ errorCode: 0, groupId: 'unknown', groupState: 'Dead', members: [] });
    expect((await call(node, describeGroups, 0, { groups: ['raw'] })).groups[0]).toMatchObject({ groupState: 'Stable', authorizedOperations: -2147483648 });

    // OffsetCommit: v2 with the generation, v8 (flexible) with an unknown partition.
    const commit2 = await call(node, offsetCommit, 2, { groupId: 'raw', generationIdOrMemberEpoch: 1, memberId, retentionTimeMs: 1, topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 5, committedMetadata: 'meta' }] }] });
    expect(commit2.topics).toEqual([{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 0 }] }]);
    const commit8 = await call(node, offsetCommit, 8, {
      groupId: 'raw', generationIdOrMemberEpoch: 1, memberId, groupInstanceId: null,
      topics: [{ name: 't', partitions: [{ partitionIndex: 1, committedOffset: 7, committedLeaderEpoch: 3, committedMetadata: null }, { partitionIndex: 9, committedOffset: 1, committedMetadata: null }] }],
    });
    expect(commit8.topics[0]!.partitions).toEqual([expect.objectContaining({ partitionIndex: 1, errorCode: 0 }), expect.objectContaining({ partitionIndex: 9, errorCode: KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION })]);
    const stale = await call(node, offsetCommit, 5, { groupId: 'raw', generationIdOrMemberEpoch: 0, memberId, topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 1, committedMetadata: null }] }] });
    expect(stale.topics[0]!.partitions[0]!.errorCode).toBe(KafkaErrorCode.ILLEGAL_GENERATION);

    // OffsetFetch: v1 names partitions; v2+ null topics = everything committed; v5+ has the epoch; v8 takes groups.
    const fetch1 = await call(node, offsetFetch, 1, { groupId: 'raw', topics: [{ name: 't', partitionIndexes: [0, 1] }] });
    expect(fetch1.topics).toEqual([{ name: 't', partitions: [expect.objectContaining({ partitionIndex: 0, committedOffset: 5, metadata: 'meta', errorCode: 0 }), expect.objectContaining({ partitionIndex: 1, committedOffset: 7, metadata: '' })] }]);
    const fetch7 = await call(node, offsetFetch, 7, { groupId: 'raw', topics: null, requireStable: true });
    expect(fetch7).toMatchObject({ errorCode: 0, topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 5, committedLeaderEpoch: -1 }, { partitionIndex: 1, committedOffset: 7, committedLeaderEpoch: 3 }] }] });
    const fetch8 = await call(node, offsetFetch, 8, {
      groups: [{ groupId: 'raw', topics: [{ name: 't', partitionIndexes: [1] }] }, { groupId: 'raw', topics: null }, { groupId: 'nobody', topics: null }],
      requireStable: false,
    });
    expect(fetch8.groups).toEqual([
      { groupId: 'raw', errorCode: 0, topics: [{ name: 't', partitions: [{ partitionIndex: 1, committedOffset: 7, committedLeaderEpoch: 3, metadata: '', errorCode: 0 }] }] },
      { groupId: 'raw', errorCode: 0, topics: [{ name: 't', partitions: [expect.objectContaining({ partitionIndex: 0, committedOffset: 5 }), expect.objectContaining({ partitionIndex: 1, committedOffset: 7 })] }] },
      { groupId: 'nobody', errorCode: 0, topics: [] },
    ]);

    // ListGroups v4 filters by state, case-insensitively; earlier versions list everything.
    expect((await call(node, listGroups, 4, { statesFilter: ['stable'] })).groups).toEqual([{ groupId: 'raw', protocolType: 'consumer', groupState: 'Stable', groupType: '' }]);
    expect((await call(node, listGroups, 4, { statesFilter: ['Empty'] })).groups).toEqual([]);
    expect((await call(node, listGroups, 0, {})).groups).toEqual([{ groupId: 'raw', protocolType: 'consumer', groupState: '', groupType: '' }]);

    // LeaveGroup v0 answers the member's error at top level.
    expect((await call(node, leaveGroup, 0, { groupId: 'raw', memberId })).errorCode).toBe(0);
    expect((await call(node, leaveGroup, 1, { groupId: 'raw', memberId })).errorCode).toBe(KafkaErrorCode.UNKNOWN_MEMBER_ID);
    expect((await call(node, describeGroups, 1, { groups: ['raw'] })).groups[0]).toMatchObject({ groupState: 'Empty', members: [] });
    expect(node.warnings).toEqual([]);
  });

  it('JoinGroup v0 joins without a member id round; LeaveGroup v3+ answers per member; DeleteGroups v2', async () => {
    const node = await start();
    const join0 = await call(node, joinGroup, 0, { groupId: 'old', sessionTimeoutMs: 5_000, memberId: '', protocolType: 'consumer', protocols: [RANGE] });
    expect(join0).toMatchObject({ errorCode: 0, generationId: 1, protocolName: 'range' });
    expect(join0.leader).toBe(join0.memberId);
    // An unknown member's JoinGroup error still carries a non-null protocol name before v7.
    expect(await call(node, joinGroup, 6, { groupId: 'old', sessionTimeoutMs: 5_000, memberId: 'ghost', protocolType: 'consumer', protocols: [RANGE] })).toMatchObject({ errorCode: KafkaErrorCode.UNKNOWN_MEMBER_ID, protocolName: '' });
    expect(await call(node, joinGroup, 2, { groupId: 'old', sessionTimeoutMs: 50, memberId: '', protocolType: 'consumer', protocols: [RANGE] })).toMatchObject({ errorCode: KafkaErrorCode.INVALID_SESSION_TIMEOUT });

    const removed = await call(node, deleteGroups, 2, { groupsNames: ['old', 'missing'] });
    expect(removed.results).toEqual([{ groupId: 'old', errorCode: KafkaErrorCode.NON_EMPTY_GROUP }, { groupId: 'missing', errorCode: KafkaErrorCode.GROUP_ID_NOT_FOUND }]);

    const left = await call(node, leaveGroup, 4, { groupId: 'old', members: [{ memberId: join0.memberId, groupInstanceId: null }, { memberId: 'ghost', groupInstanceId: null }] });
    expect(left).toMatchObject({ errorCode: 0, members: [{ memberId: join0.memberId, groupInstanceId: null, errorCode: 0 }, { memberId: 'ghost', groupInstanceId: null, errorCode: KafkaErrorCode.UNKNOWN_MEMBER_ID }] });
    expect((await call(node, deleteGroups, 0, { groupsNames: ['old'] })).results).toEqual([{ groupId: 'old', errorCode: 0 }]);
    expect(node.warnings).toEqual([]);
  });

  it('DescribeConfigs across versions, and its errors', async () => {
    const node = await start();
    await node.broker.topics.create('c', { partitions: 1, config: { 'cleanup.policy': 'compact' } });
    const v0 = await call(node, describeConfigs, 0, { resources: [{ resourceType: 2, resourceName: 'c', configurationKeys: ['cleanup.policy', 'segment.ms', 'no.such.key'] }] });
    expect(v0.results[0]).toMatchObject({ errorCode: 0, errorMessage: null, resourceType: 2, resourceName: 'c' });
    expect(v0.results[0]!.configs).toEqual([
      expect.objectContaining({ name: 'cleanup.policy', value: 'compact', readOnly: false, isDefault: false, isSensitive: false }),
      expect.objectContaining({ name: 'segment.ms', value: '604800000', isDefault: true }),
    ]);

    const v4 = await call(node, describeConfigs, 4, { resources: [{ resourceType: 2, resourceName: 'c', configurationKeys: ['cleanup.policy', 'segment.bytes'] }], includeSynonyms: false, includeDocumentation: true });
    expect(v4.results[0]!.configs).toEqual([
      expect.objectContaining({ name: 'cleanup.policy', configSource: 1, configType: 7, synonyms: [], documentation: expect.stringContaining('newest record per key') }),
      expect.objectContaining({ name: 'segment.bytes', value: String(1024 * 1024 * 1024), configSource: 5, configType: 3 }),
    ]);
    const broker = await call(node, describeConfigs, 3, { resources: [{ resourceType: 4, resourceName: '0', configurationKeys: ['group.initial.rebalance.delay.ms', 'num.partitions', 'retention.ms'] }], includeSynonyms: true });
    expect(broker.results[0]!.configs).toEqual([
      expect.objectContaining({ name: 'retention.ms', readOnly: true, configSource: 5, configType: 5, documentation: null }),
      expect.objectContaining({ name: 'num.partitions', value: '1', configSource: 5, synonyms: [{ name: 'num.partitions', value: '1', source: 5 }] }),
      expect.objectContaining({ name: 'group.initial.rebalance.delay.ms', value: '0', configSource: 4, synonyms: [{ name: 'group.initial.rebalance.delay.ms', value: '0', source: 4 }, { name: 'group.initial.rebalance.delay.ms', value: '3000', source: 5 }] }),
    ]);

    const errors = await call(node, describeConfigs, 1, {
      resources: [
        { resourceType: 2, resourceName: 'missing', configurationKeys: null },
        { resourceType: 2, resourceName: 'bad/name', configurationKeys: null },
        { resourceType: 4, resourceName: '1', configurationKeys: null },
        { resourceType: 8, resourceName: '0', configurationKeys: null },
        { resourceType: 4, resourceName: '', configurationKeys: null },
      ],
    });
    expect(errors.results.map(({ errorCode, resourceName, configs }) => ({ errorCode, resourceName, configs: configs.length }))).toEqual([
      { errorCode: KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION, resourceName: 'missing', configs: 0 },
      { errorCode: KafkaErrorCode.INVALID_TOPIC_EXCEPTION, resourceName: 'bad/name', configs: 0 },
      { errorCode: KafkaErrorCode.INVALID_REQUEST, resourceName: '1', configs: 0 },
      { errorCode: KafkaErrorCode.INVALID_REQUEST, resourceName: '0', configs: 0 },
      { errorCode: 0, resourceName: '', configs: 0 },
    ]);
    expect(errors.results[0]!.errorMessage).toContain('missing');
    expect(node.warnings).toEqual([]);
  });

  it('CreatePartitions: validateOnly, assignments, duplicates and per-topic errors', async () => {
    const node = await start();
    await node.broker.topics.create('p', { partitions: 2 });
    await node.broker.topics.create('q', { partitions: 1 });
    // A standalone commit creates __consumer_offsets, whose partition count is fixed.
    const commit = await call(node, offsetCommit, 3, { groupId: 'admin', generationIdOrMemberEpoch: -1, memberId: '', topics: [{ name: 'p', partitions: [{ partitionIndex: 0, committedOffset: 0, committedMetadata: null }] }] });
    expect(commit.topics[0]!.partitions[0]!.errorCode).toBe(0);
    const checked = await call(node, createPartitions, 3, { topics: [{ name: 'p', count: 4, assignments: [{ brokerIds: [0] }, { brokerIds: [0] }] }], timeoutMs: 1_000, validateOnly: true });
    expect(checked.results).toEqual([{ name: 'p', errorCode: 0, errorMessage: null }]);
    expect(node.broker.topics.get('p').partitions).toBe(2);

    const result = await call(node, createPartitions, 0, {
      topics: [
        { name: 'p', count: 3, assignments: [{ brokerIds: [1] }] },
        { name: 'p', count: 3, assignments: null },
        { name: 'q', count: 3, assignments: [{ brokerIds: [0] }] },
        { name: 'missing', count: 3, assignments: null },
        { name: '__consumer_offsets', count: 60, assignments: null },
      ],
      timeoutMs: 1_000,
      validateOnly: false,
    });
    expect(result.results.map(({ name, errorCode }) => ({ name, errorCode }))).toEqual([
      { name: 'p', errorCode: KafkaErrorCode.INVALID_REQUEST },
      { name: 'q', errorCode: KafkaErrorCode.INVALID_REPLICA_ASSIGNMENT },
      { name: 'missing', errorCode: KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION },
      { name: '__consumer_offsets', errorCode: KafkaErrorCode.INVALID_REQUEST },
    ]);

    const grown = await call(node, createPartitions, 2, {
      topics: [
        { name: 'p', count: 3, assignments: [{ brokerIds: [0] }] },
        { name: 'q', count: 1, assignments: null },
        { name: 'q', count: 0, assignments: null },
      ],
      timeoutMs: 1_000,
      validateOnly: false,
    });
    expect(grown.results.map(({ name, errorCode }) => ({ name, errorCode }))).toEqual([
      { name: 'p', errorCode: 0 },
      { name: 'q', errorCode: KafkaErrorCode.INVALID_REQUEST },
    ]);
    const replicas = await call(node, createPartitions, 1, { topics: [{ name: 'q', count: 2, assignments: [{ brokerIds: [0, 0] }] }, { name: 'p', count: 2, assignments: null }], timeoutMs: 0, validateOnly: false });
    expect(replicas.results.map(({ errorCode }) => errorCode)).toEqual([KafkaErrorCode.INVALID_REPLICA_ASSIGNMENT, KafkaErrorCode.INVALID_PARTITIONS]);
    expect(node.broker.topics.get('p').partitions).toBe(3);
    expect(node.broker.topics.get('q').partitions).toBe(1);
    expect(node.broker.topics.partition('p', 2).logEndOffset).toBe(0);
    expect(node.warnings).toEqual([]);
  });
});
