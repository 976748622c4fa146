/**
 * Shared types and input checks for consumer-group partition assignors.
 *
 * In Kafka's classic group protocol the coordinator picks a group leader and hands it every member's
 * subscription; the leader runs an assignor (a pure function) and returns one partition list per
 * member. Every assignor here follows the same contract:
 *
 * - Every member appears in the output, possibly with an empty list; the output Map iterates in
 *   member-id order and each list is sorted by topic, then partition.
 * - Only partitions of topics in `partitionsPerTopic` are assigned (a subscribed topic missing from
 *   it does not exist yet and is skipped, as in Kafka); each goes to exactly one member that
 *   subscribes to its topic. Partitions of topics nobody subscribes to stay unassigned.
 * - The result depends on the input's content only, not its order: members, topics and owned
 *   partitions are sorted first. Strings compare by UTF-16 code units, as Java's String.compareTo.
 *
 * checkInput throws a plain Error naming the problem when the input breaks the contract: a member id
 * that is empty or repeated, a partition count that is not a non-negative safe integer, a topic
 * name or owned partition of the wrong type.
 */

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface MemberSubscription {
  memberId: string;
  topics: string[];
  /** What the member owned before this rebalance (sticky uses it). */
  ownedPartitions: TopicPartition[];
}

export interface AssignorInput {
  members: MemberSubscription[];
  partitionsPerTopic: Map<string, number>;
}

export type Assignment = Map<string /* memberId */, TopicPartition[]>;

export type AssignorName = 'range' | 'roundrobin' | 'sticky';

export interface Assignor {
  readonly name: AssignorName;
  assign(input: AssignorInput): Assignment;
}

/** A member after checkInput: topics deduplicated, owned partitions deduplicated and sorted. */
export interface CheckedMember {
  readonly memberId: string;
  readonly topics: ReadonlySet<string>;
  readonly ownedPartitions: readonly TopicPartition[];
}

/** The input after checkInput: members sorted by id. */
export interface CheckedInput {
  readonly members: readonly CheckedMember[];
  readonly partitionsPerTopic: ReadonlyMap<string, number>;
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareTopicPartitions(a: TopicPartition, b: TopicPartition): number {
  return compareStrings(a.topic, b.topic) || a.partition - b.partition;
}

export function checkInput(input: AssignorInput): CheckedInput {
  if (typeof input !== 'object' || input === null) throw new Error('assignor: input must be an object');
  if (!Array.isArray(input.members)) throw new Error('assignor: input.members must be an array');
  return {
    members: checkMembers(input.members),
    partitionsPerTopic: checkPartitionCounts(input.partitionsPerTopic),
  };
}

function checkPartitionCounts(partitionsPerTopic: unknown): Map<string, number> {
  if (!(partitionsPerTopic instanceof Map)) throw new Error('assignor: input.partitionsPerTopic must be a Map');
  for (const [topic, count] of partitionsPerTopic as Map<unknown, unknown>) {
    if (typeof topic !== 'string') throw new Error(`assignor: topic name ${String(topic)} is not a string`);
    if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) {
      throw new Error(`assignor: partition count of topic "${topic}" must be a non-negative integer, got ${String(count)}`);
    }
  }
  return partitionsPerTopic as Map<string, number>;
}

function checkMembers(members: readonly MemberSubscription[]): CheckedMember[] {
  const seen = new Set<string>();
  const checked = members.map((member) => {
    const memberId = checkMemberId(member);
    if (seen.has(memberId)) throw new Error(`assignor: member id "${memberId}" appears more than once`);
    seen.add(memberId);
    return { memberId, topics: checkTopics(member), ownedPartitions: checkOwned(member) };
  });
  return checked.sort((a, b) => compareStrings(a.memberId, b.memberId));
}

function checkMemberId(member: MemberSubscription): string {
  if (typeof member !== 'object' || member === null) throw new Error('assignor: every member must be an object');
  const memberId: unknown = member.memberId;
  if (typeof memberId !== 'string' || memberId.length === 0) {
    throw new Error(`assignor: member id must be a non-empty string, got ${JSON.stringify(memberId)}`);
  }
  return memberId;
}

function checkTopics(member: MemberSubscription): Set<string> {
  if (!Array.isArray(member.topics)) throw new Error(`assignor: topics of member "${member.memberId}" must be an array`);
  for (const topic of member.topics as unknown[]) {
    if (typeof topic !== 'string') throw new Error(`assignor: member "${member.memberId}" subscribes to a non-string topic`);
  }
  return new Set(member.topics);
}

function checkOwned(member: MemberSubscription): TopicPartition[] {
  if (!Array.isArray(member.ownedPartitions)) {
    throw new Error(`assignor: ownedPartitions of member "${member.memberId}" must be an array`);
  }
  const sorted = (member.ownedPartitions as unknown[]).map((tp) => checkTopicPartition(tp, member.memberId)).sort(compareTopicPartitions);
  return sorted.filter((tp, i) => i === 0 || compareTopicPartitions(sorted[i - 1]!, tp) !== 0); // without duplicates
}

function checkTopicPartition(tp: unknown, memberId: string): TopicPartition {
  const candidate = tp as Partial<TopicPartition> | null;
  const valid =
    typeof candidate === 'object' && candidate !== null && typeof candidate.topic === 'string' &&
    typeof candidate.partition === 'number' && Number.isSafeInteger(candidate.partition) && candidate.partition >= 0;
  if (!valid) throw new Error(`assignor: member "${memberId}" owns an invalid partition ${JSON.stringify(tp)}`);
  return { topic: candidate.topic!, partition: candidate.partition! };
}

/** Topics subscribed to by at least one member that have partitions, sorted. */
export function subscribedTopics(input: CheckedInput): string[] {
  const topics = new Set<string>();
  for (const member of input.members) {
    for (const topic of member.topics) if ((input.partitionsPerTopic.get(topic) ?? 0) > 0) topics.add(topic);
  }
  return [...topics].sort(compareStrings);
}

/** Every partition of every subscribed topic, sorted by topic then partition. */
export function subscribedPartitions(input: CheckedInput): TopicPartition[] {
  const partitions: TopicPartition[] = [];
  for (const topic of subscribedTopics(input)) {
    const count = input.partitionsPerTopic.get(topic) ?? 0;
    for (let partition = 0; partition < count; partition++) partitions.push({ topic, partition });
  }
  return partitions;
}

/** One empty, mutable list per member, in member order. */
export function emptyLists(input: CheckedInput): Map<string, TopicPartition[]> {
  return new Map(input.members.map((member) => [member.memberId, []]));
}

/** The output form: member order kept, each list a sorted copy of fresh objects. */
export function finishAssignment(lists: ReadonlyMap<string, readonly TopicPartition[]>): Assignment {
  const assignment: Assignment = new Map();
  for (const [memberId, partitions] of lists) {
    const sorted = partitions.map(({ topic, partition }) => ({ topic, partition })).sort(compareTopicPartitions);
    assignment.set(memberId, sorted);
  }
  return assignment;
}
