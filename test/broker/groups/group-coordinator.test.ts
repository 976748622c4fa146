// Scenario tests of the classic group coordinator: the flows real clients (kafkajs, librdkafka,
// the Java consumer) go through, and the Kafka rules they rely on.
import { describe, expect, it } from 'vitest';
import { BrokerError } from '../../../src/broker/broker-error.js';
import { StorageError } from '../../../src/storage/storage-error.js';
import { GroupCoordinator } from '../../../src/broker/groups/group-coordinator.js';
import type { OffsetCommitRequest } from '../../../src/broker/groups/group-api.js';
import { harness, joinRequest, joinTogether, MemoryOffsetStore, protocols, REBALANCE_MS, SESSION_MS, settle, stableGroup, track } from './support.js';

function commit(groupId: string, generationId: number, memberId: string, offsets: Record<string, number>, extra: Partial<OffsetCommitRequest> = {}): OffsetCommitRequest {
  const byTopic = new Map<string, { partitionIndex: number; committedOffset: number; committedMetadata: string }[]>();
  for (const [key, offset] of Object.entries(offsets)) {
    const [topic = '', partition = '0'] = key.split(':');
    const list = byTopic.get(topic) ?? [];
    list.push({ partitionIndex: Number(partition), committedOffset: offset, committedMetadata: `m${offset}` });
    byTopic.set(topic, list);
  }
  return { groupId, generationId, memberId, topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })), ...extra };
}

function errorsOf(response: { topics: { partitions: { errorCode: string }[] }[] }): string[] {
  return response.topics.flatMap((topic) => topic.partitions.map((partition) => partition.errorCode));
}

describe('GroupCoordinator: one member', () => {
  it('join → sync → heartbeat → commit → fetch', async () => {
    const h = await harness();
    const join = track(h.coordinator.joinGroup(joinRequest({ protocols: [{ name: 'range', metadata: Buffer.from('subscription') }] })));
    await settle();
    expect(join.settled).toBe(false); // the initial rebalance delay (group was Empty)
    await h.advance(2999);
    expect(join.settled).toBe(false);
    await h.advance(1);
    const joined = await join.promise;
    expect(joined).toMatchObject({ errorCode: 'NONE', generationId: 1, protocolType: 'consumer', protocolName: 'range', skipAssignment: false });
    expect(joined.memberId).toMatch(/^client-[0-9a-f-]{36}$/);
    expect(joined.leader).toBe(joined.memberId);
    expect(joined.members).toEqual([{ memberId: joined.memberId, groupInstanceId: null, metadata: Buffer.from('subscription') }]);

    const synced = await h.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: joined.memberId, assignments: [{ memberId: joined.memberId, assignment: Buffer.from('all of it') }] });
    expect(synced).toEqual({ errorCode: 'NONE', protocolType: 'consumer', protocolName: 'range', assignment: Buffer.from('all of it') });
    expect(h.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: joined.memberId })).toEqual({ errorCode: 'NONE' });

    const described = h.coordinator.describeGroups(['g']).groups[0];
    expect(described).toMatchObject({ errorCode: 'NONE', groupState: 'Stable', protocolType: 'consumer', protocolData: 'range' });
    expect(described?.members).toEqual([
      { memberId: joined.memberId, groupInstanceId: null, clientId: 'client', clientHost: '/127.0.0.1', memberMetadata: Buffer.from('subscription'), memberAssignment: Buffer.from('all of it') },
    ]);

    const committed = await h.coordinator.commitOffsets({
      groupId: 'g', generationId: 1, memberId: joined.memberId,
      topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: 7, committedMetadata: 'meta' }, { partitionIndex: 1, committedOffset: 5, committedMetadata: null }] }],
    });
    expect(committed).toEqual({ topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, errorCode: 'NONE' }, { partitionIndex: 1, errorCode: 'NONE' }] }] });
    expect(h.store.entries.map((entry) => [entry.topic, entry.partition, entry.committed?.offset])).toEqual([['orders', 0, 42], ['orders', 1, 5]]);

    expect(h.coordinator.fetchOffsets({ groupId: 'g', partitions: [{ topic: 'orders', partition: 0 }, { topic: 'orders', partition: 2 }, { topic: 'other', partition: 0 }] })).toEqual({
      errorCode: 'NONE',
      topics: [
        { name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: 7, metadata: 'meta', errorCode: 'NONE' }, { partitionIndex: 2, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: 'NONE' }] },
        { name: 'other', partitions: [{ partitionIndex: 0, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: 'NONE' }] },
      ],
    });
    // null metadata is kept as '' (as Kafka does); every committed offset when no partitions are named.
    expect(h.coordinator.fetchOffsets({ groupId: 'g', partitions: null }).topics).toEqual([
      { name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: 7, metadata: 'meta', errorCode: 'NONE' }, { partitionIndex: 1, committedOffset: 5, committedLeaderEpoch: -1, metadata: '', errorCode: 'NONE' }] },
    ]);
  });

  it('uses the session timeout as rebalance timeout when none is given (JoinGroup v0)', async () => {
    const h = await harness();
    const [joined] = await joinTogether(h, 1, { rebalanceTimeoutMs: undefined });
    expect(h.coordinator.groupSnapshot('g')?.members[0]?.rebalanceTimeoutMs).toBe(SESSION_MS);
    expect(joined?.errorCode).toBe('NONE');
  });
});

