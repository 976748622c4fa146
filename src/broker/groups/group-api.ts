/**
 * The group coordinator's requests and responses. They mirror the fields of Kafka's JoinGroup,
 * SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch, DescribeGroups, ListGroups and
 * DeleteGroups messages (../shared/kafka-message-specs/*.json), camelCased, with errors as Kafka
 * error names. The wire layer maps versions onto them:
 *
 * - fields a version lacks take the spec's default (JoinGroup v0 has no RebalanceTimeoutMs: leave it
 *   out and the session timeout is used; OffsetCommit v0 has no generation: send -1 and '');
 * - `clientId`/`clientHost` come from the request header and the connection;
 * - `requireKnownMemberId` is true for JoinGroup v4+ (KIP-394);
 * - LeaveGroup v0–2 carries one member: send it as `members: [{ memberId }]` and answer with that
 *   member's error as the top-level error;
 * - nullable strings that older versions cannot carry (JoinGroup ProtocolName before v7) go out
 *   as ''; ThrottleTimeMs is the wire layer's business.
 *
 * `joinGroupError` and `syncGroupError` build the error-only answers Kafka sends.
 */

import type { KafkaErrorName } from '../kafka-error-codes.js';

/** One protocol a member supports, e.g. an assignor name and the member's subscription bytes. */
export interface GroupProtocol {
  name: string;
  metadata: Buffer;
}

export interface JoinGroupRequest {
  groupId: string;
  sessionTimeoutMs: number;
  /** Absent or negative: the session timeout (JoinGroup v0). */
  rebalanceTimeoutMs?: number;
  /** '' for a member that has no id yet. */
  memberId: string;
  /** Static membership (KIP-345), v5+. */
  groupInstanceId?: string | null;
  protocolType: string;
  protocols: GroupProtocol[];
  reason?: string | null;
  /** JoinGroup v4+: a new dynamic member first gets MEMBER_ID_REQUIRED with its id, then rejoins. */
  requireKnownMemberId?: boolean;
  clientId?: string;
  clientHost?: string;
}

export interface JoinGroupResponseMember {
  memberId: string;
  groupInstanceId: string | null;
  metadata: Buffer;
}

export interface JoinGroupResponse {
  errorCode: KafkaErrorName;
  /** -1 on error. */
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  /** The leader's member id, '' on error. */
  leader: string;
  /** Always false: this coordinator never asks a leader to skip its assignment (JoinGroup v9). */
  skipAssignment: boolean;
  memberId: string;
  /** Every member and its metadata for the chosen protocol for the leader; empty for followers. */
  members: JoinGroupResponseMember[];
}

export interface SyncGroupAssignment {
  memberId: string;
  assignment: Buffer;
}

export interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId?: string | null;
  /** v5+: checked against the group's when both are known. */
  protocolType?: string | null;
  protocolName?: string | null;
  /** The leader's assignment for every member; followers send none. */
  assignments: SyncGroupAssignment[];
}

export interface SyncGroupResponse {
  errorCode: KafkaErrorName;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId?: string | null;
}

export interface HeartbeatResponse {
  errorCode: KafkaErrorName;
}

export interface LeaveGroupMemberIdentity {
  /** '' to remove a static member by its group instance id alone. */
  memberId: string;
  groupInstanceId?: string | null;
  reason?: string | null;
}

export interface LeaveGroupRequest {
  groupId: string;
  members: LeaveGroupMemberIdentity[];
}

export interface LeaveGroupMemberResponse {
  memberId: string;
  groupInstanceId: string | null;
  errorCode: KafkaErrorName;
}

export interface LeaveGroupResponse {
  errorCode: KafkaErrorName;
  members: LeaveGroupMemberResponse[];
}

export interface OffsetCommitRequestPartition {
  partitionIndex: number;
  committedOffset: number;
  /** v6+, default -1. */
  committedLeaderEpoch?: number;
  committedMetadata?: string | null;
}

export interface OffsetCommitRequestTopic {
  name: string;
  partitions: OffsetCommitRequestPartition[];
}

export interface OffsetCommitRequest {
  groupId: string;
  /**
   * The spec's GenerationIdOrMemberEpoch (classic groups: the generation). -1 with memberId '' is
   * a standalone commit (admin client, or a consumer that assigns partitions itself): accepted only
   * while the group is Empty or does not exist.
   */
  generationId: number;
  memberId: string;
  groupInstanceId?: string | null;
  /** v2–4; ignored (retention is a broker setting). */
  retentionTimeMs?: number;
  topics: OffsetCommitRequestTopic[];
}

export interface OffsetCommitResponsePartition {
  partitionIndex: number;
  errorCode: KafkaErrorName;
}

export interface OffsetCommitResponseTopic {
  name: string;
  partitions: OffsetCommitResponsePartition[];
}

export interface OffsetCommitResponse {
  topics: OffsetCommitResponseTopic[];
}

export interface TopicPartitionRef {
  topic: string;
  partition: number;
}

export interface OffsetFetchRequest {
  groupId: string;
  /** null or absent: every committed offset of the group (OffsetFetch v2+ null topics). */
  partitions?: TopicPartitionRef[] | null;
}

export interface OffsetFetchResponsePartition {
  partitionIndex: number;
  /** -1 when nothing is committed. */
  committedOffset: number;
  committedLeaderEpoch: number;
  metadata: string | null;
  errorCode: KafkaErrorName;
}

export interface OffsetFetchResponseTopic {
  name: string;
  partitions: OffsetFetchResponsePartition[];
}

export interface OffsetFetchResponse {
  errorCode: KafkaErrorName;
  topics: OffsetFetchResponseTopic[];
}

export interface DescribedGroupMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** The metadata for the chosen protocol; only filled in while the group is Stable. */
  memberMetadata: Buffer;
  memberAssignment: Buffer;
}

export interface DescribedGroup {
  errorCode: KafkaErrorName;
  groupId: string;
  /** 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead' ('' on error). */
  groupState: string;
  protocolType: string;
  /** The chosen protocol's name while Stable, else ''. */
  protocolData: string;
  members: DescribedGroupMember[];
}

export interface DescribeGroupsResponse {
  groups: DescribedGroup[];
}

export interface ListedGroup {
  groupId: string;
  protocolType: string;
  groupState: string;
  groupType: string;
}

export interface ListGroupsResponse {
  errorCode: KafkaErrorName;
  groups: ListedGroup[];
}

export interface DeletableGroupResult {
  groupId: string;
  errorCode: KafkaErrorName;
}

export interface DeleteGroupsResponse {
  results: DeletableGroupResult[];
}

/** A JoinGroup answer that carries only an error (Kafka's joinError: generation -1, no leader). */
export function joinGroupError(memberId: string, errorCode: KafkaErrorName): JoinGroupResponse {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, memberId, members: [] };
}

/** A SyncGroup answer that carries only an error. */
export function syncGroupError(errorCode: KafkaErrorName): SyncGroupResponse {
  return { errorCode, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) };
}
