/**
 * The broker's group coordinator for Kafka's classic group protocol (Kafka's GroupCoordinator /
 * GroupMetadataManager for classic groups, and its OffsetMetadataManager), serving in-process
 * consumers and wire clients alike: requests and responses mirror the wire APIs (./group-api.ts).
 *
 * - Membership: JoinGroup parks each member until every known member has rejoined (or the
 *   rebalance timeout passes, which drops dynamic members that did not rejoin); the group then
 *   moves to the next generation, picks the protocol by vote, and answers every member — the
 *   leader with everyone's metadata. SyncGroup parks followers until the leader sends the
 *   assignment, which is relayed as is. Heartbeats keep sessions alive and tell members to
 *   rejoin (REBALANCE_IN_PROGRESS) while a rebalance is under way. A group that was Empty waits
 *   `initialRebalanceDelayMs` (extended while members keep arriving, up to the rebalance timeout)
 *   so that members starting together land in one generation.
 * - Offsets: commits are validated against the group (generation, member, state), written through
 *   the OffsetStore one batch at a time, and applied in memory only once durable.
 * - Time: everything reads `nowMs()`; nothing schedules a timer. Deadlines (session expiry,
 *   rebalance timeout, initial delay, missing SyncGroup, MEMBER_ID_REQUIRED expiry) fire from
 *   `tick()`, which the broker calls periodically, and before and after every request to the group
 *   they concern, so a request never sees a deadline that has passed.
 * - Limits: at most `maxGroupSize` members and as many MEMBER_ID_REQUIRED ids per group, one
 *   parked JoinGroup and one parked SyncGroup per member, `maxPendingOffsetWrites` commits in
 *   flight. Group invariants are asserted after every request (Group.checkInvariants).
 *
 * Only committed offsets are persisted: group membership and generations live in memory, so after
 * a restart groups come back Empty (with their offsets) and members rejoin — their old member ids
 * get UNKNOWN_MEMBER_ID, which every client handles by rejoining.
 */

import { randomUUID } from 'node:crypto';
import { BrokerError, toBrokerError } from '../broker-error.js';
import type { KafkaErrorName } from '../kafka-error-codes.js';
import {
  joinGroupError,
  syncGroupError,
  type DeletableGroupResult,
  type DeleteGroupsResponse,
  type DescribedGroup,
  type DescribeGroupsResponse,
  type GroupProtocol,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type JoinGroupRequest,
  type JoinGroupResponse,
  type LeaveGroupMemberResponse,
  type LeaveGroupRequest,
  type LeaveGroupResponse,
  type ListGroupsResponse,
  type OffsetCommitRequest,
  type OffsetCommitResponse,
  type OffsetFetchRequest,
  type OffsetFetchResponse,
  type OffsetFetchResponsePartition,
  type OffsetFetchResponseTopic,
  type SyncGroupRequest,
  type SyncGroupResponse,
} from './group-api.js';
import { EMPTY_ASSIGNMENT, Group, GroupMember, type GroupState, type JoinCallback, type SyncCallback } from './group.js';
import type { OffsetEntry, OffsetStore } from './offset-store.js';

export interface GroupCoordinatorOptions {
  offsetStore: OffsetStore;
  /** The clock (ms). Default Date.now. */
  nowMs?: () => number;
  /** group.initial.rebalance.delay.ms (Kafka default 3000). */
  initialRebalanceDelayMs?: number;
  /** group.min.session.timeout.ms (Kafka default 6000). */
  minSessionTimeoutMs?: number;
  /** group.max.session.timeout.ms (Kafka default 1800000). */
  maxSessionTimeoutMs?: number;
  /** group.max.size (Kafka default unbounded; here 1000). Also bounds MEMBER_ID_REQUIRED ids per group. */
  maxGroupSize?: number;
  /** How long a new member's first JoinGroup may stay parked (Kafka: 5 minutes). */
  newMemberJoinTimeoutMs?: number;
  /** offset.metadata.max.bytes (Kafka default 4096; like Kafka, counted in string characters): longer commit metadata gets OFFSET_METADATA_TOO_LARGE. */
  offsetMetadataMaxBytes?: number;
  /** An Empty group without offsets is forgotten this long after it became Empty (Kafka: next offsets.retention.check.interval.ms run, 10 min). */
  emptyGroupExpiryMs?: number;
  /** Offset commits waiting for the store beyond this get COORDINATOR_NOT_AVAILABLE (retriable). Default 10000. */
  maxPendingOffsetWrites?: number;
  /** Whether a partition exists; commits to others get UNKNOWN_TOPIC_OR_PARTITION (Kafka checks its metadata cache). Default: all exist. */
  partitionExists?: (topic: string, partition: number) => boolean;
  /** Called when a rebalance completes its join phase and a new generation starts (for logs and metrics). */
  onRebalance?: (rebalance: { groupId: string; generationId: number; protocol: string | null; memberCount: number }) => void;
}

/** A read-only view of one group, for the broker's tools and for tests (not a wire API). */
export interface GroupSnapshot {
  groupId: string;
  state: GroupState;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leaderId: string | null;
  members: MemberSnapshot[];
  /** Member ids handed out with MEMBER_ID_REQUIRED that have not joined yet. */
  pendingMemberIds: string[];
  committedOffsetCount: number;
}

export interface MemberSnapshot {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  assignment: Buffer;
  awaitingJoin: boolean;
  awaitingSync: boolean;
  heartbeatDeadlineMs: number;
}

interface Settings {
  initialRebalanceDelayMs: number;
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  maxGroupSize: number;
  newMemberJoinTimeoutMs: number;
  offsetMetadataMaxBytes: number;
  emptyGroupExpiryMs: number;
  maxPendingOffsetWrites: number;
}

const DEFAULT_SETTINGS: Settings = {
  initialRebalanceDelayMs: 3000,
  minSessionTimeoutMs: 6000,
  maxSessionTimeoutMs: 1_800_000,
  maxGroupSize: 1000,
  newMemberJoinTimeoutMs: 300_000,
  offsetMetadataMaxBytes: 4096,
  emptyGroupExpiryMs: 600_000,
  maxPendingOffsetWrites: 10_000,
};

/** A validated JoinGroup request. */
interface JoinParams {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: GroupProtocol[];
  protocolNames: string[];
  requireKnownMemberId: boolean;
  clientId: string;
  clientHost: string;
}

