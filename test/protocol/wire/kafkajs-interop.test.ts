// kafkajs as an independent implementation of the (non-flexible) wire format: for the requests it
// can build, our encoding of the same request is byte for byte what kafkajs sends and we decode
// kafkajs's bytes to the expected values; for responses, what we encode kafkajs decodes to the
// values we meant.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import * as messages from '../../../src/protocol/messages/index.js';
import { decodeRequest, encodeRequest, encodeResponse } from '../../../src/protocol/wire/headers.js';
import { encodeMessage } from '../../../src/protocol/wire/message-codec.js';
import type { MessageSchema } from '../../../src/protocol/wire/schema.js';

const require = createRequire(import.meta.url);

interface KafkajsRequest {
  apiKey: number;
  apiVersion: number;
  encode: () => Promise<{ buffer: Buffer }>;
}
interface KafkajsResponse {
  decode: (payload: Buffer) => Promise<Record<string, unknown>>;
}
type KafkajsApi = { protocol: (options: { version: number }) => (args: Record<string, unknown>) => { request: KafkajsRequest; response: KafkajsResponse } };

const kafkajsFrame = require('kafkajs/src/protocol/request.js') as (options: {
  correlationId: number;
  clientId: string;
  request: KafkajsRequest;
}) => Promise<{ buffer: Buffer }>;
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
  RecordBatch: (options: Record<string, unknown>) => Promise<{ buffer: Buffer }>;
};
const KafkajsRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (options: Record<string, unknown>) => { buffer: Buffer };

function kafkajs(api: string, version: number, args: Record<string, unknown>): { request: KafkajsRequest; response: KafkajsResponse } {
  const module = require(`kafkajs/src/protocol/requests/${api}/index.js`) as KafkajsApi;
  return module.protocol({ version })(args);
}

/** kafkajs's whole request frame, without its 4-byte size prefix. */
async function kafkajsRequestBytes(api: string, version: number, args: Record<string, unknown>, correlationId = 7): Promise<Buffer> {
  const { request } = kafkajs(api, version, args);
  const frame = (await kafkajsFrame({ correlationId, clientId: 'strata-test', request })).buffer;
  expect(frame.readInt32BE(0)).toBe(frame.length - 4);
  return frame.subarray(4);
}

async function kafkajsBatch(values: string[], baseTimestamp: number): Promise<Buffer> {
  const batch = await RecordBatch({
    compression: 0,
    firstTimestamp: baseTimestamp,
    maxTimestamp: baseTimestamp + values.length - 1,
    producerId: -1,
    producerEpoch: 0,
    firstSequence: 0,
    lastOffsetDelta: values.length - 1,
    records: values.map((value, index) => KafkajsRecord({ offsetDelta: index, timestampDelta: index, key: null, value: Buffer.from(value), headers: {} })),
  });
  return batch.buffer;
}

interface RequestCase {
  readonly api: string;
  readonly version: number;
  readonly args: Record<string, unknown>;
  readonly schema: MessageSchema;
  /** Our value for the same request (fields left out take their defaults). */
  readonly body: Record<string, unknown>;
}

const groupMetadata = Buffer.from([0, 1, 0, 0, 0, 1, 0, 1, 0x74, 0xff, 0xff, 0xff, 0xff]);