describe('GroupCoordinator: leader and followers', () => {
  it('gives the leader every member metadata and relays its assignment to the followers', async () => {
    const h = await harness();
    const a = track(h.coordinator.joinGroup(joinRequest({ clientId: 'a', protocols: [{ name: 'range', metadata: Buffer.from('meta-a') }] })));
    await h.advance(1000);
    const b = track(h.coordinator.joinGroup(joinRequest({ clientId: 'b', protocols: [{ name: 'range', metadata: Buffer.from('meta-b') }] })));
    await h.advance(2000);
    // b arrived during the initial delay, which was extended by one more delay.
    expect(a.settled).toBe(false);
    await h.advance(3000);
    const [leader, follower] = [await a.promise, await b.promise];
    expect(leader.generationId).toBe(1);
    expect(follower.generationId).toBe(1);
    expect(leader.leader).toBe(leader.memberId);
    expect(follower.leader).toBe(leader.memberId);
    expect(leader.members).toEqual([
      { memberId: leader.memberId, groupInstanceId: null, metadata: Buffer.from('meta-a') },
      { memberId: follower.memberId, groupInstanceId: null, metadata: Buffer.from('meta-b') },
    ]);
    expect(follower.members).toEqual([]);

    // The follower's SyncGroup waits for the leader's assignment.
    const followerSync = track(h.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: follower.memberId, assignments: [] }));
    await settle();
    expect(followerSync.settled).toBe(false);
    // Heartbeats between JoinGroup and SyncGroup are normal heartbeats.
    expect(h.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: follower.memberId }).errorCode).toBe('NONE');
    const leaderSync = await h.coordinator.syncGroup({
      groupId: 'g', generationId: 1, memberId: leader.memberId,
      assignments: [{ memberId: leader.memberId, assignment: Buffer.from('p0') }, { memberId: follower.memberId, assignment: Buffer.from('p1') }],
    });
    expect(leaderSync.assignment).toEqual(Buffer.from('p0'));
    expect((await followerSync.promise).assignment).toEqual(Buffer.from('p1'));
    expect(h.coordinator.groupSnapshot('g')?.state).toBe('Stable');

    // A follower rejoining with unchanged metadata gets the current generation back, no rebalance.
    const again = await h.coordinator.joinGroup(joinRequest({ memberId: follower.memberId, protocols: [{ name: 'range', metadata: Buffer.from('meta-b') }] }));
    expect(again).toMatchObject({ errorCode: 'NONE', generationId: 1, leader: leader.memberId, members: [] });
    expect(h.coordinator.groupSnapshot('g')?.state).toBe('Stable');
    // A late follower SyncGroup in Stable gets its assignment at once.
    expect((await h.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: follower.memberId, assignments: [] })).assignment).toEqual(Buffer.from('p1'));
  });

  it('leaves members the leader did not assign with an empty assignment', async () => {
    const h = await harness();
    const [leader, follower] = await joinTogether(h, 2);
    const followerSync = h.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: follower!.memberId, assignments: [] });
    await h.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: leader!.memberId, assignments: [{ memberId: leader!.memberId, assignment: Buffer.from('x') }, { memberId: 'nobody', assignment: Buffer.from('y') }] });
    expect(await followerSync).toMatchObject({ errorCode: 'NONE', assignment: Buffer.alloc(0) });
  });

  it('chooses the protocol every member supports by vote', async () => {
    const h = await harness();
    const joins = [
      h.coordinator.joinGroup(joinRequest({ protocols: protocols('cooperative-sticky', 'range') })),
      h.coordinator.joinGroup(joinRequest({ protocols: protocols('cooperative-sticky', 'range') })),
      h.coordinator.joinGroup(joinRequest({ protocols: protocols('range', 'cooperative-sticky', 'roundrobin') })),
    ];
    await h.advance(3000);
    await h.advance(3000);
    for (const answer of await Promise.all(joins)) expect(answer.protocolName).toBe('cooperative-sticky');

    // A member that only supports range narrows the candidates to range.
    const h2 = await harness();
    const joins2 = [
      h2.coordinator.joinGroup(joinRequest({ protocols: protocols('roundrobin', 'range') })),
      h2.coordinator.joinGroup(joinRequest({ protocols: protocols('range') })),
    ];
    await h2.advance(3000);
    await h2.advance(3000);
    const [first] = await Promise.all(joins2);
    expect(first?.protocolName).toBe('range');
    expect(first?.members.map((member) => member.metadata.toString())).toEqual(['range-metadata', 'range-metadata']);
  });

  it('rejects members with another protocol type or no common protocol', async () => {
    const h = await harness();
    await joinTogether(h, 1, { protocols: protocols('range') });
    expect((await h.coordinator.joinGroup(joinRequest({ protocolType: 'connect' }))).errorCode).toBe('INCONSISTENT_GROUP_PROTOCOL');
    expect((await h.coordinator.joinGroup(joinRequest({ protocols: protocols('roundrobin') }))).errorCode).toBe('INCONSISTENT_GROUP_PROTOCOL');
    expect((await h.coordinator.joinGroup(joinRequest({ groupId: 'fresh', protocols: [] }))).errorCode).toBe('INCONSISTENT_GROUP_PROTOCOL');
  });
});

