/**
 * LogAccess over the Kafka wire protocol (`--bootstrap host:port`): each method is one or a few
 * requests on one connection (../protocol/wire-connection.ts), at versions Strata and Apache Kafka 3.x both
 * serve. A partition- or resource-level error code becomes a BrokerError with Kafka's name and the
 * server's message, exactly as the local mode would raise it.
 */

import { BrokerError } from '../broker/broker-error.js';
import { KafkaErrorCode, type KafkaErrorName } from '../broker/kafka-error-codes.js';
import { decodeAssignment } from '../client/consumer-protocol.js';
import { CreatePartitionsRequest, CreatePartitionsResponse } from '../protocol/messages/create-partitions.js';
import { CreateTopicsRequest, CreateTopicsResponse } from '../protocol/messages/create-topics.js';
import { DeleteGroupsRequest, DeleteGroupsResponse } from '../protocol/messages/delete-groups.js';
import { DeleteTopicsRequest, DeleteTopicsResponse } from '../protocol/messages/delete-topics.js';
import { DescribeConfigsRequest, DescribeConfigsResponse } from '../protocol/messages/describe-configs.js';
import { DescribeGroupsRequest, DescribeGroupsResponse } from '../protocol/messages/describe-groups.js';
import { FetchRequest, FetchResponse } from '../protocol/messages/fetch.js';
import { IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from '../protocol/messages/incremental-alter-configs.js';
import { ListGroupsRequest, ListGroupsResponse } from '../protocol/messages/list-groups.js';
import { ListOffsetsRequest, ListOffsetsResponse } from '../protocol/messages/list-offsets.js';
import { MetadataRequest, MetadataResponse, type MetadataResponseTopic } from '../protocol/messages/metadata.js';
import { OffsetCommitRequest, OffsetCommitResponse } from '../protocol/messages/offset-commit.js';
import { OffsetFetchRequest, OffsetFetchResponse } from '../protocol/messages/offset-fetch.js';
import { ProduceRequest, ProduceResponse } from '../protocol/messages/produce.js';
import type { Acks, CommittedOffset, FetchedData, GroupDetails, LogAccess, TopicDetails, TopicSummary } from './log-access.js';
import { EARLIEST, LATEST } from './log-access.js';
import { parseAddress, WireConnection } from '../protocol/wire-connection.js';
import { usageError } from './cli-error.js';

const CLIENT_ID = 'strata-cli';
const CONNECT_TIMEOUT_MS = 10_000;
/** Admin requests; a fetch adds its own wait. */
const REQUEST_TIMEOUT_MS = 30_000;
const RESOURCE_TOPIC = 2;
/** DescribeConfigs sources (Kafka's ConfigSource). */
const SOURCE_TOPIC = 1;
const SOURCE_DEFAULT = 5;
const OP_SET = 0;
const OP_DELETE = 1;

const ERROR_NAMES = new Map<number, KafkaErrorName>(Object.entries(KafkaErrorCode).map(([name, code]) => [code, name as KafkaErrorName]));

/** Throws a BrokerError for a non-zero Kafka error code. */
function check(errorCode: number, context: string, serverMessage: string | null = null): void {
  if (errorCode === 0) return;
  const name = ERROR_NAMES.get(errorCode) ?? 'UNKNOWN_SERVER_ERROR';
  throw new BrokerError(name, serverMessage ?? `${context}: ${name}`);
}

export class RemoteLogAccess implements LogAccess {
  private constructor(private readonly client: WireConnection) {}

  static async connect(bootstrap: string): Promise<RemoteLogAccess> {
    try {
      parseAddress(bootstrap);
    } catch {
      throw usageError(`--bootstrap must be host:port, got ${JSON.stringify(bootstrap)}`, 'for example --bootstrap 127.0.0.1:9092');
    }
    return new RemoteLogAccess(await WireConnection.connect(bootstrap, { clientId: CLIENT_ID, connectTimeoutMs: CONNECT_TIMEOUT_MS, requestTimeoutMs: REQUEST_TIMEOUT_MS }));
  }

  get description(): string {
    return `server ${this.client.address}`;
  }

  private async metadata(topics: string[] | null): Promise<MetadataResponseTopic[]> {
    const response = await this.client.request({ request: MetadataRequest, response: MetadataResponse }, 9, { topics: topics?.map((name) => ({ name })) ?? null, allowAutoTopicCreation: false }, REQUEST_TIMEOUT_MS);
    return response.topics;
  }

  private async topicMetadata(topic: string): Promise<MetadataResponseTopic> {
    const [found] = await this.metadata([topic]);
    if (found === undefined) throw new BrokerError('UNKNOWN_TOPIC_OR_PARTITION', `topic ${JSON.stringify(topic)} does not exist`);
    if (found.errorCode === KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION) throw new BrokerError('UNKNOWN_TOPIC_OR_PARTITION', `topic ${JSON.stringify(topic)} does not exist`);
    check(found.errorCode, `topic ${topic}`);
    return found;
  }

  async listTopics(includeInternal: boolean): Promise<TopicSummary[]> {
    return (await this.metadata(null))
      .filter((topic) => includeInternal || !topic.isInternal)
      .map((topic) => ({ name: topic.name ?? '', partitions: topic.partitions.length, internal: topic.isInternal }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async partitionCount(topic: string): Promise<number> {
    return (await this.topicMetadata(topic)).partitions.length;
  }

  async describeTopic(topic: string): Promise<TopicDetails> {
    const found = await this.topicMetadata(topic);
    const partitions = found.partitions.map((partition) => partition.partitionIndex).sort((a, b) => a - b);
    const [starts, ends] = await Promise.all([this.listOffsets(topic, partitions, EARLIEST), this.listOffsets(topic, partitions, LATEST)]);
    const configs = await this.client.request(
      { request: DescribeConfigsRequest, response: DescribeConfigsResponse },
      1,
      { resources: [{ resourceType: RESOURCE_TOPIC, resourceName: topic, configurationKeys: null }], includeSynonyms: false },
      REQUEST_TIMEOUT_MS,
    );
    const [result] = configs.results;
    if (result !== undefined) check(result.errorCode, `describe configs of ${topic}`, result.errorMessage);
    return {
      name: topic,
      id: '',
      internal: found.isInternal,
      partitions: partitions.map((partition, index) => ({ partition, logStartOffset: starts[index]!.offset, logEndOffset: ends[index]!.offset })),
      config: (result?.configs ?? []).map((entry) => ({
        name: entry.name,
        value: entry.value ?? '',
        source: entry.configSource === SOURCE_TOPIC ? 'topic' : entry.configSource === SOURCE_DEFAULT ? 'default' : 'broker',
      })),
    };
  }

  async createTopic(topic: string, partitions: number | null, config: Record<string, string>): Promise<void> {
    const response = await this.client.request(
      { request: CreateTopicsRequest, response: CreateTopicsResponse },
      5,
      {
        topics: [{ name: topic, numPartitions: partitions ?? -1, replicationFactor: -1, assignments: [], configs: Object.entries(config).map(([name, value]) => ({ name, value })) }],
        timeoutMs: REQUEST_TIMEOUT_MS,
        validateOnly: false,
      },
      REQUEST_TIMEOUT_MS,
    );
    for (const result of response.topics) check(result.errorCode, `create topic ${topic}`, result.errorMessage);
  }

  async deleteTopic(topic: string): Promise<void> {
    const response = await this.client.request({ request: DeleteTopicsRequest, response: DeleteTopicsResponse }, 4, { topicNames: [topic], timeoutMs: REQUEST_TIMEOUT_MS }, REQUEST_TIMEOUT_MS);
    for (const result of response.responses) check(result.errorCode, `delete topic ${topic}`, result.errorMessage);
  }

  async alterTopicConfig(topic: string, set: Record<string, string>, remove: string[]): Promise<void> {
    const configs = [...Object.entries(set).map(([name, value]) => ({ name, configOperation: OP_SET, value })), ...remove.map((name) => ({ name, configOperation: OP_DELETE, value: null }))];
    const response = await this.client.request(
      { request: IncrementalAlterConfigsRequest, response: IncrementalAlterConfigsResponse },
      1,
      { resources: [{ resourceType: RESOURCE_TOPIC, resourceName: topic, configs }], validateOnly: false },
      REQUEST_TIMEOUT_MS,
    );
    for (const result of response.responses) check(result.errorCode, `alter topic ${topic}`, result.errorMessage);
  }

  async addPartitions(topic: string, totalPartitions: number): Promise<void> {
    const response = await this.client.request(
      { request: CreatePartitionsRequest, response: CreatePartitionsResponse },
      2,
      { topics: [{ name: topic, count: totalPartitions, assignments: null }], timeoutMs: REQUEST_TIMEOUT_MS, validateOnly: false },
      REQUEST_TIMEOUT_MS,
    );
    for (const result of response.results) check(result.errorCode, `add partitions to ${topic}`, result.errorMessage);
  }

  async produce(topic: string, partition: number, batch: Buffer, acks: Acks): Promise<{ baseOffset: number }> {
    const body = { transactionalId: null, acks, timeoutMs: REQUEST_TIMEOUT_MS, topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }] };
    const api = { request: ProduceRequest, response: ProduceResponse };
    if (acks === 0) {
      this.client.sendOnly(api, 8, body);
      return { baseOffset: -1 };
    }
    const response = await this.client.request(api, 8, body, REQUEST_TIMEOUT_MS);
    const result = response.responses[0]?.partitionResponses[0];
    if (result === undefined) throw new BrokerError('UNKNOWN_SERVER_ERROR', `the server did not answer for ${topic}-${partition}`);
    check(result.errorCode, `produce to ${topic}-${partition}`, result.errorMessage);
    return { baseOffset: result.baseOffset };
  }

  async fetch(topic: string, partition: number, offset: number, maxBytes: number, maxWaitMs: number): Promise<FetchedData> {
    const response = await this.client.request(
      { request: FetchRequest, response: FetchResponse },
      11,
      {
        replicaId: -1,
        maxWaitMs,
        minBytes: 1,
        maxBytes,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [{ topic, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: offset, logStartOffset: -1, partitionMaxBytes: maxBytes }] }],
        forgottenTopicsData: [],
        rackId: '',
      },
      REQUEST_TIMEOUT_MS + maxWaitMs,
    );
    check(response.errorCode, `fetch ${topic}-${partition}`);
    const data = response.responses[0]?.partitions[0];
    if (data === undefined) throw new BrokerError('UNKNOWN_SERVER_ERROR', `the server did not answer for ${topic}-${partition}`);
    check(data.errorCode, `fetch ${topic}-${partition} at offset ${offset}`);
    return { records: data.records ?? Buffer.alloc(0), highWatermark: data.highWatermark, logStartOffset: data.logStartOffset };
  }

  private async listOffsets(topic: string, partitions: number[], timestamp: number): Promise<{ offset: number; timestamp: number }[]> {
    const response = await this.client.request(
      { request: ListOffsetsRequest, response: ListOffsetsResponse },
      5,
      { replicaId: -1, isolationLevel: 0, topics: [{ name: topic, partitions: partitions.map((partitionIndex) => ({ partitionIndex, currentLeaderEpoch: -1, timestamp })) }] },
      REQUEST_TIMEOUT_MS,
    );
    const answers = new Map((response.topics[0]?.partitions ?? []).map((answer) => [answer.partitionIndex, answer]));
    return partitions.map((partition) => {
      const answer = answers.get(partition);
      if (answer === undefined) throw new BrokerError('UNKNOWN_SERVER_ERROR', `the server did not answer for ${topic}-${partition}`);
      check(answer.errorCode, `list offsets of ${topic}-${partition}`);
      return { offset: answer.offset, timestamp: answer.timestamp };
    });
  }

  async listOffset(topic: string, partition: number, timestamp: number): Promise<{ offset: number; timestamp: number }> {
    return (await this.listOffsets(topic, [partition], timestamp))[0]!;
  }

  async listGroups(): Promise<{ groupId: string; state: string }[]> {
    const response = await this.client.request({ request: ListGroupsRequest, response: ListGroupsResponse }, 4, { statesFilter: [] }, REQUEST_TIMEOUT_MS);
    check(response.errorCode, 'list groups');
    return response.groups.map((group) => ({ groupId: group.groupId, state: group.groupState })).sort((a, b) => a.groupId.localeCompare(b.groupId));
  }

  async describeGroup(groupId: string): Promise<GroupDetails> {
    const response = await this.client.request({ request: DescribeGroupsRequest, response: DescribeGroupsResponse }, 5, { groups: [groupId], includeAuthorizedOperations: false }, REQUEST_TIMEOUT_MS);
    const group = response.groups[0];
    if (group === undefined) throw new BrokerError('GROUP_ID_NOT_FOUND', `group ${groupId} not found`);
    check(group.errorCode, `describe group ${groupId}`);
    return {
      groupId,
      state: group.groupState,
      protocol: group.protocolData,
      members: group.members.map((member) => ({
        memberId: member.memberId,
        clientId: member.clientId,
        clientHost: member.clientHost,
        assignment: member.memberAssignment.length > 0 ? decodeAssignment(member.memberAssignment) : [],
      })),
    };
  }

  async committedOffsets(groupId: string): Promise<CommittedOffset[]> {
    const response = await this.client.request({ request: OffsetFetchRequest, response: OffsetFetchResponse }, 7, { groupId, topics: null, requireStable: false }, REQUEST_TIMEOUT_MS);
    check(response.errorCode, `fetch offsets of group ${groupId}`);
    return response.topics.flatMap((topic) =>
      topic.partitions.filter((partition) => partition.committedOffset >= 0).map((partition) => ({ topic: topic.name, partition: partition.partitionIndex, offset: partition.committedOffset })),
    );
  }

  async commitOffsets(groupId: string, topic: string, offsets: readonly { partition: number; offset: number }[]): Promise<void> {
    const response = await this.client.request(
      { request: OffsetCommitRequest, response: OffsetCommitResponse },
      8,
      {
        groupId,
        generationIdOrMemberEpoch: -1,
        memberId: '',
        groupInstanceId: null,
        topics: [{ name: topic, partitions: offsets.map(({ partition, offset }) => ({ partitionIndex: partition, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: null })) }],
      },
      REQUEST_TIMEOUT_MS,
    );
    for (const result of response.topics.flatMap((entry) => entry.partitions)) check(result.errorCode, `commit offsets for group ${groupId}`);
  }

  async deleteGroup(groupId: string): Promise<void> {
    const response = await this.client.request({ request: DeleteGroupsRequest, response: DeleteGroupsResponse }, 2, { groupsNames: [groupId] }, REQUEST_TIMEOUT_MS);
    for (const result of response.results) check(result.errorCode, `delete group ${groupId}`);
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