const requestCases: RequestCase[] = [
  ...[0, 1, 2].map((version) => ({ api: 'apiVersions', version, args: {}, schema: messages.ApiVersionsRequest, body: {} })),
  { api: 'metadata', version: 0, args: { topics: ['a', 'topic-β'] }, schema: messages.MetadataRequest, body: { topics: [{ name: 'a' }, { name: 'topic-β' }] } },
  { api: 'metadata', version: 1, args: { topics: [] }, schema: messages.MetadataRequest, body: { topics: null } },
  {
    api: 'metadata',
    version: 4,
    args: { topics: ['x'], allowAutoTopicCreation: false },
    schema: messages.MetadataRequest,
    body: { topics: [{ name: 'x' }], allowAutoTopicCreation: false },
  },
  { api: 'metadata', version: 6, args: { topics: ['x', 'y'], allowAutoTopicCreation: true }, schema: messages.MetadataRequest, body: { topics: [{ name: 'x' }, { name: 'y' }] } },
  {
    api: 'fetch',
    version: 4,
    args: {
      replicaId: -1,
      maxWaitTime: 500,
      minBytes: 1,
      maxBytes: 10_485_760,
      isolationLevel: 1,
      topics: [{ topic: 't', partitions: [{ partition: 0, fetchOffset: '12345678901', maxBytes: 1_048_576 }, { partition: 3, fetchOffset: '0', maxBytes: 1 }] }],
    },
    schema: messages.FetchRequest,
    body: {
      replicaId: -1,
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 10_485_760,
      isolationLevel: 1,
      topics: [
        {
          topic: 't',
          partitions: [
            { partition: 0, fetchOffset: 12_345_678_901, partitionMaxBytes: 1_048_576 },
            { partition: 3, fetchOffset: 0, partitionMaxBytes: 1 },
          ],
        },
      ],
    },
  },
  {
    api: 'fetch',
    version: 11,
    args: {
      replicaId: -1,
      maxWaitTime: 100,
      minBytes: 1,
      maxBytes: 52_428_800,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      rackId: 'rack-1',
      topics: [{ topic: 'events', partitions: [{ partition: 2, currentLeaderEpoch: 5, fetchOffset: '42', logStartOffset: '-1', maxBytes: 65_536 }] }],
      forgottenTopics: [{ topic: 'old', partitions: [1, 2] }],
    },
    schema: messages.FetchRequest,
    body: {
      replicaId: -1,
      maxWaitMs: 100,
      minBytes: 1,
      maxBytes: 52_428_800,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      rackId: 'rack-1',
      topics: [{ topic: 'events', partitions: [{ partition: 2, currentLeaderEpoch: 5, fetchOffset: 42, logStartOffset: -1, partitionMaxBytes: 65_536 }] }],
      forgottenTopicsData: [{ topic: 'old', partitions: [1, 2] }],
    },
  },
  {
    api: 'joinGroup',
    version: 0,
    args: { groupId: 'g', sessionTimeout: 30_000, memberId: '', protocolType: 'consumer', groupProtocols: [{ name: 'range', metadata: groupMetadata }] },
    schema: messages.JoinGroupRequest,
    body: { groupId: 'g', sessionTimeoutMs: 30_000, memberId: '', protocolType: 'consumer', protocols: [{ name: 'range', metadata: groupMetadata }] },
  },
  {
    api: 'joinGroup',
    version: 2,
    args: {
      groupId: 'g',
      sessionTimeout: 10_000,
      rebalanceTimeout: 60_000,
      memberId: 'm-1',
      protocolType: 'consumer',
      groupProtocols: [{ name: 'roundrobin', metadata: groupMetadata }, { name: 'range' }],
    },
    schema: messages.JoinGroupRequest,
    body: {
      groupId: 'g',
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 60_000,
      memberId: 'm-1',
      protocolType: 'consumer',
      protocols: [{ name: 'roundrobin', metadata: groupMetadata }, { name: 'range', metadata: Buffer.alloc(0) }],
    },
  },
  {
    api: 'joinGroup',
    version: 5,
    args: { groupId: 'g', sessionTimeout: 10_000, rebalanceTimeout: 60_000, memberId: '', groupInstanceId: 'static-1', protocolType: 'consumer', groupProtocols: [{ name: 'range', metadata: groupMetadata }] },
    schema: messages.JoinGroupRequest,
    body: {
      groupId: 'g',
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 60_000,
      memberId: '',
      groupInstanceId: 'static-1',
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: groupMetadata }],
    },
  },
  {
    api: 'heartbeat',
    version: 3,
    args: { groupId: 'g', groupGenerationId: 4, memberId: 'm', groupInstanceId: null },
    schema: messages.HeartbeatRequest,
    body: { groupId: 'g', generationId: 4, memberId: 'm', groupInstanceId: null },
  },
  {
    api: 'syncGroup',
    version: 3,
    args: { groupId: 'g', generationId: 4, memberId: 'm', groupAssignment: [{ memberId: 'm', memberAssignment: Buffer.from('assign') }] },
    schema: messages.SyncGroupRequest,
    body: { groupId: 'g', generationId: 4, memberId: 'm', groupInstanceId: null, assignments: [{ memberId: 'm', assignment: Buffer.from('assign') }] },
  },
  {
    api: 'leaveGroup',
    version: 3,
    args: { groupId: 'g', memberId: 'm2', groupInstanceId: 'i2' },
    schema: messages.LeaveGroupRequest,
    body: { groupId: 'g', members: [{ memberId: 'm2', groupInstanceId: 'i2' }] },
  },
  {
    api: 'offsetCommit',
    version: 5,
    args: { groupId: 'g', groupGenerationId: 2, memberId: 'm', topics: [{ topic: 't', partitions: [{ partition: 0, offset: '9007199254740991' }, { partition: 1, offset: '5', metadata: 'meta' }] }] },
    schema: messages.OffsetCommitRequest,
    body: {
      groupId: 'g',
      generationIdOrMemberEpoch: 2,
      memberId: 'm',
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: Number.MAX_SAFE_INTEGER, committedMetadata: null }, { partitionIndex: 1, committedOffset: 5, committedMetadata: 'meta' }] }],
    },
  },
  {
    api: 'offsetFetch',
    version: 3,
    args: { groupId: 'g', topics: [{ topic: 't', partitions: [{ partition: 0 }, { partition: 7 }] }] },
    schema: messages.OffsetFetchRequest,
    body: { groupId: 'g', topics: [{ name: 't', partitionIndexes: [0, 7] }] },
  },
  {
    api: 'findCoordinator',
    version: 2,
    args: { groupId: 'group-1', coordinatorType: 0 },
    schema: messages.FindCoordinatorRequest,
    body: { key: 'group-1', keyType: 0 },
  },
  {
    api: 'listOffsets',
    version: 2,
    args: { replicaId: -1, isolationLevel: 1, topics: [{ topic: 't', partitions: [{ partition: 0, timestamp: -2 }, { partition: 1, timestamp: 1_700_000_000_000 }] }] },
    schema: messages.ListOffsetsRequest,
    body: { replicaId: -1, isolationLevel: 1, topics: [{ name: 't', partitions: [{ partitionIndex: 0, timestamp: -2 }, { partitionIndex: 1, timestamp: 1_700_000_000_000 }] }] },
  },
  {
    api: 'createTopics',
    version: 3,
    args: {
      topics: [{ topic: 'new', numPartitions: 3, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }, { topic: 'assigned', replicaAssignment: [{ partition: 0, replicas: [1] }] }],
      validateOnly: false,
      timeout: 5000,
    },
    schema: messages.CreateTopicsRequest,
    body: {
      topics: [
        { name: 'new', numPartitions: 3, replicationFactor: 1, assignments: [], configs: [{ name: 'cleanup.policy', value: 'compact' }] },
        { name: 'assigned', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [1] }], configs: [] },
      ],
      timeoutMs: 5000,
      validateOnly: false,
    },
  },
  {
    api: 'initProducerId',
    version: 1,
    args: { transactionalId: null, transactionTimeout: 60_000 },
    schema: messages.InitProducerIdRequest,
    body: { transactionalId: null, transactionTimeoutMs: 60_000 },
  },
  { api: 'describeGroups', version: 2, args: { groupIds: ['a', 'b'] }, schema: messages.DescribeGroupsRequest, body: { groups: ['a', 'b'] } },
  { api: 'deleteGroups', version: 1, args: ['a', 'b'] as unknown as Record<string, unknown>, schema: messages.DeleteGroupsRequest, body: { groupsNames: ['a', 'b'] } },
  { api: 'saslHandshake', version: 1, args: { mechanism: 'PLAIN' }, schema: messages.SaslHandshakeRequest, body: { mechanism: 'PLAIN' } },
  {
    api: 'saslAuthenticate',
    version: 1,
    // kafkajs's SASL mechanisms hand over their bytes already length-prefixed.
    args: { authBytes: Buffer.concat([Buffer.from([0, 0, 0, 10]), Buffer.from('\0user\0pass')]) },
    schema: messages.SaslAuthenticateRequest,
    body: { authBytes: Buffer.from('\0user\0pass') },
  },
];