describe('GroupCoordinator: JoinGroup rules', () => {
  it('MEMBER_ID_REQUIRED: a new member gets its id first, then joins with it', async () => {
    const h = await harness();
    const first = await h.coordinator.joinGroup(joinRequest({ clientId: 'kafkajs', requireKnownMemberId: true }));
    expect(first).toMatchObject({ errorCode: 'MEMBER_ID_REQUIRED', generationId: -1, leader: '', members: [] });
    expect(first.memberId).toMatch(/^kafkajs-[0-9a-f-]{36}$/);
    expect(h.coordinator.groupSnapshot('g')).toMatchObject({ state: 'Empty', pendingMemberIds: [first.memberId], members: [] });

    const second = track(h.coordinator.joinGroup(joinRequest({ clientId: 'kafkajs', memberId: first.memberId, requireKnownMemberId: true })));
    await h.advance(3000);
    expect(await second.promise).toMatchObject({ errorCode: 'NONE', memberId: first.memberId, generationId: 1, leader: first.memberId });
    expect(h.coordinator.groupSnapshot('g')?.pendingMemberIds).toEqual([]);
  });

  it('forgets a MEMBER_ID_REQUIRED id that is not used within the session timeout', async () => {
    const h = await harness();
    const first = await h.coordinator.joinGroup(joinRequest({ requireKnownMemberId: true }));
    await h.advance(SESSION_MS);
    expect(h.coordinator.groupSnapshot('g')?.pendingMemberIds).toEqual([]);
    expect((await h.coordinator.joinGroup(joinRequest({ memberId: first.memberId }))).errorCode).toBe('UNKNOWN_MEMBER_ID');
  });

  it('extends the initial delay while members keep arriving, but not past the rebalance timeout', async () => {
    const h = await harness();
    const request = joinRequest({ rebalanceTimeoutMs: 9000 });
    const joins = [track(h.coordinator.joinGroup(request))];
    for (const at of [2000, 5000, 8000]) {
      await h.advance(at - (h.clock.ms - 1_000_000));
      joins.push(track(h.coordinator.joinGroup(request)));
    }
    await h.advance(999); // t = 8999
    expect(joins.some((join) => join.settled)).toBe(false);
    await h.advance(1); // t = 9000: the rebalance timeout, although a member joined within the last delay
    const answers = await Promise.all(joins.map((join) => join.promise));
    expect(answers.map((answer) => answer.generationId)).toEqual([1, 1, 1, 1]);
  });

  it('validates the group id, the session timeout and known member ids', async () => {
    const h = await harness();
    expect((await h.coordinator.joinGroup(joinRequest({ groupId: '' }))).errorCode).toBe('INVALID_GROUP_ID');
    expect((await h.coordinator.joinGroup(joinRequest({ sessionTimeoutMs: 5999 }))).errorCode).toBe('INVALID_SESSION_TIMEOUT');
    expect((await h.coordinator.joinGroup(joinRequest({ sessionTimeoutMs: 1_800_001 }))).errorCode).toBe('INVALID_SESSION_TIMEOUT');
    expect(await h.coordinator.joinGroup(joinRequest({ memberId: 'stale-id' }))).toMatchObject({ errorCode: 'UNKNOWN_MEMBER_ID', memberId: 'stale-id', generationId: -1 });
    expect(h.coordinator.groupSnapshot('g')).toBeNull();
  });

  it('bounds the group at maxGroupSize', async () => {
    const h = await harness({ maxGroupSize: 2 });
    await stableGroup(h, 2);
    expect(await h.coordinator.joinGroup(joinRequest())).toMatchObject({ errorCode: 'GROUP_MAX_SIZE_REACHED', memberId: '' });
    expect((await h.coordinator.joinGroup(joinRequest({ requireKnownMemberId: true }))).errorCode).toBe('GROUP_MAX_SIZE_REACHED');
    expect(h.coordinator.groupSnapshot('g')?.members).toHaveLength(2);
  });

  it('answers a superseded JoinGroup of the same member instead of leaving it pending', async () => {
    const h = await harness();
    const [a, b] = await stableGroup(h, 2);
    const first = track(h.coordinator.joinGroup(joinRequest({ memberId: a!.memberId })));
    const second = track(h.coordinator.joinGroup(joinRequest({ memberId: a!.memberId })));
    await settle();
    expect(first.value?.errorCode).toBe('REBALANCE_IN_PROGRESS');
    expect(second.settled).toBe(false);
    await h.coordinator.joinGroup(joinRequest({ memberId: b!.memberId }));
    expect(await second.promise).toMatchObject({ errorCode: 'NONE', generationId: 2 });
  });
});