export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  private readonly store: OffsetStore;
  private readonly now: () => number;
  private readonly settings: Settings;
  private readonly partitionExists: (topic: string, partition: number) => boolean;
  private readonly onRebalance: NonNullable<GroupCoordinatorOptions['onRebalance']>;
  private closed = false;
  /** Offset-store writes run one at a time, in request order. */
  private writeTail: Promise<unknown> = Promise.resolve();
  private pendingOffsetWrites = 0;

  private constructor(options: GroupCoordinatorOptions, settings: Settings) {
    this.store = options.offsetStore;
    this.now = options.nowMs ?? Date.now;
    this.settings = settings;
    this.partitionExists = options.partitionExists ?? (() => true);
    this.onRebalance = options.onRebalance ?? (() => undefined);
  }

  /** Opens the coordinator and loads the committed offsets from the store. */
  static async open(options: GroupCoordinatorOptions): Promise<GroupCoordinator> {
    const settings = resolveSettings(options);
    const coordinator = new GroupCoordinator(options, settings);
    coordinator.replay(await options.offsetStore.load());
    return coordinator;
  }

  // JoinGroup ----------------------------------------------------------------------------------

  /** Resolves when the member's join completes: a new generation, an error, or MEMBER_ID_REQUIRED. */
  joinGroup(request: JoinGroupRequest): Promise<JoinGroupResponse> {
    const memberId = typeof request.memberId === 'string' ? request.memberId : '';
    if (this.closed) return Promise.resolve(joinGroupError(memberId, 'COORDINATOR_NOT_AVAILABLE'));
    if (!isNonEmptyString(request.groupId)) return Promise.resolve(joinGroupError(memberId, 'INVALID_GROUP_ID'));
    const { sessionTimeoutMs } = request;
    if (!Number.isSafeInteger(sessionTimeoutMs) || sessionTimeoutMs < this.settings.minSessionTimeoutMs || sessionTimeoutMs > this.settings.maxSessionTimeoutMs) {
      return Promise.resolve(joinGroupError(memberId, 'INVALID_SESSION_TIMEOUT'));
    }
    const params = parseJoin(request, memberId);
    if (params === null) return Promise.resolve(joinGroupError(memberId, 'INVALID_REQUEST'));

    return new Promise<JoinGroupResponse>((resolve) => {
      let group = this.groups.get(params.groupId);
      if (group !== undefined) this.runTimers(group);
      const isUnknownMember = params.memberId === '';
      if (group === undefined) {
        // Only a member without an id creates a group; a known id for an unknown group is stale.
        if (!isUnknownMember) return resolve(joinGroupError(params.memberId, 'UNKNOWN_MEMBER_ID'));
        group = new Group(params.groupId, this.now());
        this.groups.set(params.groupId, group);
      }

      if (!this.acceptJoiningMember(group, params.memberId)) {
        if (group.has(params.memberId)) {
          this.dropMember(group, group.member(params.memberId));
          this.maybeCompleteJoinPhase(group);
        }
        resolve(joinGroupError('', 'GROUP_MAX_SIZE_REACHED'));
      } else if (isUnknownMember) {
        this.joinNewMember(group, params, resolve);
      } else {
        this.joinExistingMember(group, params, resolve);
      }
      this.runTimers(group);
      group.checkInvariants();
    });
  }

  // SyncGroup ----------------------------------------------------------------------------------

  /** Resolves with the member's assignment once the leader has sent it (at once when Stable). */
  syncGroup(request: SyncGroupRequest): Promise<SyncGroupResponse> {
    if (this.closed) return Promise.resolve(syncGroupError('COORDINATOR_NOT_AVAILABLE'));
    if (!isNonEmptyString(request.groupId)) return Promise.resolve(syncGroupError('INVALID_GROUP_ID'));
    if (typeof request.memberId !== 'string' || !Number.isSafeInteger(request.generationId) || !validAssignments(request.assignments)) {
      return Promise.resolve(syncGroupError('INVALID_REQUEST'));
    }
    return new Promise<SyncGroupResponse>((resolve) => {
      const group = this.groups.get(request.groupId);
      if (group === undefined) return resolve(syncGroupError('UNKNOWN_MEMBER_ID'));
      this.runTimers(group);
      this.doSyncGroup(group, request, resolve);
      this.runTimers(group);
      group.checkInvariants();
    });
  }

  private doSyncGroup(group: Group, request: SyncGroupRequest, resolve: SyncCallback): void {
    const { memberId, generationId } = request;
    const groupInstanceId = request.groupInstanceId ?? null;
    if (group.is('Empty')) return resolve(syncGroupError('UNKNOWN_MEMBER_ID'));
    if (group.is('Dead')) return resolve(syncGroupError('COORDINATOR_NOT_AVAILABLE'));
    const memberError = group.validateMember(memberId, groupInstanceId);
    if (memberError !== null) return resolve(syncGroupError(memberError));
    if (generationId !== group.generationId) return resolve(syncGroupError('ILLEGAL_GENERATION'));
    if (isInconsistent(request.protocolType, group.protocolType) || isInconsistent(request.protocolName, group.protocolName)) {
      return resolve(syncGroupError('INCONSISTENT_GROUP_PROTOCOL'));
    }

    switch (group.state) {
      case 'PreparingRebalance':
        return resolve(syncGroupError('REBALANCE_IN_PROGRESS'));
      case 'CompletingRebalance': {
        const member = group.member(memberId);
        group.awaitSync(member, resolve);
        group.pendingSyncMembers.delete(memberId);
        if (group.isLeader(memberId)) {
          // The leader's assignment is the generation's: members it left out get an empty one.
          const assignment = new Map<string, Buffer>();
          for (const entry of request.assignments) assignment.set(entry.memberId, entry.assignment);
          for (const each of group.members.values()) each.assignment = assignment.get(each.memberId) ?? EMPTY_ASSIGNMENT;
          this.propagateAssignment(group, 'NONE');
          group.transitionTo('Stable', this.now());
        }
        return;
      }
      case 'Stable': {
        group.pendingSyncMembers.delete(memberId);
        const member = group.member(memberId);
        return resolve({ errorCode: 'NONE', protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment });
      }
      default:
        throw new Error(`unexpected state ${group.state} of group ${group.groupId} in SyncGroup`);
    }
  }

  // Heartbeat ----------------------------------------------------------------------------------

  heartbeat(request: HeartbeatRequest): HeartbeatResponse {
    if (this.closed) return { errorCode: 'COORDINATOR_NOT_AVAILABLE' };
    if (!isNonEmptyString(request.groupId)) return { errorCode: 'INVALID_GROUP_ID' };
    const group = this.groups.get(request.groupId);
    if (group === undefined) return { errorCode: 'UNKNOWN_MEMBER_ID' };
    this.runTimers(group);
    const errorCode = this.doHeartbeat(group, request);
    group.checkInvariants();
    return { errorCode };
  }

  private doHeartbeat(group: Group, request: HeartbeatRequest): KafkaErrorName {
    if (group.is('Dead')) return 'COORDINATOR_NOT_AVAILABLE';
    const memberError = group.validateMember(request.memberId, request.groupInstanceId ?? null);
    if (memberError !== null) return memberError;
    if (request.generationId !== group.generationId) return 'ILLEGAL_GENERATION';
    const member = group.member(request.memberId);
    switch (group.state) {
      case 'Empty':
      case 'Dead':
        return 'UNKNOWN_MEMBER_ID';
      case 'PreparingRebalance':
        this.rescheduleHeartbeat(member);
        return 'REBALANCE_IN_PROGRESS';
      case 'CompletingRebalance':
      case 'Stable':
        // Members may heartbeat between their JoinGroup and SyncGroup answers: a normal heartbeat.
        this.rescheduleHeartbeat(member);
        return 'NONE';
    }
  }

  // LeaveGroup ---------------------------------------------------------------------------------

  /** LeaveGroup v3+: a batch of members, each by member id and/or group instance id. */
  leaveGroup(request: LeaveGroupRequest): LeaveGroupResponse {
    if (this.closed) return { errorCode: 'COORDINATOR_NOT_AVAILABLE', members: [] };
    if (!isNonEmptyString(request.groupId)) return { errorCode: 'INVALID_GROUP_ID', members: [] };
    if (!Array.isArray(request.members)) return { errorCode: 'INVALID_REQUEST', members: [] };
    const group = this.groups.get(request.groupId);
    const answer = (memberId: string, groupInstanceId: string | null, errorCode: KafkaErrorName): LeaveGroupMemberResponse => ({ memberId, groupInstanceId, errorCode });
    if (group === undefined) {
      return { errorCode: 'NONE', members: request.members.map((each) => answer(each.memberId, each.groupInstanceId ?? null, 'UNKNOWN_MEMBER_ID')) };
    }
    this.runTimers(group);
    if (group.is('Dead')) return { errorCode: 'COORDINATOR_NOT_AVAILABLE', members: [] };

    const members = request.members.map((leaving) => {
      const memberId = typeof leaving.memberId === 'string' ? leaving.memberId : '';
      const groupInstanceId = leaving.groupInstanceId ?? null;
      if (memberId !== '' && group.isStaticMemberFenced(groupInstanceId, memberId)) return answer(memberId, groupInstanceId, 'FENCED_INSTANCE_ID');
      if (group.isPendingMember(memberId)) {
        this.removePendingMember(group, memberId);
        return answer(memberId, groupInstanceId, 'NONE');
      }
      const staticMemberId = groupInstanceId === null ? undefined : group.staticMemberId(groupInstanceId);
      const target = staticMemberId ?? memberId;
      if (!group.has(target)) return answer(memberId, groupInstanceId, 'UNKNOWN_MEMBER_ID');
      this.removeMemberAndUpdateGroup(group, group.member(target));
      return answer(memberId, groupInstanceId, 'NONE');
    });
    this.runTimers(group);
    group.checkInvariants();
    return { errorCode: 'NONE', members };
  }

  // OffsetCommit -------------------------------------------------------------------------------

  /** Resolves once the accepted offsets are durable (or failed). */
  async commitOffsets(request: OffsetCommitRequest): Promise<OffsetCommitResponse> {
    const topics = Array.isArray(request.topics) ? request.topics : [];
    const response: OffsetCommitResponse = {
      topics: topics.map((topic) => ({
        name: topic.name,
        partitions: (Array.isArray(topic.partitions) ? topic.partitions : []).map((partition) => ({ partitionIndex: partition.partitionIndex, errorCode: 'NONE' as KafkaErrorName })),
      })),
    };
    const failAll = (errorCode: KafkaErrorName): OffsetCommitResponse => {
      for (const topic of response.topics) for (const partition of topic.partitions) partition.errorCode = errorCode;
      return response;
    };
    if (this.closed) return failAll('COORDINATOR_NOT_AVAILABLE');
    if (typeof request.groupId !== 'string') return failAll('INVALID_GROUP_ID');
    if (!Number.isSafeInteger(request.generationId) || typeof request.memberId !== 'string') return failAll('INVALID_REQUEST');

    let group = this.groups.get(request.groupId);
    if (group !== undefined) this.runTimers(group);
    if (group === undefined) {
      // Only a commit outside group management (-1) may create a (simple) group; a generation
      // for an unknown group is stale (OffsetCommit < v9 answers ILLEGAL_GENERATION).
      if (request.generationId >= 0) return failAll('ILLEGAL_GENERATION');
      group = new Group(request.groupId, this.now());
      this.groups.set(request.groupId, group);
    }
    const groupError = this.validateOffsetCommit(group, request);
    if (groupError !== null) return failAll(groupError);
    if ((group.is('Stable') || group.is('PreparingRebalance')) && group.has(request.memberId)) {
      // A commit from a member keeps its session alive, like a heartbeat.
      this.rescheduleHeartbeat(group.member(request.memberId));
    }

    const now = this.now();
    const entries: OffsetEntry[] = [];
    const accepted: { errorCode: KafkaErrorName }[] = [];
    topics.forEach((topic, topicIndex) => {
      const partitionsOut = response.topics[topicIndex]?.partitions ?? [];
      (Array.isArray(topic.partitions) ? topic.partitions : []).forEach((partition, partitionIndex) => {
        const out = partitionsOut[partitionIndex];
        if (out === undefined) return;
        const metadata = partition.committedMetadata ?? '';
        if (typeof metadata !== 'string' || typeof topic.name !== 'string' || !Number.isSafeInteger(partition.partitionIndex) || !Number.isSafeInteger(partition.committedOffset)) {
          out.errorCode = 'INVALID_REQUEST';
        } else if (metadata.length > this.settings.offsetMetadataMaxBytes) {
          out.errorCode = 'OFFSET_METADATA_TOO_LARGE';
        } else if (!this.partitionExists(topic.name, partition.partitionIndex)) {
          out.errorCode = 'UNKNOWN_TOPIC_OR_PARTITION';
        } else {
          const leaderEpoch = partition.committedLeaderEpoch;
          entries.push({
            groupId: group.groupId,
            topic: topic.name,
            partition: partition.partitionIndex,
            committed: { offset: partition.committedOffset, leaderEpoch: Number.isSafeInteger(leaderEpoch) ? (leaderEpoch as number) : -1, metadata, commitTimestampMs: now },
          });
          accepted.push(out);
        }
      });
    });
    group.checkInvariants();
    if (entries.length === 0) return response;
    if (this.pendingOffsetWrites >= this.settings.maxPendingOffsetWrites) {
      for (const out of accepted) out.errorCode = 'COORDINATOR_NOT_AVAILABLE';
      return response;
    }

    const target = group;
    target.pendingWrites++;
    this.pendingOffsetWrites++;
    try {
      await this.serialWrite(async () => {
        await this.store.write(entries);
        for (const entry of entries) target.setOffset(entry.topic, entry.partition, entry.committed);
      });
    } catch (error) {
      const errorCode = commitWriteError(error);
      for (const out of accepted) out.errorCode = errorCode;
    } finally {
      target.pendingWrites--;
      this.pendingOffsetWrites--;
    }
    return response;
  }

  /** Kafka's ClassicGroup.validateOffsetCommit. */
  private validateOffsetCommit(group: Group, request: OffsetCommitRequest): KafkaErrorName | null {
    const groupInstanceId = request.groupInstanceId ?? null;
    if (group.is('Dead')) return 'COORDINATOR_NOT_AVAILABLE';
    // Generation -1 on an Empty group: the admin client, or a consumer that assigns itself partitions.
    if (request.generationId < 0 && group.is('Empty')) return null;
    if (request.generationId >= 0 || request.memberId !== '' || groupInstanceId !== null) {
      const memberError = group.validateMember(request.memberId, groupInstanceId);
      if (memberError !== null) return memberError;
      if (request.generationId !== group.generationId) return 'ILLEGAL_GENERATION';
    } else if (!group.is('Empty')) {
      // A standalone commit while the group is managed by the coordinator.
      return 'UNKNOWN_MEMBER_ID';
    }
    // The member has its new generation from JoinGroup but not its assignment yet.
    if (group.is('CompletingRebalance')) return 'REBALANCE_IN_PROGRESS';
    return null;
  }

  // OffsetFetch --------------------------------------------------------------------------------

  /** The committed offsets of a group: the given partitions (-1 where none), or all of them. */
  fetchOffsets(request: OffsetFetchRequest): OffsetFetchResponse {
    if (this.closed) return { errorCode: 'COORDINATOR_NOT_AVAILABLE', topics: [] };
    if (typeof request.groupId !== 'string') return { errorCode: 'INVALID_GROUP_ID', topics: [] };
    const requested = request.partitions ?? null;
    if (requested !== null && (!Array.isArray(requested) || !requested.every((each) => typeof each?.topic === 'string' && Number.isSafeInteger(each.partition)))) {
      return { errorCode: 'INVALID_REQUEST', topics: [] };
    }
    const found = this.groups.get(request.groupId);
    // A Dead group is being deleted: its offsets are gone.
    const group = found === undefined || found.is('Dead') ? undefined : found;
    const answer = (topic: string, partition: number): OffsetFetchResponsePartition => {
      const committed = group?.offset(topic, partition);
      return committed === undefined
        ? { partitionIndex: partition, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: 'NONE' }
        : { partitionIndex: partition, committedOffset: committed.offset, committedLeaderEpoch: committed.leaderEpoch, metadata: committed.metadata ?? '', errorCode: 'NONE' };
    };
    const topics: OffsetFetchResponseTopic[] = [];
    if (requested === null) {
      for (const name of [...(group?.offsets.keys() ?? [])].sort()) {
        const partitions = [...(group?.offsets.get(name)?.keys() ?? [])].sort((a, b) => a - b);
        topics.push({ name, partitions: partitions.map((partition) => answer(name, partition)) });
      }
    } else {
      const byTopic = new Map<string, number[]>();
      for (const { topic, partition } of requested) {
        const list = byTopic.get(topic) ?? [];
        list.push(partition);
        byTopic.set(topic, list);
      }
      for (const [name, partitions] of byTopic) topics.push({ name, partitions: partitions.map((partition) => answer(name, partition)) });
    }
    return { errorCode: 'NONE', topics };
  }

  // DescribeGroups / ListGroups / DeleteGroups -------------------------------------------------

  describeGroups(groupIds: readonly string[]): DescribeGroupsResponse {
    return { groups: groupIds.map((groupId) => this.describeGroup(groupId)) };
  }

  private describeGroup(groupId: string): DescribedGroup {
    const blank = (errorCode: KafkaErrorName, groupState: string): DescribedGroup => ({ errorCode, groupId, groupState, protocolType: '', protocolData: '', members: [] });
    if (this.closed) return blank('COORDINATOR_NOT_AVAILABLE', '');
    if (typeof groupId !== 'string') return blank('INVALID_GROUP_ID', '');
    const group = this.groups.get(groupId);
    if (group === undefined) return blank('NONE', 'Dead');
    this.runTimers(group);
    const stableProtocol = group.is('Stable') ? group.protocolName : null;
    return {
      errorCode: 'NONE',
      groupId,
      groupState: group.state,
      protocolType: group.protocolType ?? '',
      protocolData: stableProtocol ?? '',
      members: [...group.members.values()].map((member) => ({
        memberId: member.memberId,
        groupInstanceId: member.groupInstanceId,
        clientId: member.clientId,
        clientHost: member.clientHost,
        memberMetadata: stableProtocol === null ? EMPTY_ASSIGNMENT : member.metadata(stableProtocol),
        memberAssignment: member.assignment,
      })),
    };
  }

  /** Every group, optionally only those in the given states (case-insensitive, ListGroups v4). */
  listGroups(statesFilter?: readonly string[] | null): ListGroupsResponse {
    if (this.closed) return { errorCode: 'COORDINATOR_NOT_AVAILABLE', groups: [] };
    const wanted = statesFilter === undefined || statesFilter === null || statesFilter.length === 0 ? null : new Set(statesFilter.map((state) => state.toLowerCase()));
    const groups = [...this.groups.values()]
      .filter((group) => wanted === null || wanted.has(group.state.toLowerCase()))
      .map((group) => ({ groupId: group.groupId, protocolType: group.protocolType ?? '', groupState: group.state, groupType: 'classic' }));
    return { errorCode: 'NONE', groups };
  }

  /** Deletes Empty groups and their offsets (tombstones); others get NON_EMPTY_GROUP or GROUP_ID_NOT_FOUND. */
  async deleteGroups(groupIds: readonly string[]): Promise<DeleteGroupsResponse> {
    const unique = [...new Set(groupIds)];
    const results = await Promise.all(unique.map((groupId) => this.deleteGroup(groupId)));
    return { results };
  }

  private async deleteGroup(groupId: string): Promise<DeletableGroupResult> {
    if (this.closed) return { groupId, errorCode: 'COORDINATOR_NOT_AVAILABLE' };
    if (typeof groupId !== 'string') return { groupId, errorCode: 'INVALID_GROUP_ID' };
    const group = this.groups.get(groupId);
    if (group === undefined) return { groupId, errorCode: 'GROUP_ID_NOT_FOUND' };
    this.runTimers(group);
    switch (group.state) {
      case 'Dead':
        return { groupId, errorCode: 'GROUP_ID_NOT_FOUND' };
      case 'Stable':
      case 'PreparingRebalance':
      case 'CompletingRebalance':
        return { groupId, errorCode: 'NON_EMPTY_GROUP' };
      case 'Empty':
        break;
    }
    // Dead at once: joins and commits are refused until the tombstones are written.
    group.transitionTo('Dead', this.now());
    group.pendingWrites++;
    try {
      await this.serialWrite(async () => {
        // Computed here, after every earlier commit was applied, so none survives the deletion.
        const tombstones: OffsetEntry[] = [];
        for (const [topic, partitions] of group.offsets) {
          for (const partition of partitions.keys()) tombstones.push({ groupId, topic, partition, committed: null });
        }
        if (tombstones.length > 0) await this.store.write(tombstones);
        group.offsets.clear();
      });
      if (this.groups.get(groupId) === group) this.groups.delete(groupId);
      return { groupId, errorCode: 'NONE' };
    } catch (error) {
      if (!this.closed && this.groups.get(groupId) === group) group.restoreAfterFailedDeletion(this.now());
      return { groupId, errorCode: groupMetadataWriteError(error) };
    } finally {
      group.pendingWrites--;
    }
  }

  // Time and lifecycle -------------------------------------------------------------------------

  /**
   * Fires every deadline that has passed: session expiry, rebalance timeouts, the initial delay,
   * missing SyncGroups, expired MEMBER_ID_REQUIRED ids; forgets long-Empty groups without offsets.
   */
  tick(): void {
    if (this.closed) return;
    for (const group of [...this.groups.values()]) {
      this.runTimers(group);
      group.checkInvariants();
    }
    const now = this.now();
    for (const [groupId, group] of this.groups) {
      if (
        group.is('Empty') && !group.hasOffsets() && group.pendingJoinMembers.size === 0 && group.pendingWrites === 0 &&
        now - group.stateTimestampMs >= this.settings.emptyGroupExpiryMs
      ) {
        group.transitionTo('Dead', now);
        this.groups.delete(groupId);
      }
    }
  }

  /**
   * Stops serving: every parked JoinGroup and SyncGroup is answered NOT_COORDINATOR (what Kafka
   * answers when it unloads a group), every group goes Dead, later requests get
   * COORDINATOR_NOT_AVAILABLE. Resolves once the offset writes under way have finished.
   */
  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      const now = this.now();
      for (const group of this.groups.values()) {
        for (const member of group.members.values()) {
          group.completeJoin(member, joinGroupError(member.memberId, 'NOT_COORDINATOR'));
          group.completeSync(member, syncGroupError('NOT_COORDINATOR'));
        }
        group.joinTimer = null;
        group.syncTimer = null;
        group.pendingSyncMembers.clear();
        group.transitionTo('Dead', now);
      }
    }
    await this.writeTail.catch(() => undefined);
  }

  /** A read-only view of a group, or null when there is none. */
  groupSnapshot(groupId: string): GroupSnapshot | null {
    const group = this.groups.get(groupId);
    if (group === undefined) return null;
    let committedOffsetCount = 0;
    for (const partitions of group.offsets.values()) committedOffsetCount += partitions.size;
    return {
      groupId,
      state: group.state,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leaderId: group.leaderId,
      members: [...group.members.values()].map((member) => ({
        memberId: member.memberId,
        groupInstanceId: member.groupInstanceId,
        clientId: member.clientId,
        clientHost: member.clientHost,
        sessionTimeoutMs: member.sessionTimeoutMs,
        rebalanceTimeoutMs: member.rebalanceTimeoutMs,
        assignment: member.assignment,
        awaitingJoin: member.awaitingJoin !== null,
        awaitingSync: member.awaitingSync !== null,
        heartbeatDeadlineMs: member.heartbeatDeadlineMs,
      })),
      pendingMemberIds: [...group.pendingJoinMembers.keys()],
      committedOffsetCount,
    };
  }

  // Membership internals (Kafka's GroupMetadataManager) ----------------------------------------

  /** Kafka's acceptJoiningMember: bounds the group at maxGroupSize. */
  private acceptJoiningMember(group: Group, memberId: string): boolean {
    const max = this.settings.maxGroupSize;
    switch (group.state) {
      case 'Empty':
      case 'Dead':
        return true;
      case 'PreparingRebalance':
        // Counting the parked joins (not the size) lets members that did not rejoin be shed.
        return (group.has(memberId) && group.member(memberId).awaitingJoin !== null) || group.numAwaitingJoin < max;
      case 'CompletingRebalance':
      case 'Stable':
        return group.has(memberId) || group.size < max;
    }
  }

  private joinNewMember(group: Group, params: JoinParams, resolve: JoinCallback): void {
    if (group.is('Dead')) return resolve(joinGroupError('', 'COORDINATOR_NOT_AVAILABLE'));
    if (!group.supportsProtocols(params.protocolType, params.protocolNames)) return resolve(joinGroupError('', 'INCONSISTENT_GROUP_PROTOCOL'));
    const newMemberId = `${params.groupInstanceId ?? params.clientId}-${randomUUID()}`;
    if (params.groupInstanceId !== null) {
      const existing = group.staticMemberId(params.groupInstanceId);
      if (existing !== undefined) return this.replaceStaticMember(group, params, existing, newMemberId, resolve);
      return this.addMemberAndRebalance(group, params, newMemberId, resolve);
    }
    if (params.requireKnownMemberId) {
      // KIP-394: hand out the id first; the member is counted once it rejoins with it.
      if (group.pendingJoinMembers.size >= this.settings.maxGroupSize) return resolve(joinGroupError('', 'GROUP_MAX_SIZE_REACHED'));
      group.addPendingMember(newMemberId, this.now() + params.sessionTimeoutMs);
      return resolve(joinGroupError(newMemberId, 'MEMBER_ID_REQUIRED'));
    }
    this.addMemberAndRebalance(group, params, newMemberId, resolve);
  }

  private joinExistingMember(group: Group, params: JoinParams, resolve: JoinCallback): void {
    const { memberId } = params;
    if (group.is('Dead')) return resolve(joinGroupError(memberId, 'COORDINATOR_NOT_AVAILABLE'));
    if (!group.supportsProtocols(params.protocolType, params.protocolNames)) return resolve(joinGroupError(memberId, 'INCONSISTENT_GROUP_PROTOCOL'));
    if (group.isPendingMember(memberId)) {
      if (params.groupInstanceId !== null) {
        // Ids from MEMBER_ID_REQUIRED are for dynamic members (Kafka treats this as impossible).
        this.removePendingMember(group, memberId);
        return resolve(joinGroupError(memberId, 'UNKNOWN_MEMBER_ID'));
      }
      return this.addMemberAndRebalance(group, params, memberId, resolve);
    }
    const memberError = group.validateMember(memberId, params.groupInstanceId);
    if (memberError !== null) return resolve(joinGroupError(memberId, memberError));

    const member = group.member(memberId);
    switch (group.state) {
      case 'PreparingRebalance':
        return this.updateMemberAndRebalance(group, member, params, resolve);
      case 'CompletingRebalance':
        // Same metadata: the member probably lost its JoinGroup answer; send it again.
        if (member.matches(params.protocols)) return resolve(this.currentJoinAnswer(group, member, group.isLeader(memberId)));
        return this.updateMemberAndRebalance(group, member, params, resolve);
      case 'Stable':
        // The leader rejoining forces a rebalance (it may have seen metadata change); a follower
        // with unchanged metadata just gets the current generation back.
        if (group.isLeader(memberId) || !member.matches(params.protocols)) return this.updateMemberAndRebalance(group, member, params, resolve);
        return resolve(this.currentJoinAnswer(group, member, false));
      case 'Empty':
      case 'Dead':
        return resolve(joinGroupError(memberId, 'UNKNOWN_MEMBER_ID'));
    }
  }

  private currentJoinAnswer(group: Group, member: GroupMember, withMembers: boolean): JoinGroupResponse {
    return {
      errorCode: 'NONE',
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: group.leaderId ?? '',
      skipAssignment: false,
      memberId: member.memberId,
      members: withMembers ? group.currentMemberMetadata() : [],
    };
  }

  private addMemberAndRebalance(group: Group, params: JoinParams, memberId: string, resolve: JoinCallback): void {
    const member = new GroupMember(
      memberId, params.groupInstanceId, params.clientId, params.clientHost, params.rebalanceTimeoutMs,
      params.sessionTimeoutMs, params.protocolType, params.protocols,
    );
    member.isNew = true;
    // A member arriving during the initial delay extends it.
    if (group.is('PreparingRebalance') && group.previousState === 'Empty') group.newMemberAdded = true;
    group.add(member, resolve);
    // It cannot heartbeat before its join completes; bound how long that may take instead.
    this.rescheduleHeartbeat(member, this.settings.newMemberJoinTimeoutMs);
    this.maybePrepareRebalanceOrCompleteJoin(group);
  }

  private updateMemberAndRebalance(group: Group, member: GroupMember, params: JoinParams, resolve: JoinCallback): void {
    group.updateMember(member, params.protocols, params.rebalanceTimeoutMs, params.sessionTimeoutMs, resolve);
    this.maybePrepareRebalanceOrCompleteJoin(group);
  }

  /** A static member rejoined without its member id: it takes over the old id's place. */
  private replaceStaticMember(group: Group, params: JoinParams, oldMemberId: string, newMemberId: string, resolve: JoinCallback): void {
    const groupInstanceId = params.groupInstanceId;
    if (groupInstanceId === null) throw new Error('replaceStaticMember needs a group instance id');
    const currentLeader = group.leaderId ?? '';
    const member = group.replaceStaticMember(groupInstanceId, oldMemberId, newMemberId);
    this.rescheduleHeartbeat(member);
    group.updateMember(member, params.protocols, params.rebalanceTimeoutMs, params.sessionTimeoutMs, resolve);
    switch (group.state) {
      case 'Stable':
        if (group.protocolName === group.selectProtocol()) {
          // No rebalance: the member keeps the old id's assignment. It is told the old leader id
          // so that it does not compute an assignment this Stable group would not use.
          group.completeJoin(member, { ...this.currentJoinAnswer(group, member, false), leader: currentLeader });
          return;
        }
        return this.maybePrepareRebalanceOrCompleteJoin(group);
      case 'CompletingRebalance':
        // The leader may already be assigning to the old id: start over.
        return this.prepareRebalance(group);
      case 'PreparingRebalance':
        return this.maybeCompleteJoinPhase(group);
      case 'Empty':
      case 'Dead':
        throw new Error(`static member ${groupInstanceId} rejoined group ${group.groupId} in state ${group.state}`);
    }
  }

  private maybePrepareRebalanceOrCompleteJoin(group: Group): void {
    if (group.canRebalance()) this.prepareRebalance(group);
    else this.maybeCompleteJoinPhase(group);
  }

  private prepareRebalance(group: Group): void {
    // Members parked in SyncGroup must rejoin.
    if (group.is('CompletingRebalance')) this.resetAndPropagateAssignmentError(group, 'REBALANCE_IN_PROGRESS');
    group.pendingSyncMembers.clear();
    group.syncTimer = null;
    const now = this.now();
    const initial = group.is('Empty');
    if (initial) {
      // A new group: give the members starting with this one time to join too.
      const delayMs = this.settings.initialRebalanceDelayMs;
      group.newMemberAdded = false;
      group.joinTimer = { kind: 'initial', atMs: now + delayMs, delayMs, remainingMs: Math.max(group.rebalanceTimeoutMs() - delayMs, 0) };
    }
    group.transitionTo('PreparingRebalance', now);
    if (!initial) this.maybeCompleteJoinElseSchedule(group);
  }

  private maybeCompleteJoinElseSchedule(group: Group): void {
    if (group.hasAllMembersJoined()) this.completeJoin(group);
    else group.joinTimer = { kind: 'join', atMs: this.now() + group.rebalanceTimeoutMs(), delayMs: 0, remainingMs: 0 };
  }

  /** Completes the join phase when every member is back, except during the initial delay. */
  private maybeCompleteJoinPhase(group: Group): void {
    if (!group.is('PreparingRebalance') || group.previousState === 'Empty' || !group.hasAllMembersJoined()) return;
    this.completeJoin(group);
  }

  /**
   * Ends the join phase: dynamic members that did not rejoin are dropped, and the group moves to
   * the next generation (CompletingRebalance, or Empty when nobody is left). Every parked member
   * gets its answer, the leader with every member's metadata.
   */
  private completeJoin(group: Group): void {
    group.joinTimer = null;
    for (const member of group.notYetRejoinedMembers()) {
      if (!member.isStatic) this.dropMember(group, member);
    }
    if (group.is('Dead')) return;
    const now = this.now();
    if (!group.maybeElectNewJoinedLeader() && group.size > 0) {
      // Only static members that did not rejoin are left: wait for them, or for their sessions to expire.
      group.joinTimer = { kind: 'join', atMs: now + Math.max(group.rebalanceTimeoutMs(), 1), delayMs: 0, remainingMs: 0 };
      return;
    }
    group.initNextGeneration(now);
    this.onRebalance({ groupId: group.groupId, generationId: group.generationId, protocol: group.protocolName, memberCount: group.size });
    if (group.is('Empty')) return;
    for (const member of group.members.values()) {
      group.completeJoin(member, this.currentJoinAnswer(group, member, group.isLeader(member.memberId)));
      this.rescheduleHeartbeat(member);
      member.isNew = false;
      group.pendingSyncMembers.add(member.memberId);
    }
    group.syncTimer = { atMs: now + group.rebalanceTimeoutMs(), generationId: group.generationId };
  }

  private propagateAssignment(group: Group, errorCode: KafkaErrorName): void {
    const ok = errorCode === 'NONE';
    for (const member of group.members.values()) {
      const answered = group.completeSync(member, {
        errorCode,
        protocolType: ok ? group.protocolType : null,
        protocolName: ok ? group.protocolName : null,
        assignment: member.assignment,
      });
      // Its session restarts now: it may have run out while the member waited for the leader.
      if (answered) this.rescheduleHeartbeat(member);
    }
  }

  private resetAndPropagateAssignmentError(group: Group, errorCode: KafkaErrorName): void {
    for (const member of group.members.values()) member.assignment = EMPTY_ASSIGNMENT;
    this.propagateAssignment(group, errorCode);
  }

  /** Removes a member after a leave or a session expiry, and rebalances the others. */
  private removeMemberAndUpdateGroup(group: Group, member: GroupMember): void {
    this.dropMember(group, member);
    if (group.is('Stable') || group.is('CompletingRebalance')) this.maybePrepareRebalanceOrCompleteJoin(group);
    else if (group.is('PreparingRebalance') && group.hasAllMembersJoined()) this.completeJoin(group);
  }

  /** Answers whatever the member has parked (it is gone: UNKNOWN_MEMBER_ID) and removes it. */
  private dropMember(group: Group, member: GroupMember): void {
    group.completeJoin(member, joinGroupError('', 'UNKNOWN_MEMBER_ID'));
    group.completeSync(member, syncGroupError('UNKNOWN_MEMBER_ID'));
    group.remove(member.memberId);
  }

  private removePendingMember(group: Group, memberId: string): void {
    group.remove(memberId);
    if (group.is('PreparingRebalance') && group.hasAllMembersJoined()) this.completeJoin(group);
  }

  private rescheduleHeartbeat(member: GroupMember, timeoutMs: number = member.sessionTimeoutMs): void {
    const now = this.now();
    member.lastHeartbeatMs = now;
    member.heartbeatDeadlineMs = now + timeoutMs;
  }

  // Deadlines ----------------------------------------------------------------------------------

  /** Fires the group's deadlines that have passed, earliest first. */
  private runTimers(group: Group): void {
    // Every firing removes a deadline or moves it into the future; the bound is a safety net.
    const limit = 4 * (group.size + group.pendingJoinMembers.size) + 16;
    for (let fired = 0; fired < limit; fired++) {
      const next = this.nextDueTimer(group, this.now());
      if (next === null) return;
      next();
    }
  }

  /** The earliest deadline of the group that has passed, as the action that fires it. */
  private nextDueTimer(group: Group, now: number): (() => void) | null {
    if (group.is('Dead')) return null;
    let dueAt = Number.POSITIVE_INFINITY;
    let fire: (() => void) | null = null;
    const { joinTimer, syncTimer } = group;
    if (joinTimer !== null && joinTimer.atMs <= now && joinTimer.atMs < dueAt) {
      dueAt = joinTimer.atMs;
      fire = () => this.onJoinDeadline(group);
    }
    if (syncTimer !== null && syncTimer.atMs <= now && syncTimer.atMs < dueAt) {
      dueAt = syncTimer.atMs;
      fire = () => this.onSyncDeadline(group);
    }
    for (const [memberId, expiresAtMs] of group.pendingJoinMembers) {
      if (expiresAtMs <= now && expiresAtMs < dueAt) {
        dueAt = expiresAtMs;
        fire = () => this.removePendingMember(group, memberId);
      }
    }
    for (const member of group.members.values()) {
      // A known member parked in JoinGroup or SyncGroup is alive whatever its deadline says.
      if (member.heartbeatDeadlineMs <= now && member.heartbeatDeadlineMs < dueAt && !member.hasSatisfiedHeartbeat()) {
        dueAt = member.heartbeatDeadlineMs;
        fire = () => this.removeMemberAndUpdateGroup(group, member);
      }
    }
    return fire;
  }

  private onJoinDeadline(group: Group): void {
    const timer = group.joinTimer;
    if (timer === null) return;
    if (timer.kind === 'initial' && group.newMemberAdded && timer.remainingMs !== 0) {
      // Members are still arriving: wait another delay, within the rebalance timeout. The delay
      // runs from when this one expired, however late the tick that noticed it.
      group.newMemberAdded = false;
      const delayMs = Math.min(this.settings.initialRebalanceDelayMs, timer.remainingMs);
      group.joinTimer = { kind: 'initial', atMs: timer.atMs + delayMs, delayMs, remainingMs: Math.max(timer.remainingMs - timer.delayMs, 0) };
      return;
    }
    this.completeJoin(group);
  }

  /** Members that got their JoinGroup answer but never sent SyncGroup are removed. */
  private onSyncDeadline(group: Group): void {
    const timer = group.syncTimer;
    group.syncTimer = null;
    if (timer === null || timer.generationId !== group.generationId) return;
    if (!(group.is('CompletingRebalance') || group.is('Stable')) || group.pendingSyncMembers.size === 0) return;
    for (const memberId of [...group.pendingSyncMembers]) this.dropMember(group, group.member(memberId));
    this.prepareRebalance(group);
  }

  // Offsets internals --------------------------------------------------------------------------

  /** Runs store writes one at a time, in call order. */
  private serialWrite(task: () => Promise<void>): Promise<void> {
    const result = this.writeTail.then(task);
    this.writeTail = result.catch(() => undefined);
    return result;
  }

  /** Rebuilds the committed offsets from the store; every group with offsets comes back Empty. */
  private replay(entries: OffsetEntry[]): void {
    const now = this.now();
    entries.forEach((entry, index) => {
      if (!validEntry(entry)) throw new BrokerError('UNKNOWN_SERVER_ERROR', `offset store entry ${index} is malformed`);
      let group = this.groups.get(entry.groupId);
      if (group === undefined) {
        if (entry.committed === null) return;
        group = new Group(entry.groupId, now);
        this.groups.set(entry.groupId, group);
      }
      group.setOffset(entry.topic, entry.partition, entry.committed);
    });
    for (const [groupId, group] of this.groups) if (!group.hasOffsets()) this.groups.delete(groupId);
  }
}

