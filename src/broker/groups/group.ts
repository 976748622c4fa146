/**
 * One classic consumer group: its state, members, generation, leader, chosen protocol and
 * committed offsets (Kafka's ClassicGroup / GroupMetadata). The coordinator (./group-coordinator.ts)
 * drives it; this file holds the data and the operations that keep it consistent.
 *
 *   Empty ──join──▶ PreparingRebalance ──all joined / timeout──▶ CompletingRebalance ──leader sync──▶ Stable
 *                        ▲    │ (no members left: ▶ Empty)              │                              │
 *                        └────┴──── join with new metadata, leave, session expiry, missing sync ───────┘
 *   any state ──delete / coordinator closed──▶ Dead
 *
 * Members are kept in insertion order: when the leader goes, the oldest remaining member leads.
 * Each member has at most one parked JoinGroup and one parked SyncGroup callback; a second request of
 * the same kind supersedes the first, which is answered REBALANCE_IN_PROGRESS (Kafka drops it, and
 * the client has long given up on it; here nothing may stay pending forever).
 *
 * Timers are plain deadlines (`joinTimer`, `syncTimer`, each member's `heartbeatDeadlineMs`, each
 * pending member's expiry); the coordinator fires them from `tick()`. `checkInvariants()` asserts
 * what must hold between two requests.
 */

import type { KafkaErrorName } from '../kafka-error-codes.js';
import {
  joinGroupError,
  syncGroupError,
  type GroupProtocol,
  type JoinGroupResponse,
  type JoinGroupResponseMember,
  type SyncGroupResponse,
} from './group-api.js';
import type { CommittedOffset } from './offset-store.js';

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

/** The states a group may come from to enter each state (Kafka's ClassicGroupState). */
const VALID_PREVIOUS_STATES: Record<GroupState, readonly GroupState[]> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
};

export const EMPTY_ASSIGNMENT: Buffer = Buffer.alloc(0);

/** Group invariants: a broken one is a coordinator bug, never bad input. */
export function groupAssert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`group coordinator invariant violated: ${message}`);
}

export type JoinCallback = (response: JoinGroupResponse) => void;
export type SyncCallback = (response: SyncGroupResponse) => void;

export class GroupMember {
  awaitingJoin: JoinCallback | null = null;
  awaitingSync: SyncCallback | null = null;
  /** Added by a join that has not completed yet: its session does not count until it has. */
  isNew = false;
  /** The member is removed when this passes without a heartbeat (unless parked in a join/sync). */
  heartbeatDeadlineMs = Number.POSITIVE_INFINITY;
  lastHeartbeatMs = 0;

  constructor(
    readonly memberId: string,
    readonly groupInstanceId: string | null,
    readonly clientId: string,
    readonly clientHost: string,
    public rebalanceTimeoutMs: number,
    public sessionTimeoutMs: number,
    readonly protocolType: string,
    public protocols: GroupProtocol[],
    public assignment: Buffer = EMPTY_ASSIGNMENT,
  ) {}

  get isStatic(): boolean {
    return this.groupInstanceId !== null;
  }

  /** Same protocols, in the same order, with the same metadata. */
  matches(protocols: readonly GroupProtocol[]): boolean {
    if (protocols.length !== this.protocols.length) return false;
    return protocols.every((protocol, index) => {
      const own = this.protocols[index];
      return own !== undefined && own.name === protocol.name && own.metadata.equals(protocol.metadata);
    });
  }

  /** The member's first-listed protocol among the candidates. */
  vote(candidates: ReadonlySet<string>): string {
    const choice = this.protocols.find((protocol) => candidates.has(protocol.name));
    groupAssert(choice !== undefined, `member ${this.memberId} supports none of the candidate protocols`);
    return choice.name;
  }

  metadata(protocolName: string): Buffer {
    const protocol = this.protocols.find((candidate) => candidate.name === protocolName);
    groupAssert(protocol !== undefined, `member ${this.memberId} does not support protocol ${protocolName}`);
    return protocol.metadata;
  }

  /** A known member parked in a JoinGroup or SyncGroup is alive by definition. */
  hasSatisfiedHeartbeat(): boolean {
    return !this.isNew && (this.awaitingJoin !== null || this.awaitingSync !== null);
  }
}

/** The join phase's deadline: the initial delay (extended while members keep arriving) or the rebalance timeout. */
export interface JoinTimer {
  kind: 'initial' | 'join';
  atMs: number;
  delayMs: number;
  remainingMs: number;
}

