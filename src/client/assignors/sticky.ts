/**
 * The "sticky" assignor, Kafka's StickyAssignor (the eager protocol; the algorithm of Kafka's
 * AbstractStickyAssignor, without rack awareness or generations).
 *
 * Two goals, the first taking precedence: (1) balance, (2) keep as many partitions as possible
 * with the member that owned them before the rebalance (MemberSubscription.ownedPartitions).
 *
 * Previous ownership first loses what cannot be kept: partitions that no longer exist, partitions
 * of topics the member no longer subscribes to, and partitions claimed by more than one member
 * (Kafka invalidates such double claims within a generation; nobody keeps them).
 *
 * All members with the same subscription (Kafka's "constrained" assignment). With P partitions and
 * M members every member ends with minQuota = floor(P / M) or maxQuota = ceil(P / M) partitions,
 * and exactly P % M of them with maxQuota. In member-id order each member keeps its owned
 * partitions (sorted by topic, partition): all of them below minQuota; maxQuota of them when it
 * owns at least that many and maxQuota places are left; otherwise minQuota. The rest is dealt out in
 * topic-partition order, round robin over the members below minQuota, then one each to members at
 * minQuota that may still grow. Result: counts differ by at most one, and the number of
 * previously-owned partitions that change member is the least any balanced assignment allows. In
 * particular a member leaving a balanced group moves only its own partitions, and a member joining
 * takes only as many as balance requires.
 *
 * Different subscriptions (Kafka's "general" assignment). Keep every valid owned partition; give
 * each other partition (those with the fewest possible members first) to the least loaded member
 * that subscribes to its topic; then, while some member holds at least two more partitions than a
 * member that could take one of them, move one (preferring partitions that were not owned before,
 * so stickiness suffers least). Each move lowers the sum of squared counts, so this ends. Result,
 * as Kafka's javadoc states it: a member with two or more fewer partitions than another can take
 * none of the other's partitions; in particular members with the same subscription differ by at
 * most one. Balance can force previously owned partitions to move, and stickiness is best effort
 * here (as in Kafka's general algorithm): the placement is greedy, so now and then it moves an owned
 * partition that a cleverer placement could have left alone (about 2% of random departures).
 *
 * Example (Kafka's javadoc): C0 on {t0}, C1 on {t0, t1}, C2 on {t0, t1, t2} with 1, 2, 3
 * partitions: C0 = [t0p0], C1 = [t1p0, t1p1], C2 = [t2p0, t2p1, t2p2]; when C0 leaves, C1 takes
 * t0p0 and nothing else moves (round robin would move two partitions).
 *
 * Ties are broken by member id and topic-partition order, so the result is deterministic.
 */

import {
  checkInput,
  compareStrings,
  compareTopicPartitions,
  finishAssignment,
  subscribedPartitions,
  type Assignment,
  type Assignor,
  type AssignorInput,
  type CheckedInput,
  type TopicPartition,
} from './assignor.js';

export const stickyAssignor: Assignor = Object.freeze({ name: 'sticky', assign: assignSticky });

type Lists = Map<string, TopicPartition[]>;

function assignSticky(input: AssignorInput): Assignment {
  const checked = checkInput(input);
  if (checked.members.length === 0) return new Map();
  const subscriptions = effectiveSubscriptions(checked);
  const owned = keepableOwnership(checked, subscriptions);
  const partitions = subscribedPartitions(checked);
  const lists = allEqual([...subscriptions.values()])
    ? constrainedAssign(partitions, owned)
    : generalAssign(partitions, subscriptions, owned);
  return finishAssignment(lists);
}

/** Each member's subscribed topics that exist and have partitions, in member order. */
function effectiveSubscriptions(input: CheckedInput): Map<string, Set<string>> {
  const exists = (topic: string) => (input.partitionsPerTopic.get(topic) ?? 0) > 0;
  return new Map(input.members.map((member) => [member.memberId, new Set([...member.topics].filter(exists))]));
}

/** Owned partitions each member may keep: still existing, still subscribed, claimed by no one else. */
function keepableOwnership(input: CheckedInput, subscriptions: ReadonlyMap<string, ReadonlySet<string>>): Lists {
  const exists = (tp: TopicPartition) => tp.partition < (input.partitionsPerTopic.get(tp.topic) ?? 0);
  const claims = new PartitionTable<number>();
  for (const member of input.members) {
    for (const tp of member.ownedPartitions) if (exists(tp)) claims.set(tp, (claims.get(tp) ?? 0) + 1);
  }
  return new Map(
    input.members.map((member) => {
      const topics = subscriptions.get(member.memberId)!;
      return [member.memberId, member.ownedPartitions.filter((tp) => topics.has(tp.topic) && exists(tp) && claims.get(tp) === 1)];
    }),
  );
}

