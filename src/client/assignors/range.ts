/**
 * The "range" assignor, Kafka's RangeAssignor (the Java client's default before 3.x).
 *
 * Works one topic at a time, independently of the others: the topic's partitions in numeric order
 * and the members subscribed to it in member-id order; with P partitions and M members each member
 * gets a contiguous range of floor(P / M) partitions, and the first P % M members get one more.
 * Member i starts at floor(P / M) * i + min(i, P % M).
 *
 * Example (Kafka's javadoc): members C0, C1 subscribed to t0 and t1, 3 partitions each:
 * C0 = [t0p0, t0p1, t1p0, t1p1], C1 = [t0p2, t1p2].
 *
 * Guarantees: within one topic counts differ by at most one, and co-partitioned topics line up
 * (partition n of every topic lands on the same member). Across topics the low member ids get the
 * extras every time, so totals can be unbalanced. Ignores previous ownership. Kafka sorts static
 * members by group.instance.id first; Strata has no static membership, so member ids decide.
 */

import {
  checkInput,
  compareStrings,
  emptyLists,
  finishAssignment,
  type Assignment,
  type Assignor,
  type AssignorInput,
  type CheckedInput,
  type TopicPartition,
} from './assignor.js';

export const rangeAssignor: Assignor = Object.freeze({ name: 'range', assign: assignRange });

function assignRange(input: AssignorInput): Assignment {
  const checked = checkInput(input);
  const lists = emptyLists(checked);
  for (const [topic, memberIds] of membersPerTopic(checked)) {
    const count = checked.partitionsPerTopic.get(topic) ?? 0;
    assignRanges(topic, count, memberIds, lists);
  }
  return finishAssignment(lists);
}

/** Subscribed topics in name order, each with its subscribers in member-id order. */
function membersPerTopic(input: CheckedInput): Map<string, string[]> {
  const byTopic = new Map<string, string[]>();
  for (const member of input.members) {
    for (const topic of member.topics) {
      const memberIds = byTopic.get(topic) ?? [];
      memberIds.push(member.memberId);
      byTopic.set(topic, memberIds);
    }
  }
  return new Map([...byTopic].sort(([a], [b]) => compareStrings(a, b)));
}

function assignRanges(topic: string, count: number, memberIds: readonly string[], lists: Map<string, TopicPartition[]>): void {
  const perMember = Math.floor(count / memberIds.length);
  const withExtra = count % memberIds.length;
  memberIds.forEach((memberId, i) => {
    const start = perMember * i + Math.min(i, withExtra);
    const length = perMember + (i < withExtra ? 1 : 0);
    const list = lists.get(memberId)!;
    for (let partition = start; partition < start + length; partition++) list.push({ topic, partition });
  });
}