/** Members that got their JoinGroup answer must send SyncGroup before this, or are removed. */
export interface SyncTimer {
  atMs: number;
  generationId: number;
}

export class Group {
  private currentState: GroupState;
  private lastState: GroupState = 'Dead';
  /** When the group entered its current state. */
  stateTimestampMs: number;
  protocolType: string | null = null;
  protocolName: string | null = null;
  private generation = 0;
  leaderId: string | null = null;
  readonly members = new Map<string, GroupMember>();
  private readonly staticMembers = new Map<string, string>();
  /** Dynamic member ids handed out with MEMBER_ID_REQUIRED, with the time each one expires. */
  readonly pendingJoinMembers = new Map<string, number>();
  /** Members of the current generation that have not sent SyncGroup yet. */
  readonly pendingSyncMembers = new Set<string>();
  private awaitingJoinCount = 0;
  /** Protocol name → number of members that support it. */
  private readonly supportedProtocols = new Map<string, number>();
  /** A member joined during the initial delay, which is then extended. */
  newMemberAdded = false;
  joinTimer: JoinTimer | null = null;
  syncTimer: SyncTimer | null = null;
  /** topic → partition → committed offset. */
  readonly offsets = new Map<string, Map<number, CommittedOffset>>();
  /** Offset-store writes queued for this group (a group with writes in flight is never forgotten). */
  pendingWrites = 0;

  constructor(
    readonly groupId: string,
    nowMs: number,
  ) {
    this.currentState = 'Empty';
    this.stateTimestampMs = nowMs;
  }

  get state(): GroupState {
    return this.currentState;
  }

  get previousState(): GroupState {
    return this.lastState;
  }

  get generationId(): number {
    return this.generation;
  }

  is(state: GroupState): boolean {
    return this.currentState === state;
  }

  transitionTo(state: GroupState, nowMs: number): void {
    groupAssert(
      VALID_PREVIOUS_STATES[state].includes(this.currentState),
      `group ${this.groupId} cannot go from ${this.currentState} to ${state}`,
    );
    this.lastState = this.currentState;
    this.currentState = state;
    this.stateTimestampMs = nowMs;
  }

  /**
   * Undoes a deletion whose tombstones could not be written: the group was Empty before, and
   * nothing could change it while it was Dead. (Kafka's new coordinator reverts its in-memory
   * snapshot the same way when a write fails.)
   */
  restoreAfterFailedDeletion(nowMs: number): void {
    groupAssert(this.currentState === 'Dead' && this.lastState === 'Empty', `group ${this.groupId} was not being deleted`);
    groupAssert(this.members.size === 0, `group ${this.groupId} gained members while Dead`);
    this.currentState = 'Empty';
    this.lastState = 'Dead';
    this.stateTimestampMs = nowMs;
  }

  /** Whether a join, leave or failure may start a new rebalance now. */
  canRebalance(): boolean {
    return VALID_PREVIOUS_STATES.PreparingRebalance.includes(this.currentState);
  }

  get size(): number {
    return this.members.size;
  }

  has(memberId: string): boolean {
    return this.members.has(memberId);
  }

