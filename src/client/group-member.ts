/**
 * An in-process consumer's membership in a consumer group, speaking the classic group protocol to
 * the broker's coordinator exactly as a wire client would (JoinGroup → SyncGroup → Heartbeat →
 * LeaveGroup, Kafka's "consumer" protocol bytes), so embedded and network consumers can share a
 * group. The member elected leader runs the assignor every member supports.
 */

import { BrokerError } from '../broker/broker-error.js';
import type { BrokerCore } from '../broker/broker-core.js';
import type { KafkaErrorName } from '../broker/kafka-error-codes.js';
import { assignorsByName, type Assignor, type TopicPartition } from './assignors/index.js';
import { CONSUMER_PROTOCOL_TYPE, decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from './consumer-protocol.js';

export interface GroupMemberOptions {
  groupId: string;
  clientId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  assignors: readonly Assignor[];
}

/** Join attempts per rebalance before giving up (each one waits for the coordinator). */
const MAX_JOIN_ATTEMPTS = 20;
const REJOIN_ERRORS: ReadonlySet<KafkaErrorName> = new Set(['REBALANCE_IN_PROGRESS', 'UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'MEMBER_ID_REQUIRED']);

export type HeartbeatOutcome = 'ok' | 'rejoin';

export class GroupMember {
  memberId = '';
  generationId = -1;

  constructor(
    private readonly broker: BrokerCore,
    private readonly options: GroupMemberOptions,
  ) {}

  get groupId(): string {
    return this.options.groupId;
  }

  /** Joins (or rejoins) the group and returns this member's assignment for the new generation. */
  async join(topics: readonly string[], owned: readonly TopicPartition[]): Promise<TopicPartition[]> {
    const subscription = encodeSubscription({ topics: [...topics], ownedPartitions: [...owned] });
    for (let attempt = 0; attempt < MAX_JOIN_ATTEMPTS; attempt++) {
      const joined = await this.broker.groups.joinGroup({
        groupId: this.groupId,
        memberId: this.memberId,
        sessionTimeoutMs: this.options.sessionTimeoutMs,
        rebalanceTimeoutMs: this.options.rebalanceTimeoutMs,
        protocolType: CONSUMER_PROTOCOL_TYPE,
        protocols: this.options.assignors.map((assignor) => ({ name: assignor.name, metadata: subscription })),
        requireKnownMemberId: true,
        clientId: this.options.clientId,
        clientHost: 'in-process',
      });
      if (joined.errorCode === 'MEMBER_ID_REQUIRED') {
        this.memberId = joined.memberId;
        continue;
      }
      if (this.retryAfter(joined.errorCode)) continue;
      this.memberId = joined.memberId;
      this.generationId = joined.generationId;
      const assignments = joined.leader === this.memberId ? this.assign(joined.protocolName ?? '', joined.members) : [];
      const synced = await this.broker.groups.syncGroup({
        groupId: this.groupId,
        generationId: this.generationId,
        memberId: this.memberId,
        protocolType: CONSUMER_PROTOCOL_TYPE,
        protocolName: joined.protocolName,
        assignments,
      });
      if (this.retryAfter(synced.errorCode)) continue;
      return decodeAssignment(synced.assignment);
    }
    throw new BrokerError('REBALANCE_IN_PROGRESS', `group ${this.groupId}: no stable assignment after ${MAX_JOIN_ATTEMPTS} join attempts`);
  }

  /** True when the error means "join again"; throws on any other error. */
  private retryAfter(errorCode: KafkaErrorName): boolean {
    if (errorCode === 'NONE') return false;
    if (!REJOIN_ERRORS.has(errorCode)) throw new BrokerError(errorCode, `group ${this.groupId}: the coordinator answered ${errorCode}`);
    if (errorCode === 'UNKNOWN_MEMBER_ID') this.memberId = '';
    return true;
  }

  /** The leader's job: run the chosen assignor over every member's subscription. */
  private assign(protocolName: string, members: readonly { memberId: string; metadata: Buffer }[]): { memberId: string; assignment: Buffer }[] {
    const assignor = assignorsByName.get(protocolName);
    if (assignor === undefined) throw new BrokerError('INCONSISTENT_GROUP_PROTOCOL', `group ${this.groupId} chose assignor ${protocolName}, which this consumer lacks`);
    const subscriptions = members.map((member) => ({ memberId: member.memberId, ...decodeSubscription(member.metadata) }));
    const partitionsPerTopic = new Map<string, number>();
    for (const topic of new Set(subscriptions.flatMap((subscription) => subscription.topics))) {
      if (this.broker.topics.has(topic)) partitionsPerTopic.set(topic, this.broker.topics.get(topic).partitions);
    }
    const assignment = assignor.assign({ members: subscriptions, partitionsPerTopic });
    return subscriptions.map(({ memberId }) => ({ memberId, assignment: encodeAssignment(assignment.get(memberId) ?? []) }));
  }

  async heartbeat(): Promise<HeartbeatOutcome> {
    const { errorCode } = await this.broker.groups.heartbeat({ groupId: this.groupId, generationId: this.generationId, memberId: this.memberId });
    return this.retryAfter(errorCode) ? 'rejoin' : 'ok';
  }

  /** Commits `offsets` (the next offset to read, per partition) for this generation. */
  async commit(offsets: readonly { topic: string; partition: number; offset: number }[]): Promise<void> {
    if (offsets.length === 0) return;
    const byTopic = new Map<string, { partitionIndex: number; committedOffset: number }[]>();
    for (const { topic, partition, offset } of offsets) byTopic.set(topic, [...(byTopic.get(topic) ?? []), { partitionIndex: partition, committedOffset: offset }]);
    const response = await this.broker.groups.commitOffsets({
      groupId: this.groupId,
      generationId: this.generationId,
      memberId: this.memberId,
      topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
    });
    const failed = response.topics.flatMap((topic) => topic.partitions.filter((partition) => partition.errorCode !== 'NONE').map((partition) => `${topic.name}-${partition.partitionIndex}: ${partition.errorCode}`));
    if (failed.length > 0) {
      const first = response.topics.flatMap((topic) => topic.partitions).find((partition) => partition.errorCode !== 'NONE')!;
      throw new BrokerError(first.errorCode, `group ${this.groupId}: commit refused (${failed.join(', ')})`);
    }
  }

  /** Committed offsets of `partitions` (absent when none). */
  async committed(partitions: readonly TopicPartition[]): Promise<Map<string, number>> {
    const response = await this.broker.groups.fetchOffsets({ groupId: this.groupId, partitions: [...partitions] });
    const committed = new Map<string, number>();
    for (const topic of response.topics) {
      for (const partition of topic.partitions) if (partition.committedOffset >= 0) committed.set(`${topic.name}-${partition.partitionIndex}`, partition.committedOffset);
    }
    return committed;
  }

  async leave(): Promise<void> {
    if (this.memberId === '') return;
    await this.broker.groups.leaveGroup({ groupId: this.groupId, members: [{ memberId: this.memberId, reason: 'consumer closed' }] });
    this.memberId = '';
    this.generationId = -1;
  }
}