describe('GroupCoordinator: failure detection and rebalances', () => {
  it('evicts a member that stops heartbeating and rebalances the others', async () => {
    const h = await harness();
    const [a, b] = await stableGroup(h, 2);
    for (let elapsed = 0; elapsed < SESSION_MS; elapsed += 3000) {
      await h.advance(3000);
      expect(h.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: a!.memberId }).errorCode).not.toBe('UNKNOWN_MEMBER_ID');
    }
    // b's session has expired: the group is rebalancing and a learns it from its heartbeat.
    expect(h.coordinator.groupSnapshot('g')?.members.map((member) => member.memberId)).toEqual([a!.memberId]);
    expect(h.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: a!.memberId }).errorCode).toBe('REBALANCE_IN_PROGRESS');
    expect(h.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: b!.memberId }).errorCode).toBe('UNKNOWN_MEMBER_ID');
    // a is the only member left: its rejoin completes the rebalance at once.
    const rejoined = await h.coordinator.joinGroup(joinRequest({ memberId: a!.memberId }));
    expect(rejoined).toMatchObject({ errorCode: 'NONE', generationId: 2, leader: a!.memberId });
    expect(rejoined.members.map((member) => member.memberId)).toEqual([a!.memberId]);
  });

  it('a LeaveGroup triggers a rebalance; the last member leaving empties the group', async () => {
    const h = await harness();
    const [a, b] = await stableGroup(h, 2);
    expect(h.coordinator.leaveGroup({ groupId: 'g', members: [{ memberId: b!.memberId }, { memberId: 'unknown' }] })).toEqual({
      errorCode: 'NONE',
      members: [{ memberId: b!.memberId, groupInstanceId: null, errorCode: 'NONE' }, { memberId: 'unknown', groupInstanceId: null, errorCode: 'UNKNOWN_MEMBER_ID' }],
    });
    expect(h.coordinator.groupSnapshot('g')?.state).toBe('PreparingRebalance');
    expect(h.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: a!.memberId }).errorCode).toBe('REBALANCE_IN_PROGRESS');
    expect(await h.coordinator.joinGroup(joinRequest({ memberId: a!.memberId }))).toMatchObject({ errorCode: 'NONE', generationId: 2 });
    await h.coordinator.syncGroup({ groupId: 'g', generationId: 2, memberId: a!.memberId, assignments: [] });

    h.coordinator.leaveGroup({ groupId: 'g', members: [{ memberId: a!.memberId }] });
    expect(h.coordinator.groupSnapshot('g')).toMatchObject({ state: 'Empty', generationId: 3, members: [], leaderId: null, protocolName: null });
    expect(h.coordinator.leaveGroup({ groupId: 'none', members: [{ memberId: 'x' }] }).members[0]?.errorCode).toBe('UNKNOWN_MEMBER_ID');
  });

  it('a rebalance waits at most the rebalance timeout, then drops members that did not rejoin', async () => {
    const h = await harness();
    const [a, b] = await stableGroup(h, 2);
    // The leader rejoining starts a rebalance; b never rejoins (but keeps heartbeating).
    const rejoin = track(h.coordinator.joinGroup(joinRequest({ memberId: a!.memberId })));
    for (let elapsed = 0; elapsed < REBALANCE_MS - 3000; elapsed += 3000) {
      await h.advance(3000);
      expect(h.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: b!.memberId }).errorCode).toBe('REBALANCE_IN_PROGRESS');
    }
    expect(rejoin.settled).toBe(false);
    await h.advance(3000);
    expect(await rejoin.promise).toMatchObject({ errorCode: 'NONE', generationId: 2, leader: a!.memberId });
    expect(h.coordinator.groupSnapshot('g')?.members.map((member) => member.memberId)).toEqual([a!.memberId]);
    expect(h.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: b!.memberId }).errorCode).toBe('UNKNOWN_MEMBER_ID');
  });

  it('drops members that never send SyncGroup within the rebalance timeout', async () => {
    const h = await harness();
    const [leader, follower] = await joinTogether(h, 2);
    await h.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: leader!.memberId, assignments: [] });
    for (let elapsed = 0; elapsed < REBALANCE_MS; elapsed += 3000) {
      await h.advance(3000);
      h.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: leader!.memberId });
      h.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: follower!.memberId });
    }
    expect(h.coordinator.groupSnapshot('g')?.members.map((member) => member.memberId)).toEqual([leader!.memberId]);
    expect(h.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: leader!.memberId }).errorCode).toBe('REBALANCE_IN_PROGRESS');
  });

  it('SyncGroup and Heartbeat errors', async () => {
    const h = await harness();
    const [leader, follower] = await joinTogether(h, 2);
    expect((await h.coordinator.syncGroup({ groupId: 'g', generationId: 0, memberId: leader!.memberId, assignments: [] })).errorCode).toBe('ILLEGAL_GENERATION');
    expect((await h.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: 'who', assignments: [] })).errorCode).toBe('UNKNOWN_MEMBER_ID');
    expect((await h.coordinator.syncGroup({ groupId: 'nope', generationId: 1, memberId: 'who', assignments: [] })).errorCode).toBe('UNKNOWN_MEMBER_ID');
    expect((await h.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: leader!.memberId, protocolName: 'roundrobin', assignments: [] })).errorCode).toBe('INCONSISTENT_GROUP_PROTOCOL');
    expect(h.coordinator.heartbeat({ groupId: 'g', generationId: 2, memberId: leader!.memberId }).errorCode).toBe('ILLEGAL_GENERATION');
    expect(h.coordinator.heartbeat({ groupId: 'nope', generationId: 1, memberId: 'x' }).errorCode).toBe('UNKNOWN_MEMBER_ID');
    expect(h.coordinator.heartbeat({ groupId: '', generationId: 1, memberId: 'x' }).errorCode).toBe('INVALID_GROUP_ID');

    // A new member joining while members wait in SyncGroup sends them back to rejoin.
    const followerSync = h.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: follower!.memberId, assignments: [] });
    const newcomer = track(h.coordinator.joinGroup(joinRequest()));
    expect((await followerSync).errorCode).toBe('REBALANCE_IN_PROGRESS');
    expect((await h.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: leader!.memberId, assignments: [] })).errorCode).toBe('REBALANCE_IN_PROGRESS');
    const rejoins = [
      h.coordinator.joinGroup(joinRequest({ memberId: leader!.memberId })),
      h.coordinator.joinGroup(joinRequest({ memberId: follower!.memberId })),
    ];
    // Everyone is back: generation 2 completes without waiting for the timeout.
    for (const answer of [...(await Promise.all(rejoins)), await newcomer.promise]) expect(answer).toMatchObject({ errorCode: 'NONE', generationId: 2 });
  });
});