function resolveSettings(options: GroupCoordinatorOptions): Settings {
  const settings: Settings = { ...DEFAULT_SETTINGS };
  for (const key of Object.keys(DEFAULT_SETTINGS) as (keyof Settings)[]) {
    const value = options[key];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 0) throw new BrokerError('INVALID_CONFIG', `group coordinator option ${key} must be a non-negative integer, got ${String(value)}`);
    settings[key] = value;
  }
  if (settings.minSessionTimeoutMs > settings.maxSessionTimeoutMs) {
    throw new BrokerError('INVALID_CONFIG', `minSessionTimeoutMs (${settings.minSessionTimeoutMs}) exceeds maxSessionTimeoutMs (${settings.maxSessionTimeoutMs})`);
  }
  if (settings.maxGroupSize < 1) throw new BrokerError('INVALID_CONFIG', 'maxGroupSize must be at least 1');
  return settings;
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** Both sides known and different (SyncGroup v5 protocol checks). */
function isInconsistent(requested: string | null | undefined, actual: string | null): boolean {
  return requested !== null && requested !== undefined && actual !== null && requested !== actual;
}

function parseJoin(request: JoinGroupRequest, memberId: string): JoinParams | null {
  const { protocolType, protocols } = request;
  const groupInstanceId = request.groupInstanceId ?? null;
  if (typeof protocolType !== 'string' || !Array.isArray(protocols)) return null;
  if (groupInstanceId !== null && (typeof groupInstanceId !== 'string' || groupInstanceId === '')) return null;
  const rebalance = request.rebalanceTimeoutMs;
  if (rebalance !== undefined && !Number.isSafeInteger(rebalance)) return null;
  // A protocol listed twice counts once (its first listing wins).
  const unique: GroupProtocol[] = [];
  const names = new Set<string>();
  for (const protocol of protocols as unknown[]) {
    if (typeof protocol !== 'object' || protocol === null) return null;
    const { name, metadata } = protocol as Partial<GroupProtocol>;
    if (typeof name !== 'string' || !Buffer.isBuffer(metadata)) return null;
    if (names.has(name)) continue;
    names.add(name);
    unique.push({ name, metadata });
  }
  return {
    groupId: request.groupId,
    memberId,
    groupInstanceId,
    sessionTimeoutMs: request.sessionTimeoutMs,
    rebalanceTimeoutMs: rebalance === undefined || rebalance < 0 ? request.sessionTimeoutMs : rebalance,
    protocolType,
    protocols: unique,
    protocolNames: [...names],
    requireKnownMemberId: request.requireKnownMemberId === true,
    clientId: typeof request.clientId === 'string' ? request.clientId : '',
    clientHost: typeof request.clientHost === 'string' ? request.clientHost : '',
  };
}