describe('requests: our bytes are kafkajs bytes', () => {
  for (const testCase of requestCases) {
    it(`${testCase.schema.name} v${testCase.version}`, async () => {
      const theirs = await kafkajsRequestBytes(testCase.api, testCase.version, testCase.args);
      const ours = encodeRequest(testCase.schema, testCase.version, { correlationId: 7, clientId: 'strata-test' }, testCase.body);
      expect(ours.toString('hex')).toBe(theirs.toString('hex'));
      const decoded = decodeRequest(testCase.schema, theirs);
      expect(decoded.header).toEqual({ requestApiKey: testCase.schema.apiKey, requestApiVersion: testCase.version, correlationId: 7, clientId: 'strata-test' });
      expect(decoded.body).toMatchObject(testCase.body);
    });
  }
});

describe('produce requests carry record batches untouched', () => {
  for (const version of [3, 5, 7]) {
    it(`ProduceRequest v${version}`, async () => {
      const baseTimestamp = 1_700_000_000_000;
      const args = {
        acks: -1,
        timeout: 30_000,
        transactionalId: null,
        producerId: -1,
        producerEpoch: 0,
        compression: 0,
        topicData: [
          {
            topic: 'orders',
            partitions: [
              { partition: 0, firstSequence: 0, messages: [{ value: 'a', timestamp: baseTimestamp }, { value: 'bb', timestamp: baseTimestamp + 1 }] },
              { partition: 4, firstSequence: 0, messages: [{ value: 'c', timestamp: baseTimestamp }] },
            ],
          },
        ],
      };
      const theirs = await kafkajsRequestBytes('produce', version, args);
      const { header, body } = decodeRequest(messages.ProduceRequest, theirs);
      expect(header.requestApiVersion).toBe(version);
      expect(body.transactionalId).toBeNull();
      expect(body.acks).toBe(-1);
      expect(body.timeoutMs).toBe(30_000);
      const partitions = body.topicData[0]!.partitionData;
      expect(body.topicData[0]!.name).toBe('orders');
      expect(partitions.map((partition) => partition.index)).toEqual([0, 4]);
      // The records are kafkajs's batch, byte for byte, as a view of the request.
      expect(partitions[0]!.records!.equals(await kafkajsBatch(['a', 'bb'], baseTimestamp))).toBe(true);
      expect(partitions[1]!.records!.equals(await kafkajsBatch(['c'], baseTimestamp))).toBe(true);
      expect(partitions[0]!.records!.buffer).toBe(theirs.buffer);
      const ours = encodeRequest(messages.ProduceRequest, version, { correlationId: 7, clientId: 'strata-test' }, body);
      expect(ours.equals(theirs)).toBe(true);
    });
  }
});