describe('GroupCoordinator: static membership', () => {
  it('a restarted static member takes over its old member id, which is fenced', async () => {
    const s = await harness();
    const joins = [
      s.coordinator.joinGroup(joinRequest({ groupInstanceId: 'instance-a', clientId: 'a' })),
      s.coordinator.joinGroup(joinRequest({ groupInstanceId: 'instance-b', clientId: 'b' })),
    ];
    await s.advance(3000);
    await s.advance(3000);
    const [leader, follower] = await Promise.all(joins);
    expect(leader!.memberId).toMatch(/^instance-a-/);
    expect(leader!.members.map((member) => member.groupInstanceId)).toEqual(['instance-a', 'instance-b']);
    const followerSync = s.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: follower!.memberId, groupInstanceId: 'instance-b', assignments: [] });
    await s.coordinator.syncGroup({
      groupId: 'g', generationId: 1, memberId: leader!.memberId, groupInstanceId: 'instance-a',
      assignments: [{ memberId: leader!.memberId, assignment: Buffer.from('A') }, { memberId: follower!.memberId, assignment: Buffer.from('B') }],
    });
    await followerSync;

    // instance-b restarts: it rejoins without a member id and takes over, with no rebalance.
    const restarted = await s.coordinator.joinGroup(joinRequest({ groupInstanceId: 'instance-b', clientId: 'b' }));
    expect(restarted).toMatchObject({ errorCode: 'NONE', generationId: 1, leader: leader!.memberId, members: [] });
    expect(restarted.memberId).not.toBe(follower!.memberId);
    expect(s.coordinator.groupSnapshot('g')?.state).toBe('Stable');
    expect((await s.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: restarted.memberId, groupInstanceId: 'instance-b', assignments: [] })).assignment).toEqual(Buffer.from('B'));
    // The old incarnation is fenced everywhere.
    expect(s.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: follower!.memberId, groupInstanceId: 'instance-b' }).errorCode).toBe('FENCED_INSTANCE_ID');
    expect(errorsOf(await s.coordinator.commitOffsets(commit('g', 1, follower!.memberId, { 't:0': 1 }, { groupInstanceId: 'instance-b' })))).toEqual(['FENCED_INSTANCE_ID']);
    expect((await s.coordinator.joinGroup(joinRequest({ memberId: follower!.memberId, groupInstanceId: 'instance-b' }))).errorCode).toBe('FENCED_INSTANCE_ID');
    expect(s.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: restarted.memberId, groupInstanceId: 'instance-b' }).errorCode).toBe('NONE');

    // A static member can be removed by its instance id alone (the admin client does this).
    expect(s.coordinator.leaveGroup({ groupId: 'g', members: [{ memberId: '', groupInstanceId: 'instance-b' }] }).members[0]?.errorCode).toBe('NONE');
    expect(s.coordinator.groupSnapshot('g')?.members.map((member) => member.groupInstanceId)).toEqual(['instance-a']);
  });
});