/** A value per partition, without building string keys (groups can hold a million partitions). */
class PartitionTable<T> {
  private readonly byTopic = new Map<string, (T | undefined)[]>();

  get(tp: TopicPartition): T | undefined {
    return this.byTopic.get(tp.topic)?.[tp.partition];
  }

  set(tp: TopicPartition, value: T): void {
    const row = this.byTopic.get(tp.topic) ?? [];
    row[tp.partition] = value;
    this.byTopic.set(tp.topic, row);
  }
}

function allEqual(subscriptions: readonly ReadonlySet<string>[]): boolean {
  const [first] = subscriptions;
  return subscriptions.every((topics) => topics.size === first!.size && [...topics].every((topic) => first!.has(topic)));
}

// ---- Same subscription everywhere: quotas --------------------------------------------------------

interface Quota {
  readonly min: number;
  readonly max: number;
  /** How many members end with `max` (0 when min === max). */
  readonly membersAtMax: number;
}

interface Fill {
  readonly assignment: Lists;
  /** Members below the min quota, in member order. */
  readonly underMin: string[];
  /** Members at the min quota that may still get one more. */
  readonly atMin: string[];
  membersAtMax: number;
}

function constrainedAssign(partitions: readonly TopicPartition[], owned: ReadonlyMap<string, readonly TopicPartition[]>): Lists {
  const members = owned.size;
  const quota: Quota = {
    min: Math.floor(partitions.length / members),
    max: Math.ceil(partitions.length / members),
    membersAtMax: partitions.length % members,
  };
  const fill: Fill = { assignment: new Map(), underMin: [], atMin: [], membersAtMax: 0 };
  for (const [memberId, mine] of owned) keepOwned(memberId, mine, quota, fill);
  const kept = new PartitionTable<true>();
  for (const list of fill.assignment.values()) for (const tp of list) kept.set(tp, true);
  dealRoundRobin(partitions.filter((tp) => !kept.get(tp)), quota, fill);
  return fill.assignment;
}

function keepOwned(memberId: string, mine: readonly TopicPartition[], quota: Quota, fill: Fill): void {
  let keep: number;
  if (mine.length < quota.min) {
    keep = mine.length;
    fill.underMin.push(memberId);
  } else if (mine.length >= quota.max && fill.membersAtMax < quota.membersAtMax) {
    keep = quota.max;
    fill.membersAtMax++;
    if (fill.membersAtMax === quota.membersAtMax) fill.atMin.length = 0; // no member may grow past min any more
  } else {
    keep = quota.min;
    if (fill.membersAtMax < quota.membersAtMax) fill.atMin.push(memberId);
  }
  fill.assignment.set(memberId, mine.slice(0, keep));
}

/** Round robin over the members below min quota, then one each to members at min quota. */
function dealRoundRobin(unassigned: readonly TopicPartition[], quota: Quota, fill: Fill): void {
  let cursor = 0;
  for (const tp of unassigned) {
    if (fill.underMin.length > 0) {
      if (cursor >= fill.underMin.length) cursor = 0;
      const memberId = fill.underMin[cursor]!;
      const list = fill.assignment.get(memberId)!;
      list.push(tp);
      if (list.length === quota.min) fill.atMin.push(...fill.underMin.splice(cursor, 1));
      else cursor++;
    } else {
      const memberId = fill.atMin.shift();
      if (memberId === undefined) throw new Error('sticky assignor: internal error: partitions left but every member is full');
      fill.assignment.get(memberId)!.push(tp);
    }
  }
}

// ---- Different subscriptions: greedy placement, then local moves ---------------------------------

interface Load {
  readonly memberId: string;
  /** Partitions held, by topic. */
  readonly held: Map<string, TopicPartition[]>;
  count: number;
}

interface Move {
  readonly from: Load;
  readonly to: Load;
  readonly tp: TopicPartition;
  /** 1 when the partition was owned by `from` before this rebalance, 0 otherwise. */
  readonly cost: number;
}