function validAssignments(assignments: unknown): boolean {
  return Array.isArray(assignments) && assignments.every((entry: unknown) => {
    if (typeof entry !== 'object' || entry === null) return false;
    const { memberId, assignment } = entry as { memberId?: unknown; assignment?: unknown };
    return typeof memberId === 'string' && Buffer.isBuffer(assignment);
  });
}

function validEntry(entry: OffsetEntry): boolean {
  if (typeof entry !== 'object' || entry === null) return false;
  if (typeof entry.groupId !== 'string' || typeof entry.topic !== 'string' || !Number.isSafeInteger(entry.partition)) return false;
  const { committed } = entry;
  if (committed === null) return true;
  return typeof committed === 'object' && Number.isSafeInteger(committed.offset) && Number.isSafeInteger(committed.leaderEpoch) &&
    (committed.metadata === null || typeof committed.metadata === 'string') && Number.isFinite(committed.commitTimestampMs);
}

/** A failed offset write as the OffsetCommit error Kafka sends for it. */
function commitWriteError(error: unknown): KafkaErrorName {
  const code = toBrokerError(error).code;
  switch (code) {
    case 'UNKNOWN_TOPIC_OR_PARTITION':
    case 'NOT_ENOUGH_REPLICAS':
    case 'NOT_ENOUGH_REPLICAS_AFTER_APPEND':
    case 'REQUEST_TIMED_OUT':
      return 'COORDINATOR_NOT_AVAILABLE';
    case 'NOT_LEADER_OR_FOLLOWER':
    case 'KAFKA_STORAGE_ERROR':
      return 'NOT_COORDINATOR';
    case 'MESSAGE_TOO_LARGE':
    case 'RECORD_LIST_TOO_LARGE':
    case 'INVALID_FETCH_SIZE':
      return 'INVALID_COMMIT_OFFSET_SIZE';
    default:
      return code;
  }
}

/** A failed group write (DeleteGroups tombstones) as the error Kafka sends for it. */
function groupMetadataWriteError(error: unknown): KafkaErrorName {
  const code = commitWriteError(error);
  return code === 'INVALID_COMMIT_OFFSET_SIZE' ? 'UNKNOWN_SERVER_ERROR' : code;
}