describe('GroupCoordinator: offsets', () => {
  it('rejects commits from stale generations, unknown members, and during CompletingRebalance', async () => {
    const h = await harness();
    const [a, b] = await stableGroup(h, 2);
    h.coordinator.leaveGroup({ groupId: 'g', members: [{ memberId: b!.memberId }] });
    // PreparingRebalance: the current generation may still commit.
    expect(errorsOf(await h.coordinator.commitOffsets(commit('g', 1, a!.memberId, { 't:0': 10 })))).toEqual(['NONE']);
    const rejoined = await h.coordinator.joinGroup(joinRequest({ memberId: a!.memberId }));
    expect(rejoined.generationId).toBe(2);
    expect(errorsOf(await h.coordinator.commitOffsets(commit('g', 2, a!.memberId, { 't:0': 11 })))).toEqual(['REBALANCE_IN_PROGRESS']);
    await h.coordinator.syncGroup({ groupId: 'g', generationId: 2, memberId: a!.memberId, assignments: [] });
    expect(errorsOf(await h.coordinator.commitOffsets(commit('g', 1, a!.memberId, { 't:0': 12, 't:1': 3 })))).toEqual(['ILLEGAL_GENERATION', 'ILLEGAL_GENERATION']);
    expect(errorsOf(await h.coordinator.commitOffsets(commit('g', 2, b!.memberId, { 't:0': 13 })))).toEqual(['UNKNOWN_MEMBER_ID']);
    expect(errorsOf(await h.coordinator.commitOffsets(commit('unknown-group', 2, 'x', { 't:0': 13 })))).toEqual(['ILLEGAL_GENERATION']);
    expect(errorsOf(await h.coordinator.commitOffsets(commit('g', 2, a!.memberId, { 't:0': 14 })))).toEqual(['NONE']);
    expect(h.coordinator.fetchOffsets({ groupId: 'g', partitions: [{ topic: 't', partition: 0 }] }).topics[0]?.partitions[0]?.committedOffset).toBe(14);
  });

  it('standalone commits (generation -1, no member id) only while the group is Empty or absent', async () => {
    const h = await harness();
    expect(errorsOf(await h.coordinator.commitOffsets(commit('simple', -1, '', { 't:0': 5 })))).toEqual(['NONE']);
    expect(h.coordinator.listGroups().groups).toEqual([{ groupId: 'simple', protocolType: '', groupState: 'Empty', groupType: 'classic' }]);
    expect(errorsOf(await h.coordinator.commitOffsets(commit('simple', -1, '', { 't:0': 6 })))).toEqual(['NONE']);

    const [member] = await stableGroup(h, 1, { groupId: 'simple' });
    expect(errorsOf(await h.coordinator.commitOffsets(commit('simple', -1, '', { 't:0': 7 })))).toEqual(['UNKNOWN_MEMBER_ID']);
    h.coordinator.leaveGroup({ groupId: 'simple', members: [{ memberId: member!.memberId }] });
    expect(h.coordinator.groupSnapshot('simple')?.state).toBe('Empty');
    expect(errorsOf(await h.coordinator.commitOffsets(commit('simple', -1, '', { 't:0': 8 })))).toEqual(['NONE']);
    expect(h.coordinator.fetchOffsets({ groupId: 'simple' }).topics[0]?.partitions[0]?.committedOffset).toBe(8);
  });

  it('validates partitions and metadata, and reports store failures without applying the commit', async () => {
    const h = await harness({ partitionExists: (topic, partition) => topic === 't' && partition < 2, offsetMetadataMaxBytes: 8 });
    const response = await h.coordinator.commitOffsets({
      groupId: 'g', generationId: -1, memberId: '',
      topics: [
        { name: 't', partitions: [{ partitionIndex: 0, committedOffset: 1 }, { partitionIndex: 1, committedOffset: 1, committedMetadata: 'too long metadata' }, { partitionIndex: 2, committedOffset: 1 }] },
        { name: 'missing', partitions: [{ partitionIndex: 0, committedOffset: 1 }] },
      ],
    });
    expect(errorsOf(response)).toEqual(['NONE', 'OFFSET_METADATA_TOO_LARGE', 'UNKNOWN_TOPIC_OR_PARTITION', 'UNKNOWN_TOPIC_OR_PARTITION']);

    h.store.failNextWrite = new StorageError('KAFKA_STORAGE_ERROR', 'disk on fire');
    expect(errorsOf(await h.coordinator.commitOffsets(commit('g', -1, '', { 't:0': 99 })))).toEqual(['NOT_COORDINATOR']);
    h.store.failNextWrite = new BrokerError('REQUEST_TIMED_OUT', 'slow');
    expect(errorsOf(await h.coordinator.commitOffsets(commit('g', -1, '', { 't:0': 98 })))).toEqual(['COORDINATOR_NOT_AVAILABLE']);
    expect(h.coordinator.fetchOffsets({ groupId: 'g' }).topics[0]?.partitions[0]?.committedOffset).toBe(1);
  });

  it('bounds the commits waiting for the store', async () => {
    const h = await harness({ maxPendingOffsetWrites: 1 }, new MemoryOffsetStore([3]));
    const first = h.coordinator.commitOffsets(commit('g', -1, '', { 't:0': 1 }));
    expect(errorsOf(await h.coordinator.commitOffsets(commit('g', -1, '', { 't:0': 2 })))).toEqual(['COORDINATOR_NOT_AVAILABLE']);
    expect(errorsOf(await first)).toEqual(['NONE']);
    expect(errorsOf(await h.coordinator.commitOffsets(commit('g', -1, '', { 't:0': 3 })))).toEqual(['NONE']);
  });

  it('offsets survive reopening the coordinator from the same store', async () => {
    const h = await harness();
    const [member] = await stableGroup(h, 1, { groupId: 'consumers' });
    await h.coordinator.commitOffsets(commit('consumers', 1, member!.memberId, { 'orders:0': 100, 'orders:1': 200 }));
    await h.coordinator.commitOffsets(commit('consumers', 1, member!.memberId, { 'orders:0': 150 }));
    await h.coordinator.commitOffsets(commit('doomed', -1, '', { 'orders:0': 1 }));
    expect((await h.coordinator.deleteGroups(['doomed'])).results).toEqual([{ groupId: 'doomed', errorCode: 'NONE' }]);
    await h.coordinator.close();

    const reopened = await GroupCoordinator.open({ offsetStore: h.store, nowMs: h.clock.now });
    expect(reopened.fetchOffsets({ groupId: 'consumers' })).toEqual({
      errorCode: 'NONE',
      topics: [{ name: 'orders', partitions: [
        { partitionIndex: 0, committedOffset: 150, committedLeaderEpoch: -1, metadata: 'm150', errorCode: 'NONE' },
        { partitionIndex: 1, committedOffset: 200, committedLeaderEpoch: -1, metadata: 'm200', errorCode: 'NONE' },
      ] }],
    });
    // Membership is not persisted: the group comes back Empty and the old member must rejoin.
    expect(reopened.listGroups().groups).toEqual([{ groupId: 'consumers', protocolType: '', groupState: 'Empty', groupType: 'classic' }]);
    expect(reopened.heartbeat({ groupId: 'consumers', generationId: 1, memberId: member!.memberId }).errorCode).toBe('UNKNOWN_MEMBER_ID');
    expect(errorsOf(await reopened.commitOffsets(commit('consumers', 1, member!.memberId, { 'orders:0': 151 })))).toEqual(['UNKNOWN_MEMBER_ID']);
    expect(reopened.fetchOffsets({ groupId: 'doomed' }).topics).toEqual([]);
  });
});