function generalAssign(
  partitions: readonly TopicPartition[],
  subscriptions: ReadonlyMap<string, ReadonlySet<string>>,
  owned: ReadonlyMap<string, readonly TopicPartition[]>,
): Lists {
  const loads = new Map<string, Load>();
  const previousOwner = new PartitionTable<string>();
  for (const [memberId, mine] of owned) {
    const load: Load = { memberId, held: new Map(), count: 0 };
    loads.set(memberId, load);
    for (const tp of mine) {
      give(load, tp);
      previousOwner.set(tp, memberId);
    }
  }
  const subscribers = subscribersByTopic(loads, subscriptions);
  placeUnowned(partitions.filter((tp) => previousOwner.get(tp) === undefined), subscribers);
  rebalance([...loads.values()], subscribers, previousOwner);
  return new Map([...loads].map(([memberId, load]) => [memberId, [...load.held.values()].flat()]));
}

function subscribersByTopic(loads: ReadonlyMap<string, Load>, subscriptions: ReadonlyMap<string, ReadonlySet<string>>): Map<string, Load[]> {
  const subscribers = new Map<string, Load[]>();
  for (const [memberId, topics] of subscriptions) {
    for (const topic of topics) {
      const list = subscribers.get(topic) ?? [];
      list.push(loads.get(memberId)!);
      subscribers.set(topic, list);
    }
  }
  return subscribers;
}

/** Partitions with the fewest possible members first, each to its least loaded subscriber. */
function placeUnowned(unowned: readonly TopicPartition[], subscribers: ReadonlyMap<string, readonly Load[]>): void {
  const choices = (tp: TopicPartition) => subscribers.get(tp.topic)!.length;
  const ordered = [...unowned].sort((a, b) => choices(a) - choices(b) || compareTopicPartitions(a, b));
  for (const tp of ordered) give(leastLoaded(subscribers.get(tp.topic)!), tp);
}

function rebalance(loads: readonly Load[], subscribers: ReadonlyMap<string, readonly Load[]>, previousOwner: PartitionTable<string>): void {
  for (let move = findMove(loads, subscribers, previousOwner); move; move = findMove(loads, subscribers, previousOwner)) {
    take(move.from, move.tp);
    give(move.to, move.tp);
  }
}

/**
 * A move to a member with at least two fewer partitions: from the most loaded member that has a
 * partition it did not own before, else from the most loaded member that has one at all.
 */
function findMove(loads: readonly Load[], subscribers: ReadonlyMap<string, readonly Load[]>, previousOwner: PartitionTable<string>): Move | undefined {
  const givers = [...loads].sort((a, b) => b.count - a.count || compareStrings(a.memberId, b.memberId));
  const fewest = givers[givers.length - 1]!.count;
  const takers = new Map<string, Load>(); // least loaded subscriber per topic, for this scan
  const takerFor = (topic: string) => takers.get(topic) ?? takers.set(topic, leastLoaded(subscribers.get(topic)!)).get(topic)!;
  let fallback: Move | undefined;
  for (const giver of givers) {
    if (giver.count - fewest < 2) break;
    const move = bestMoveFrom(giver, takerFor, previousOwner);
    if (move?.cost === 0) return move;
    fallback ??= move;
  }
  return fallback;
}

/** The cheapest move out of `giver`: a partition not owned before if possible, to the least loaded taker. */
function bestMoveFrom(giver: Load, takerFor: (topic: string) => Load, previousOwner: PartitionTable<string>): Move | undefined {
  let best: Move | undefined;
  for (const [topic, held] of giver.held) {
    const to = takerFor(topic);
    if (giver.count - to.count < 2) continue;
    const fresh = held.find((tp) => previousOwner.get(tp) !== giver.memberId);
    const candidate: Move = { from: giver, to, tp: fresh ?? held[0]!, cost: fresh ? 0 : 1 };
    if (!best || isCheaper(candidate, best)) best = candidate;
  }
  return best;
}

/** Fewer previously owned partitions moved, then the less loaded taker, then topic order. */
function isCheaper(a: Move, b: Move): boolean {
  return (a.cost - b.cost || a.to.count - b.to.count || compareStrings(a.tp.topic, b.tp.topic)) < 0;
}

/** The member with the fewest partitions; ties go to the lowest member id (loads are in member order). */
function leastLoaded(loads: readonly Load[]): Load {
  return loads.reduce((least, load) => (load.count < least.count ? load : least));
}

function give(load: Load, tp: TopicPartition): void {
  const list = load.held.get(tp.topic) ?? [];
  list.push(tp);
  load.held.set(tp.topic, list);
  load.count++;
}

function take(load: Load, tp: TopicPartition): void {
  const list = load.held.get(tp.topic)!;
  list.splice(list.indexOf(tp), 1);
  if (list.length === 0) load.held.delete(tp.topic);
  load.count--;
}