  member(memberId: string): GroupMember {
    const member = this.members.get(memberId);
    groupAssert(member !== undefined, `group ${this.groupId} has no member ${memberId}`);
    return member;
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  get numAwaitingJoin(): number {
    return this.awaitingJoinCount;
  }

  /** Adds a member (parked in its JoinGroup when `callback` is given); the first member leads. */
  add(member: GroupMember, callback: JoinCallback | null): void {
    groupAssert(!this.members.has(member.memberId), `member ${member.memberId} is already in group ${this.groupId}`);
    if (member.groupInstanceId !== null) {
      groupAssert(!this.staticMembers.has(member.groupInstanceId), `static member ${member.groupInstanceId} is already in group ${this.groupId}`);
      this.staticMembers.set(member.groupInstanceId, member.memberId);
    }
    if (this.members.size === 0) this.protocolType = member.protocolType;
    groupAssert(this.protocolType === member.protocolType, `member ${member.memberId} has protocol type ${member.protocolType}, group ${this.groupId} has ${this.protocolType}`);
    groupAssert(this.supportsProtocols(member.protocolType, member.protocols.map((protocol) => protocol.name)), `group ${this.groupId} supports none of member ${member.memberId}'s protocols`);
    if (this.leaderId === null) this.leaderId = member.memberId;
    this.members.set(member.memberId, member);
    this.countProtocols(member, 1);
    member.awaitingJoin = callback;
    if (callback !== null) this.awaitingJoinCount++;
    this.pendingJoinMembers.delete(member.memberId);
  }

  /** Removes a member (its parked callbacks are the caller's to answer first); the oldest remaining member leads. */
  remove(memberId: string): void {
    const member = this.members.get(memberId);
    if (member !== undefined) {
      this.members.delete(memberId);
      this.countProtocols(member, -1);
      if (member.awaitingJoin !== null) this.awaitingJoinCount--;
      if (member.groupInstanceId !== null && this.staticMembers.get(member.groupInstanceId) === memberId) {
        this.staticMembers.delete(member.groupInstanceId);
      }
    }
    if (this.leaderId === memberId) {
      const next = this.members.keys().next();
      this.leaderId = next.done === true ? null : next.value;
    }
    this.pendingJoinMembers.delete(memberId);
    this.pendingSyncMembers.delete(memberId);
  }

  /**
   * Keeps the leader if it rejoined, else picks the first member that did. False when nobody
   * rejoined (or the group has no leader, i.e. no members).
   */
  maybeElectNewJoinedLeader(): boolean {
    if (this.leaderId === null) return false;
    if (this.member(this.leaderId).awaitingJoin !== null) return true;
    for (const member of this.members.values()) {
      if (member.awaitingJoin !== null) {
        this.leaderId = member.memberId;
        return true;
      }
    }
    return false;
  }

  /**
   * A static member rejoined without its member id: the new id takes over the old member's place,
   * assignment and leadership; the old id's parked requests are answered FENCED_INSTANCE_ID.
   */
  replaceStaticMember(groupInstanceId: string, oldMemberId: string, newMemberId: string): GroupMember {
    const old = this.member(oldMemberId);
    this.completeJoin(old, joinGroupError(oldMemberId, 'FENCED_INSTANCE_ID'));
    this.completeSync(old, syncGroupError('FENCED_INSTANCE_ID'));
    const replacement = new GroupMember(
      newMemberId, old.groupInstanceId, old.clientId, old.clientHost, old.rebalanceTimeoutMs,
      old.sessionTimeoutMs, old.protocolType, old.protocols, old.assignment,
    );
    const wasLeader = this.isLeader(oldMemberId);
    const wasPendingSync = this.pendingSyncMembers.has(oldMemberId);
    this.remove(oldMemberId);
    this.members.set(newMemberId, replacement);
    this.countProtocols(replacement, 1);
    this.staticMembers.set(groupInstanceId, newMemberId);
    if (wasLeader || this.leaderId === null) this.leaderId = newMemberId;
    if (wasPendingSync) this.pendingSyncMembers.add(newMemberId);
    return replacement;
  }

  isPendingMember(memberId: string): boolean {
    return this.pendingJoinMembers.has(memberId);
  }

  addPendingMember(memberId: string, expiresAtMs: number): void {
    groupAssert(!this.members.has(memberId), `pending member ${memberId} is already a member of group ${this.groupId}`);
    this.pendingJoinMembers.set(memberId, expiresAtMs);
  }

  hasStaticMember(groupInstanceId: string | null): boolean {
    return groupInstanceId !== null && this.staticMembers.has(groupInstanceId);
  }

  staticMemberId(groupInstanceId: string): string | undefined {
    return this.staticMembers.get(groupInstanceId);
  }

  /** A known group instance id that maps to another member id. */
  isStaticMemberFenced(groupInstanceId: string | null, memberId: string): boolean {
    if (groupInstanceId === null) return false;
    const existing = this.staticMembers.get(groupInstanceId);
    return existing !== undefined && existing !== memberId;
  }

  /** Kafka's validateMember: the instance id (if any) must map to this member id, and the member must exist. */
  validateMember(memberId: string, groupInstanceId: string | null): KafkaErrorName | null {
    if (groupInstanceId !== null) {
      const existing = this.staticMembers.get(groupInstanceId);
      if (existing === undefined) return 'UNKNOWN_MEMBER_ID';
      if (existing !== memberId) return 'FENCED_INSTANCE_ID';
    }
    return this.members.has(memberId) ? null : 'UNKNOWN_MEMBER_ID';
  }

  /** Every member is parked in a JoinGroup and no MEMBER_ID_REQUIRED member is still expected. */
  hasAllMembersJoined(): boolean {
    return this.members.size === this.awaitingJoinCount && this.pendingJoinMembers.size === 0;
  }

  notYetRejoinedMembers(): GroupMember[] {
    return [...this.members.values()].filter((member) => member.awaitingJoin === null);
  }

  /** The longest rebalance timeout among the members. */
  rebalanceTimeoutMs(): number {
    let longest = 0;
    for (const member of this.members.values()) longest = Math.max(longest, member.rebalanceTimeoutMs);
    return longest;
  }

  /**
   * Whether a member with these protocols could join: any protocol type and at least one protocol
   * while Empty, else the group's protocol type and a protocol every member supports.
   */
  supportsProtocols(protocolType: string, protocolNames: readonly string[]): boolean {
    if (this.currentState === 'Empty') return protocolType !== '' && protocolNames.length > 0;
    return this.protocolType === protocolType && protocolNames.some((name) => (this.supportedProtocols.get(name) ?? 0) === this.members.size);
  }

  /** Kafka's vote: each member votes for its first-listed protocol that every member supports; most votes wins. */
  selectProtocol(): string {
    groupAssert(this.members.size > 0, `cannot select a protocol for empty group ${this.groupId}`);
    const candidates = new Set<string>();
    for (const [name, count] of this.supportedProtocols) if (count === this.members.size) candidates.add(name);
    const votes = new Map<string, number>();
    for (const member of this.members.values()) {
      const choice = member.vote(candidates);
      votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    let best: string | null = null;
    let bestVotes = 0;
    for (const [name, count] of votes) {
      if (count > bestVotes) {
        best = name;
        bestVotes = count;
      }
    }
    groupAssert(best !== null, `no protocol chosen for group ${this.groupId}`);
    return best;
  }

  /** Replaces a member's protocols and timeouts; `callback` parks it in a JoinGroup (superseding an earlier one). */
  updateMember(member: GroupMember, protocols: GroupProtocol[], rebalanceTimeoutMs: number, sessionTimeoutMs: number, callback: JoinCallback | null): void {
    this.countProtocols(member, -1);
    member.protocols = protocols;
    this.countProtocols(member, 1);
    member.rebalanceTimeoutMs = rebalanceTimeoutMs;
    member.sessionTimeoutMs = sessionTimeoutMs;
    if (callback !== null) this.completeJoin(member, joinGroupError(member.memberId, 'REBALANCE_IN_PROGRESS'));
    if (callback !== null && member.awaitingJoin === null) this.awaitingJoinCount++;
    else if (callback === null && member.awaitingJoin !== null) this.awaitingJoinCount--;
    member.awaitingJoin = callback;
  }

  /** Parks a member in its SyncGroup (superseding an earlier one). */
  awaitSync(member: GroupMember, callback: SyncCallback): void {
    this.completeSync(member, syncGroupError('REBALANCE_IN_PROGRESS'));
    member.awaitingSync = callback;
  }

  /** Answers the member's parked JoinGroup, if any. */
  completeJoin(member: GroupMember, response: JoinGroupResponse): boolean {
    const callback = member.awaitingJoin;
    if (callback === null) return false;
    member.awaitingJoin = null;
    this.awaitingJoinCount--;
    callback(response);
    return true;
  }

  /** Answers the member's parked SyncGroup, if any. */
  completeSync(member: GroupMember, response: SyncGroupResponse): boolean {
    const callback = member.awaitingSync;
    if (callback === null) return false;
    member.awaitingSync = null;
    callback(response);
    return true;
  }

  /** Next generation: CompletingRebalance with the chosen protocol, or Empty when nobody is left. */
  initNextGeneration(nowMs: number): void {
    const before = this.generation;
    this.generation++;
    groupAssert(this.generation > before, `generation of group ${this.groupId} must increase`);
    if (this.members.size > 0) {
      this.protocolName = this.selectProtocol();
      this.transitionTo('CompletingRebalance', nowMs);
    } else {
      this.protocolName = null;
      this.transitionTo('Empty', nowMs);
    }
    this.pendingSyncMembers.clear();
  }

  /** Every member with its metadata for the chosen protocol: the leader's JoinGroup answer. */
  currentMemberMetadata(): JoinGroupResponseMember[] {
    groupAssert(this.protocolName !== null, `group ${this.groupId} has no protocol`);
    const protocolName = this.protocolName;
    return [...this.members.values()].map((member) => ({
      memberId: member.memberId,
      groupInstanceId: member.groupInstanceId,
      metadata: member.metadata(protocolName),
    }));
  }

  // Committed offsets.

  offset(topic: string, partition: number): CommittedOffset | undefined {
    return this.offsets.get(topic)?.get(partition);
  }

  setOffset(topic: string, partition: number, committed: CommittedOffset | null): void {
    let partitions = this.offsets.get(topic);
    if (committed === null) {
      partitions?.delete(partition);
      if (partitions?.size === 0) this.offsets.delete(topic);
      return;
    }
    if (partitions === undefined) {
      partitions = new Map();
      this.offsets.set(topic, partitions);
    }
    partitions.set(partition, committed);
  }

  hasOffsets(): boolean {
    return this.offsets.size > 0;
  }

  /** What must hold between two requests. */
  checkInvariants(): void {
    const id = this.groupId;
    let awaiting = 0;
    const counts = new Map<string, number>();
    for (const [memberId, member] of this.members) {
      groupAssert(member.memberId === memberId, `group ${id}: member keyed under the wrong id`);
      if (member.awaitingJoin !== null) awaiting++;
      for (const protocol of member.protocols) counts.set(protocol.name, (counts.get(protocol.name) ?? 0) + 1);
      if (member.groupInstanceId !== null) groupAssert(this.staticMembers.get(member.groupInstanceId) === memberId, `group ${id}: static member ${member.groupInstanceId} not mapped to ${memberId}`);
      groupAssert(!this.pendingJoinMembers.has(memberId), `group ${id}: ${memberId} is both a member and pending`);
    }
    groupAssert(awaiting === this.awaitingJoinCount, `group ${id}: awaiting-join count ${this.awaitingJoinCount}, actual ${awaiting}`);
    for (const [name, count] of this.supportedProtocols) groupAssert((counts.get(name) ?? 0) === count, `group ${id}: protocol ${name} counted ${count}`);
    for (const [instanceId, memberId] of this.staticMembers) groupAssert(this.members.get(memberId)?.groupInstanceId === instanceId, `group ${id}: stale static mapping ${instanceId}`);
    // At most one leader, and it is a member; no leader only when there are no members.
    groupAssert(this.leaderId === null ? this.members.size === 0 : this.members.has(this.leaderId), `group ${id}: leader ${this.leaderId} is not a member`);
    for (const memberId of this.pendingSyncMembers) groupAssert(this.members.has(memberId), `group ${id}: pending sync ${memberId} is not a member`);
    switch (this.currentState) {
      case 'Empty':
        groupAssert(this.members.size === 0, `group ${id}: Empty with members`);
        groupAssert(this.joinTimer === null && this.syncTimer === null, `group ${id}: Empty with a timer`);
        break;
      case 'CompletingRebalance':
      case 'Stable':
        groupAssert(this.members.size > 0, `group ${id}: ${this.currentState} without members`);
        groupAssert(this.protocolName !== null, `group ${id}: ${this.currentState} without a protocol`);
        groupAssert(this.awaitingJoinCount === 0, `group ${id}: members parked in JoinGroup while ${this.currentState}`);
        groupAssert(this.joinTimer === null, `group ${id}: join timer while ${this.currentState}`);
        break;
      case 'PreparingRebalance':
        groupAssert(this.joinTimer !== null, `group ${id}: PreparingRebalance without a join deadline`);
        groupAssert(this.syncTimer === null && this.pendingSyncMembers.size === 0, `group ${id}: sync expectations while PreparingRebalance`);
        break;
      case 'Dead':
        break;
    }
    if (this.currentState !== 'CompletingRebalance') {
      for (const member of this.members.values()) groupAssert(member.awaitingSync === null, `group ${id}: member ${member.memberId} parked in SyncGroup while ${this.currentState}`);
    }
  }

  private countProtocols(member: GroupMember, delta: 1 | -1): void {
    for (const protocol of member.protocols) {
      const count = (this.supportedProtocols.get(protocol.name) ?? 0) + delta;
      if (count === 0) this.supportedProtocols.delete(protocol.name);
      else this.supportedProtocols.set(protocol.name, count);
    }
  }
}
