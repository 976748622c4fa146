/**
 * LogAccess directly on a data directory (`--data-dir`): opens it with the embedded broker, which
 * recovers it if needed and takes its lock, so a directory a running `strata serve` holds is
 * refused at once with one line. A missing directory is an error, not silently created.
 */

import { existsSync, statSync } from 'node:fs';
import { BrokerError } from '../broker/broker-error.js';
import type { KafkaErrorName } from '../broker/kafka-error-codes.js';
import { isInternalTopic } from '../broker/topic-name.js';
import { Broker } from '../client/broker.js';
import { decodeAssignment } from '../client/consumer-protocol.js';
import { CliError } from './cli-error.js';
import type { Acks, CommittedOffset, FetchedData, GroupDetails, LogAccess, TopicDetails, TopicSummary } from './log-access.js';

export class LocalLogAccess implements LogAccess {
  private constructor(
    private readonly broker: Broker,
    readonly description: string,
  ) {}

  static async open(dataDir: string): Promise<LocalLogAccess> {
    if (!existsSync(dataDir)) throw new CliError(`data directory ${dataDir} does not exist`, 'check the path; `strata serve --data-dir DIR` starts a new one (or mkdir it)');
    if (!statSync(dataDir).isDirectory()) throw new CliError(`${dataDir} is not a directory`, 'give the data directory, not a file in it');
    return new LocalLogAccess(await Broker.open({ dataDir }), `data directory ${dataDir}`);
  }

  private get core() {
    return this.broker.core;
  }

  async listTopics(includeInternal: boolean): Promise<TopicSummary[]> {
    return this.core.topics
      .list()
      .filter((topic) => includeInternal || !isInternalTopic(topic.name))
      .map((topic) => ({ name: topic.name, partitions: topic.partitions, internal: isInternalTopic(topic.name) }));
  }

  async partitionCount(topic: string): Promise<number> {
    return this.core.topics.get(topic).partitions;
  }

  async describeTopic(topic: string): Promise<TopicDetails> {
    const description = await this.broker.admin.describeTopic(topic);
    return {
      name: description.name,
      id: description.id,
      internal: description.internal,
      partitions: description.partitions.map(({ partition, logStartOffset, logEndOffset }) => ({ partition, logStartOffset, logEndOffset })),
      config: description.config.map(({ name, value, source }) => ({ name, value, source })),
    };
  }

  async createTopic(topic: string, partitions: number | null, config: Record<string, string>): Promise<void> {
    await this.broker.admin.createTopic(topic, { ...(partitions === null ? {} : { partitions }), config });
  }

  async deleteTopic(topic: string): Promise<void> {
    await this.broker.admin.deleteTopic(topic);
  }

  async alterTopicConfig(topic: string, set: Record<string, string>, remove: string[]): Promise<void> {
    await this.broker.admin.alterTopicConfig(topic, { set, remove });
  }

  async addPartitions(topic: string, totalPartitions: number): Promise<void> {
    await this.broker.admin.addPartitions(topic, totalPartitions);
  }

  async produce(topic: string, partition: number, batch: Buffer, acks: Acks): Promise<{ baseOffset: number }> {
    const result = await this.core.produce(topic, partition, batch, acks);
    return { baseOffset: acks === 0 ? -1 : result.baseOffset };
  }

  async fetch(topic: string, partition: number, offset: number, maxBytes: number, maxWaitMs: number): Promise<FetchedData> {
    await this.core.waitForData([{ topic, partition, offset }], maxWaitMs);
    const { records, highWatermark, logStartOffset } = await this.core.fetch(topic, partition, offset, maxBytes);
    return { records, highWatermark, logStartOffset };
  }

  listOffset(topic: string, partition: number, timestamp: number): Promise<{ offset: number; timestamp: number }> {
    return this.core.listOffset(topic, partition, timestamp);
  }

  async listGroups(): Promise<{ groupId: string; state: string }[]> {
    return this.broker.admin.listGroups();
  }

  async describeGroup(groupId: string): Promise<GroupDetails> {
    const [group] = (await this.core.groups.describeGroups([groupId])).groups;
    if (group === undefined || group.errorCode !== 'NONE') throw new BrokerError((group?.errorCode ?? 'GROUP_ID_NOT_FOUND') as KafkaErrorName, `group ${groupId}: ${group?.errorCode ?? 'not found'}`);
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
    const response = await this.core.groups.fetchOffsets({ groupId, partitions: null });
    return response.topics.flatMap((topic) =>
      topic.partitions.filter((partition) => partition.committedOffset >= 0).map((partition) => ({ topic: topic.name, partition: partition.partitionIndex, offset: partition.committedOffset })),
    );
  }

  async commitOffsets(groupId: string, topic: string, offsets: readonly { partition: number; offset: number }[]): Promise<void> {
    const response = await this.core.groups.commitOffsets({
      groupId,
      generationId: -1,
      memberId: '',
      topics: [{ name: topic, partitions: offsets.map(({ partition, offset }) => ({ partitionIndex: partition, committedOffset: offset })) }],
    });
    const refused = response.topics.flatMap((entry) => entry.partitions).find((partition) => partition.errorCode !== 'NONE');
    if (refused !== undefined) throw new BrokerError(refused.errorCode as KafkaErrorName, `cannot commit offsets for group ${groupId}: ${refused.errorCode}`);
  }

  async deleteGroup(groupId: string): Promise<void> {
    await this.broker.admin.deleteGroup(groupId);
  }

  async close(): Promise<void> {
    await this.broker.close();
  }
}