describe('GroupCoordinator: DescribeGroups, ListGroups, DeleteGroups', () => {
  it('deletes only Empty groups, with their offsets', async () => {
    const h = await harness();
    const [member] = await stableGroup(h, 1, { groupId: 'busy' });
    await h.coordinator.commitOffsets(commit('busy', 1, member!.memberId, { 't:0': 1 }));
    await h.coordinator.commitOffsets(commit('idle', -1, '', { 't:0': 5, 't:1': 6 }));
    const { results } = await h.coordinator.deleteGroups(['busy', 'idle', 'missing', 'idle']);
    expect(results).toEqual([
      { groupId: 'busy', errorCode: 'NON_EMPTY_GROUP' },
      { groupId: 'idle', errorCode: 'NONE' },
      { groupId: 'missing', errorCode: 'GROUP_ID_NOT_FOUND' },
    ]);
    expect(h.store.entries.filter((entry) => entry.groupId === 'idle' && entry.committed === null).map((entry) => entry.partition)).toEqual([0, 1]);
    expect(h.coordinator.fetchOffsets({ groupId: 'idle', partitions: [{ topic: 't', partition: 0 }] }).topics[0]?.partitions[0]?.committedOffset).toBe(-1);
    expect(h.coordinator.describeGroups(['idle']).groups[0]).toMatchObject({ errorCode: 'NONE', groupState: 'Dead', members: [] });
    expect(h.coordinator.listGroups().groups.map((group) => group.groupId)).toEqual(['busy']);

    // After its member leaves, the group is Empty and can go.
    h.coordinator.leaveGroup({ groupId: 'busy', members: [{ memberId: member!.memberId }] });
    expect((await h.coordinator.deleteGroups(['busy'])).results).toEqual([{ groupId: 'busy', errorCode: 'NONE' }]);
    expect(h.coordinator.listGroups().groups).toEqual([]);
  });

  it('keeps a group whose deletion could not be written', async () => {
    const h = await harness();
    await h.coordinator.commitOffsets(commit('idle', -1, '', { 't:0': 5 }));
    h.store.failNextWrite = new StorageError('KAFKA_STORAGE_ERROR', 'EIO');
    expect((await h.coordinator.deleteGroups(['idle'])).results).toEqual([{ groupId: 'idle', errorCode: 'NOT_COORDINATOR' }]);
    expect(h.coordinator.groupSnapshot('idle')?.state).toBe('Empty');
    expect(h.coordinator.fetchOffsets({ groupId: 'idle' }).topics[0]?.partitions[0]?.committedOffset).toBe(5);
  });

  it('lists groups with a states filter and describes them', async () => {
    const h = await harness();
    await stableGroup(h, 2, { groupId: 'stable' });
    await h.coordinator.commitOffsets(commit('offsets-only', -1, '', { 't:0': 1 }));
    const rebalancing = track(h.coordinator.joinGroup(joinRequest({ groupId: 'starting' })));
    expect(h.coordinator.listGroups(['stable', 'EMPTY']).groups.map((group) => [group.groupId, group.groupState])).toEqual([['stable', 'Stable'], ['offsets-only', 'Empty']]);
    expect(h.coordinator.listGroups(['PreparingRebalance']).groups.map((group) => group.groupId)).toEqual(['starting']);
    const [starting, missing] = h.coordinator.describeGroups(['starting', 'missing']).groups;
    expect(starting).toMatchObject({ groupState: 'PreparingRebalance', protocolType: 'consumer', protocolData: '' });
    expect(starting?.members[0]?.memberMetadata).toEqual(Buffer.alloc(0));
    expect(missing).toEqual({ errorCode: 'NONE', groupId: 'missing', groupState: 'Dead', protocolType: '', protocolData: '', members: [] });
    await h.advance(3000);
    expect(rebalancing.settled).toBe(true);
  });

  it('forgets an Empty group without offsets after a while', async () => {
    const h = await harness({ emptyGroupExpiryMs: 60_000 });
    const [member] = await stableGroup(h, 1);
    h.coordinator.leaveGroup({ groupId: 'g', members: [{ memberId: member!.memberId }] });
    await h.advance(59_999);
    expect(h.coordinator.groupSnapshot('g')?.state).toBe('Empty');
    await h.advance(1);
    expect(h.coordinator.groupSnapshot('g')).toBeNull();
  });
});

