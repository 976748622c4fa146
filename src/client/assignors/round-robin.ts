/**
 * The "roundrobin" assignor, Kafka's RoundRobinAssignor.
 *
 * Lays out every partition of every subscribed topic, sorted by topic then partition, and the
 * members in member-id order on a circle. Each partition goes to the next member on the circle
 * that subscribes to its topic (members that do not are skipped, and the circle then continues
 * after the member that got it).
 *
 * Examples (Kafka's javadoc): members C0, C1 subscribed to t0 and t1, 3 partitions each:
 * C0 = [t0p0, t0p2, t1p1], C1 = [t0p1, t1p0, t1p2]. With C0 on {t0}, C1 on {t0, t1}, C2 on
 * {t0, t1, t2} and 1, 2, 3 partitions: C0 = [t0p0], C1 = [t1p0], C2 = [t1p1, t2p0, t2p1, t2p2].
 *
 * Guarantees: when every member has the same subscription, partition counts differ by at most one.
 * With differing subscriptions it can be badly unbalanced (the second example). Ignores previous
 * ownership.
 */

import {
  checkInput,
  emptyLists,
  finishAssignment,
  subscribedPartitions,
  type Assignment,
  type Assignor,
  type AssignorInput,
  type CheckedMember,
} from './assignor.js';

export const roundRobinAssignor: Assignor = Object.freeze({ name: 'roundrobin', assign: assignRoundRobin });

function assignRoundRobin(input: AssignorInput): Assignment {
  const checked = checkInput(input);
  const lists = emptyLists(checked);
  const { members } = checked;
  let next = 0;
  for (const tp of subscribedPartitions(checked)) {
    const index = nextSubscriber(members, next, tp.topic);
    lists.get(members[index]!.memberId)!.push(tp);
    next = (index + 1) % members.length;
  }
  return finishAssignment(lists);
}

/** The first member at or after `from` on the circle that subscribes to `topic`. */
function nextSubscriber(members: readonly CheckedMember[], from: number, topic: string): number {
  for (let step = 0; step < members.length; step++) {
    const index = (from + step) % members.length;
    if (members[index]!.topics.has(topic)) return index;
  }
  throw new Error(`roundrobin assignor: no member subscribes to topic "${topic}"`); // unreachable: the topic came from a subscription
}
