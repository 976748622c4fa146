/**
 * The in-process admin client: topics, records and consumer groups, over the same broker the wire
 * protocol serves (so what it does, a Kafka admin client can do too).
 */

import type { BrokerCore } from '../broker/broker-core.js';
import { BrokerError } from '../broker/broker-error.js';
import type { ConfigValue } from '../broker/config-values.js';
import type { TopicMetadata } from '../broker/metadata-store.js';
import { isInternalTopic } from '../broker/topic-name.js';
import type { CreateTopicOptions, TopicDescription } from '../broker/topic-registry.js';
import type { TopicPartition } from './assignors/index.js';
import { decodeAssignment } from './consumer-protocol.js';
import type { StartFrom } from './consumer.js';

export interface GroupPartitionLag {
  topic: string;
  partition: number;
  /** -1 when nothing is committed. */
  committedOffset: number;
  endOffset: number;
  /** endOffset - committedOffset (the whole partition from its start when nothing is committed). */
  lag: number;
}

export interface GroupDescription {
  groupId: string;
  state: string;
  protocol: string;
  members: { memberId: string; clientId: string; clientHost: string; assignment: TopicPartition[] }[];
  offsets: GroupPartitionLag[];
}

export class Admin {
  constructor(private readonly broker: BrokerCore) {}

  createTopic(name: string, options: CreateTopicOptions = {}): Promise<TopicMetadata> {
    return this.broker.topics.create(name, options);
  }

  deleteTopic(name: string): Promise<void> {
    return this.broker.topics.delete(name);
  }

  /** Topic names; internal ones (`__consumer_offsets`) only when asked. */
  listTopics(options: { includeInternal?: boolean } = {}): string[] {
    return this.broker.topics
      .list()
      .map((topic) => topic.name)
      .filter((name) => options.includeInternal === true || !isInternalTopic(name));
  }

  describeTopic(name: string): Promise<TopicDescription> {
    return this.broker.topics.describe(name);
  }

  alterTopicConfig(name: string, change: { set?: Record<string, ConfigValue>; remove?: string[] }): Promise<TopicMetadata> {
    return this.broker.topics.alterConfig(name, change);
  }

  addPartitions(name: string, totalPartitions: number): Promise<TopicMetadata> {
    return this.broker.topics.addPartitions(name, totalPartitions);
  }

  /** Makes records before `offset` unreadable (Kafka DeleteRecords); returns the new log start. */
  deleteRecords(topic: string, partition: number, beforeOffset: number): Promise<number> {
    return this.broker.topics.partition(topic, partition).deleteRecordsBefore(beforeOffset);
  }

  /** Earliest, latest, or the first offset at or after a timestamp, per partition. */
  async listOffsets(topic: string, at: 'earliest' | 'latest' | { timestamp: number }): Promise<{ partition: number; offset: number; timestamp: number }[]> {
    const timestamp = at === 'earliest' ? -2 : at === 'latest' ? -1 : at.timestamp;
    const partitions = this.broker.topics.get(topic).partitions;
    return Promise.all(Array.from({ length: partitions }, async (_, partition) => ({ partition, ...(await this.broker.listOffset(topic, partition, timestamp)) })));
  }

  async listGroups(): Promise<{ groupId: string; state: string }[]> {
    const { groups } = await this.broker.groups.listGroups();
    return groups.map((group) => ({ groupId: group.groupId, state: group.groupState })).sort((a, b) => a.groupId.localeCompare(b.groupId));
  }

  /** State, members with their assignment, and per partition the committed offset, end offset and lag. */
  async describeGroup(groupId: string): Promise<GroupDescription> {
    const [described] = (await this.broker.groups.describeGroups([groupId])).groups;
    if (described === undefined || described.errorCode !== 'NONE') throw new BrokerError(described?.errorCode ?? 'GROUP_ID_NOT_FOUND', `group ${groupId}: ${described?.errorCode ?? 'not found'}`);
    const members = described.members.map((member) => ({
      memberId: member.memberId,
      clientId: member.clientId,
      clientHost: member.clientHost,
      assignment: member.memberAssignment.length > 0 ? decodeAssignment(member.memberAssignment) : [],
    }));
    // Every partition with a commit or an owner, committed -1 where nothing is committed yet.
    const committed = new Map<string, { topic: string; partition: number; offset: number }>();
    for (const member of members) for (const { topic, partition } of member.assignment) committed.set(`${topic}-${partition}`, { topic, partition, offset: -1 });
    for (const topic of (await this.broker.groups.fetchOffsets({ groupId, partitions: null })).topics) {
      for (const partition of topic.partitions) committed.set(`${topic.name}-${partition.partitionIndex}`, { topic: topic.name, partition: partition.partitionIndex, offset: partition.committedOffset });
    }
    const offsets = [...committed.values()]
      .filter(({ topic, partition }) => this.broker.topics.has(topic) && partition < this.broker.topics.get(topic).partitions)
      .map(({ topic, partition, offset }) => this.lagOf(topic, partition, offset))
      .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    return { groupId, state: described.groupState, protocol: described.protocolData, members, offsets };
  }

  private lagOf(topic: string, partition: number, committedOffset: number): GroupPartitionLag {
    const log = this.broker.topics.partition(topic, partition);
    const from = committedOffset >= 0 ? committedOffset : log.logStartOffset;
    return { topic, partition, committedOffset, endOffset: log.logEndOffset, lag: Math.max(0, log.logEndOffset - from) };
  }

  /**
   * Moves a group's committed offsets for every partition of `topic` (the group must have no active
   * members: Kafka refuses otherwise). Returns the new offsets.
   */
  async resetGroupOffsets(groupId: string, topic: string, to: StartFrom): Promise<{ partition: number; offset: number }[]> {
    const partitions = this.broker.topics.get(topic).partitions;
    const targets = await Promise.all(Array.from({ length: partitions }, async (_, partition) => ({ partition, offset: await this.targetOffset(topic, partition, to) })));
    const response = await this.broker.groups.commitOffsets({
      groupId,
      generationId: -1,
      memberId: '',
      topics: [{ name: topic, partitions: targets.map(({ partition, offset }) => ({ partitionIndex: partition, committedOffset: offset })) }],
    });
    const refused = response.topics.flatMap((entry) => entry.partitions).find((partition) => partition.errorCode !== 'NONE');
    if (refused !== undefined) throw new BrokerError(refused.errorCode, `cannot reset offsets of group ${groupId}: ${refused.errorCode} (stop its consumers first)`);
    return targets;
  }

  private async targetOffset(topic: string, partition: number, to: StartFrom): Promise<number> {
    if (typeof to === 'object' && 'offset' in to) return to.offset;
    const timestamp = to === 'earliest' ? -2 : to === 'latest' ? -1 : to.timestamp;
    const found = await this.broker.listOffset(topic, partition, timestamp);
    return found.offset >= 0 ? found.offset : (await this.broker.listOffset(topic, partition, -1)).offset;
  }

  /** Deletes groups with no active members, and their committed offsets. */
  async deleteGroup(groupId: string): Promise<void> {
    const [result] = (await this.broker.groups.deleteGroups([groupId])).results;
    if (result !== undefined && result.errorCode !== 'NONE') throw new BrokerError(result.errorCode, `cannot delete group ${groupId}: ${result.errorCode}`);
  }
}