describe('GroupCoordinator: close', () => {
  it('answers parked requests NOT_COORDINATOR and refuses later ones', async () => {
    const h = await harness();
    const [leader, follower] = await joinTogether(h, 2);
    const followerSync = h.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: follower!.memberId, assignments: [] });
    const otherJoin = h.coordinator.joinGroup(joinRequest({ groupId: 'other' }));
    const commitInFlight = h.coordinator.commitOffsets(commit('g2', -1, '', { 't:0': 1 }));
    await h.coordinator.close();
    expect((await followerSync).errorCode).toBe('NOT_COORDINATOR');
    expect((await otherJoin).errorCode).toBe('NOT_COORDINATOR');
    expect(errorsOf(await commitInFlight)).toEqual(['NONE']);
    expect((await h.coordinator.joinGroup(joinRequest())).errorCode).toBe('COORDINATOR_NOT_AVAILABLE');
    expect(h.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: leader!.memberId }).errorCode).toBe('COORDINATOR_NOT_AVAILABLE');
    expect(h.coordinator.listGroups().errorCode).toBe('COORDINATOR_NOT_AVAILABLE');
    expect(errorsOf(await h.coordinator.commitOffsets(commit('g', -1, '', { 't:0': 1 })))).toEqual(['COORDINATOR_NOT_AVAILABLE']);
  });

  it('rejects bad options', async () => {
    await expect(GroupCoordinator.open({ offsetStore: new MemoryOffsetStore(), minSessionTimeoutMs: 10, maxSessionTimeoutMs: 5 })).rejects.toThrow(BrokerError);
    await expect(GroupCoordinator.open({ offsetStore: new MemoryOffsetStore(), maxGroupSize: -1 })).rejects.toThrow(/maxGroupSize/);
  });
});