/** Our response body (no header), decoded by kafkajs's decoder for that version. */
async function kafkajsDecodes(api: string, version: number, schema: MessageSchema, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const bytes = encodeMessage(schema, version, body);
  // kafkajs's connection hands its decoders the bytes after the correlation id.
  const full = encodeResponse(schema, version, 99, body);
  expect(full.readInt32BE(0)).toBe(99);
  expect(full.subarray(4).equals(bytes)).toBe(true);
  // Building the request half with no arguments is harmless: kafkajs only reads them in encode().
  const { response } = kafkajs(api, version, {});
  return response.decode(bytes);
}

describe('responses: kafkajs decodes what we encode', () => {
  it('ApiVersionsResponse v0-v2', async () => {
    const apiKeys = messages.API_MESSAGES.map((api) => ({ apiKey: api.apiKey, minVersion: 0, maxVersion: 3 }));
    for (const version of [0, 1, 2]) {
      const decoded = await kafkajsDecodes('apiVersions', version, messages.ApiVersionsResponse, { errorCode: 0, apiKeys, throttleTimeMs: 0 });
      expect(decoded).toMatchObject({ errorCode: 0, apiVersions: apiKeys });
    }
  });

  it('MetadataResponse v1 and v5', async () => {
    const body = {
      throttleTimeMs: 0,
      brokers: [{ nodeId: 1, host: 'localhost', port: 9092, rack: null }],
      clusterId: 'cluster-1',
      controllerId: 1,
      topics: [
        {
          errorCode: 0,
          name: 'orders',
          isInternal: false,
          partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] }],
        },
      ],
    };
    const partition = { partitionErrorCode: 0, partitionId: 0, leader: 1, replicas: [1], isr: [1] };
    const v1 = await kafkajsDecodes('metadata', 1, messages.MetadataResponse, body);
    expect(v1).toEqual({
      brokers: [{ nodeId: 1, host: 'localhost', port: 9092, rack: null }],
      controllerId: 1,
      topicMetadata: [{ topicErrorCode: 0, topic: 'orders', isInternal: false, partitionMetadata: [partition] }],
    });
    const v5 = await kafkajsDecodes('metadata', 5, messages.MetadataResponse, body);
    expect(v5).toEqual({
      throttleTime: 0,
      brokers: [{ nodeId: 1, host: 'localhost', port: 9092, rack: null }],
      clusterId: 'cluster-1',
      controllerId: 1,
      topicMetadata: [{ topicErrorCode: 0, topic: 'orders', isInternal: false, partitionMetadata: [{ ...partition, offlineReplicas: [] }] }],
    });
  });

  it('FindCoordinatorResponse v2', async () => {
    const decoded = await kafkajsDecodes('findCoordinator', 2, messages.FindCoordinatorResponse, {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      nodeId: 1,
      host: 'broker.local',
      port: 19_092,
    });
    expect(decoded).toMatchObject({ errorCode: 0, errorMessage: null, coordinator: { nodeId: 1, host: 'broker.local', port: 19_092 } });
  });

  it('JoinGroupResponse v5', async () => {
    const decoded = await kafkajsDecodes('joinGroup', 5, messages.JoinGroupResponse, {
      throttleTimeMs: 0,
      errorCode: 0,
      generationId: 3,
      protocolName: 'range',
      leader: 'm-1',
      memberId: 'm-2',
      members: [
        { memberId: 'm-1', groupInstanceId: null, metadata: groupMetadata },
        { memberId: 'm-2', groupInstanceId: 'static', metadata: Buffer.alloc(0) },
      ],
    });
    expect(decoded).toMatchObject({
      errorCode: 0,
      generationId: 3,
      groupProtocol: 'range',
      leaderId: 'm-1',
      memberId: 'm-2',
      members: [
        { memberId: 'm-1', groupInstanceId: null, memberMetadata: groupMetadata },
        { memberId: 'm-2', groupInstanceId: 'static', memberMetadata: Buffer.alloc(0) },
      ],
    });
  });

  it('SyncGroupResponse v3 and HeartbeatResponse v3', async () => {
    const sync = await kafkajsDecodes('syncGroup', 3, messages.SyncGroupResponse, { throttleTimeMs: 0, errorCode: 0, assignment: Buffer.from('xyz') });
    expect(sync).toMatchObject({ errorCode: 0, memberAssignment: Buffer.from('xyz') });
    const heartbeat = await kafkajsDecodes('heartbeat', 3, messages.HeartbeatResponse, { throttleTimeMs: 0, errorCode: 27 });
    expect(heartbeat).toMatchObject({ errorCode: 27 });
  });

  it('ProduceResponse v7', async () => {
    const decoded = await kafkajsDecodes('produce', 7, messages.ProduceResponse, {
      responses: [{ name: 'orders', partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 1_234_567_890_123, logAppendTimeMs: -1, logStartOffset: 0 }] }],
      throttleTimeMs: 0,
    });
    expect(decoded).toMatchObject({
      topics: [{ topicName: 'orders', partitions: [{ partition: 0, errorCode: 0, baseOffset: '1234567890123', logAppendTime: '-1', logStartOffset: '0' }] }],
    });
  });

  it('ListOffsetsResponse v2 and OffsetFetchResponse v3', async () => {
    const offsets = await kafkajsDecodes('listOffsets', 2, messages.ListOffsetsResponse, {
      throttleTimeMs: 0,
      topics: [{ name: 't', partitions: [{ partitionIndex: 1, errorCode: 0, timestamp: -1, offset: 9_007_199_254_740_991 }] }],
    });
    expect(offsets).toMatchObject({ responses: [{ topic: 't', partitions: [{ partition: 1, errorCode: 0, timestamp: '-1', offset: '9007199254740991' }] }] });
    const fetched = await kafkajsDecodes('offsetFetch', 3, messages.OffsetFetchResponse, {
      throttleTimeMs: 0,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: -1, metadata: '', errorCode: 0 }] }],
      errorCode: 0,
    });
    expect(fetched).toMatchObject({ errorCode: 0, responses: [{ topic: 't', partitions: [{ partition: 0, offset: '-1', metadata: '', errorCode: 0 }] }] });
  });

  it('InitProducerIdResponse v1', async () => {
    const decoded = await kafkajsDecodes('initProducerId', 1, messages.InitProducerIdResponse, { throttleTimeMs: 0, errorCode: 0, producerId: 4_000_000_000, producerEpoch: 0 });
    expect(decoded).toMatchObject({ errorCode: 0, producerId: '4000000000', producerEpoch: 0 });
  });

  it('FetchResponse v4 and v11 with record batches', async () => {
    const batch = Buffer.concat([await kafkajsBatch(['one', 'two'], 1_700_000_000_000), await kafkajsBatch(['three'], 1_700_000_000_100)]);
    // kafkajs numbers the second batch from its own base offset (0): give it offset 2.
    batch.writeBigInt64BE(2n, batch.readInt32BE(8) + 12);
    for (const version of [4, 11]) {
      const decoded = await kafkajsDecodes('fetch', version, messages.FetchResponse, {
        throttleTimeMs: 0,
        errorCode: 0,
        sessionId: 0,
        responses: [
          {
            topic: 'orders',
            partitions: [
              { partitionIndex: 0, errorCode: 0, highWatermark: 3, lastStableOffset: 3, logStartOffset: 0, abortedTransactions: [], preferredReadReplica: -1, records: batch },
              { partitionIndex: 1, errorCode: 1, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1, abortedTransactions: null, preferredReadReplica: -1, records: null },
            ],
          },
        ],
      });
      const [topic] = decoded.responses as { topicName: string; partitions: { partition: number; errorCode: number; highWatermark: string; messages: { offset: string; value: Buffer }[] }[] }[];
      expect(topic!.topicName).toBe('orders');
      expect(topic!.partitions[0]!.highWatermark).toBe('3');
      expect(topic!.partitions[0]!.messages.map((message) => [message.offset, message.value.toString()])).toEqual([
        ['0', 'one'],
        ['1', 'two'],
        ['2', 'three'],
      ]);
      expect(topic!.partitions[1]).toMatchObject({ partition: 1, errorCode: 1, messages: [] });
    }
  });
});
