// Model-based test of the group coordinator: four simulated consumers (one of them static) run
// random sequences of join, sync, heartbeat, leave, restart and commit against one group while time
// advances. The leader assigns the partitions of a fixed topic set round-robin over the sorted
// member ids it got in its JoinGroup answer. After every step:
//   - no two live consumers hold the same partition in the same generation, and in a Stable
//     group no partition is assigned to two members;
//   - the generation never decreases;
//   - every committed offset equals the highest successfully committed value (commits use
//     increasing values per partition), so it never goes backwards;
//   - members of the current Stable generation that have synced can always commit;
//   - every answer is one Kafka allows for that request; nothing rejects.
// At the end, after enough ticks, no request is left pending and the group is Empty.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KafkaErrorName } from '../../../src/broker/kafka-error-codes.js';
import type { JoinGroupResponse, SyncGroupResponse } from '../../../src/broker/groups/group-api.js';
import { harness, MemoryOffsetStore, settle, track, type Harness, type Tracked } from './support.js';

const GROUP = 'model';
const PARTITIONS: readonly string[] = ['orders:0', 'orders:1', 'orders:2', 'payments:0', 'payments:1'];
const SESSION_MS = 10_000;
const REBALANCE_MS = 15_000;
const CLIENTS = 4;
const STATIC_CLIENT = 3;
const RUNS = 1000;

type Command =
  | { kind: 'poll' | 'join' | 'sync' | 'heartbeat' | 'leave' | 'restart'; client: number }
  | { kind: 'commit'; client: number; partition: number }
  | { kind: 'standaloneCommit'; partition: number }
  | { kind: 'advance'; ms: number };

const clientArb = fc.integer({ min: 0, max: CLIENTS - 1 });
// Mostly one partition, so that commits to it overlap.
const partitionArb = fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.integer({ min: 1, max: PARTITIONS.length - 1 }) });
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  // What a well-behaved consumer does next (join, sync or heartbeat), interleaved with raw requests.
  { weight: 20, arbitrary: fc.record({ kind: fc.constant('poll' as const), client: clientArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('join' as const), client: clientArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('sync' as const), client: clientArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('heartbeat' as const), client: clientArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('leave' as const), client: clientArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const), client: clientArb }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('commit' as const), client: clientArb, partition: partitionArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('standaloneCommit' as const), partition: partitionArb }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.constantFrom(200, 500, 1000, 1000, 2000, 3000, 3000, 8000, 20_000) }) },
);

/** What one consumer process knows. A restart starts a new incarnation that knows nothing. */
interface Client {
  index: number;
  incarnation: number;
  groupInstanceId: string | null;
  memberId: string;
  /** Generation of the last successful JoinGroup (-1: none). */
  generationId: number;
  /** The JoinGroup answer to sync with, until the sync is sent. */
  joined: JoinGroupResponse | null;
  joinPending: boolean;
  syncPending: boolean;
  /** Told to rejoin (REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION). */
  needsRejoin: boolean;
  /** Partitions held, and the generation they were assigned in. */
  owned: { generationId: number; partitions: string[] } | null;
}

const ALLOWED: Record<string, ReadonlySet<KafkaErrorName>> = {
  join: new Set(['NONE', 'MEMBER_ID_REQUIRED', 'UNKNOWN_MEMBER_ID', 'REBALANCE_IN_PROGRESS', 'FENCED_INSTANCE_ID']),
  sync: new Set(['NONE', 'REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'FENCED_INSTANCE_ID']),
  heartbeat: new Set(['NONE', 'REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'FENCED_INSTANCE_ID']),
  leave: new Set(['NONE', 'UNKNOWN_MEMBER_ID', 'FENCED_INSTANCE_ID']),
  commit: new Set(['NONE', 'REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'FENCED_INSTANCE_ID']),
};

function encodeAssignment(partitions: string[]): Buffer {
  return Buffer.from(JSON.stringify(partitions));
}

function decodeAssignment(buffer: Buffer): string[] {
  return buffer.length === 0 ? [] : (JSON.parse(buffer.toString()) as string[]);
}

/** The leader's deterministic rule: partition i goes to the i-th sorted member, round-robin. */
function assign(memberIds: string[]): Map<string, string[]> {
  const sorted = [...memberIds].sort();
  const result = new Map<string, string[]>(sorted.map((memberId) => [memberId, []]));
  PARTITIONS.forEach((partition, index) => result.get(sorted[index % sorted.length] ?? '')?.push(partition));
  return result;
}

class Model {
  readonly clients: Client[] = Array.from({ length: CLIENTS }, (_, index) => ({
    index, incarnation: 0, groupInstanceId: index === STATIC_CLIENT ? 'static-consumer' : null,
    memberId: '', generationId: -1, joined: null, joinPending: false, syncPending: false, needsRejoin: false, owned: null,
  }));
  readonly pending: Tracked<unknown>[] = [];
  /** Next offset to commit per partition (strictly increasing across all commits). */
  private readonly nextOffset = new Map<string, number>();
  /** Highest offset whose commit was answered NONE, per partition. */
  readonly committed = new Map<string, number>();
  lastGeneration = 0;
  readonly failures: string[] = [];
  /** What the run exercised (the test checks the generator reaches the interesting paths). */
  readonly seen = { stable: false, syncs: 0, memberCommits: 0, staticReplaced: false };

  constructor(readonly h: Harness) {}

  private check(condition: boolean, message: string): void {
    if (!condition) this.failures.push(message);
  }

  private expectAllowed(kind: string, errorCode: KafkaErrorName): void {
    this.check(ALLOWED[kind]?.has(errorCode) === true, `${kind} answered ${errorCode}`);
  }

  private watch<T>(promise: Promise<T>, onValue: (value: T) => void): void {
    const tracked = track(promise);
    this.pending.push(tracked as Tracked<unknown>);
    promise.then(onValue, (error: unknown) => this.failures.push(`request rejected: ${String(error)}`));
  }

  run(command: Command): void {
    const { coordinator } = this.h;
    switch (command.kind) {
      case 'advance':
        this.h.clock.advance(command.ms);
        coordinator.tick();
        return;
      case 'standaloneCommit': {
        const partition = PARTITIONS[command.partition] ?? '';
        const snapshot = coordinator.groupSnapshot(GROUP);
        const expected: KafkaErrorName = snapshot === null || snapshot.state === 'Empty' ? 'NONE' : 'UNKNOWN_MEMBER_ID';
        this.commit(-1, '', null, partition, expected);
        return;
      }
      default:
        break;
    }
    const client = this.clients[command.client];
    if (client === undefined) return;
    const incarnation = client.incarnation;
    const current = (): boolean => client.incarnation === incarnation;
    const identity = { groupId: GROUP, memberId: client.memberId, groupInstanceId: client.groupInstanceId };

    switch (command.kind) {
      case 'poll':
        if (client.joinPending || client.syncPending) return;
        if (client.joined !== null) return this.run({ kind: 'sync', client: client.index });
        if (client.memberId === '' || client.needsRejoin || client.generationId < 0) return this.run({ kind: 'join', client: client.index });
        return this.run({ kind: 'heartbeat', client: client.index });
      case 'join':
        if (client.joinPending || client.syncPending) return;
        this.join(client);
        return;
      case 'sync': {
        const joined = client.joined;
        if (joined === null || client.joinPending || client.syncPending) return;
        client.joined = null;
        client.syncPending = true;
        const isLeader = joined.leader === joined.memberId;
        const assignments = isLeader ? [...assign(joined.members.map((member) => member.memberId))].map(([memberId, partitions]) => ({ memberId, assignment: encodeAssignment(partitions) })) : [];
        this.watch(
          coordinator.syncGroup({ ...identity, generationId: joined.generationId, protocolType: 'consumer', protocolName: joined.protocolName, assignments }),
          (answer) => this.onSync(client, current(), joined.generationId, answer),
        );
        return;
      }
      case 'heartbeat': {
        if (client.memberId === '') return;
        const { errorCode } = coordinator.heartbeat({ ...identity, generationId: client.generationId });
        this.expectAllowed('heartbeat', errorCode);
        if (errorCode === 'UNKNOWN_MEMBER_ID') this.forget(client);
        if (errorCode === 'REBALANCE_IN_PROGRESS' || errorCode === 'ILLEGAL_GENERATION') {
          client.owned = null;
          client.needsRejoin = true;
        }
        return;
      }
      case 'leave': {
        if (client.memberId === '') return;
        const response = coordinator.leaveGroup({ groupId: GROUP, members: [{ memberId: client.memberId, groupInstanceId: client.groupInstanceId }] });
        this.check(response.errorCode === 'NONE', `leave answered ${response.errorCode}`);
        for (const member of response.members) this.expectAllowed('leave', member.errorCode);
        this.restart(client);
        return;
      }
      case 'restart':
        // The process dies without leaving; a static consumer comes back with the same instance id.
        this.restart(client);
        return;
      case 'commit': {
        if (client.memberId === '') return;
        const partition = PARTITIONS[command.partition] ?? '';
        const snapshot = coordinator.groupSnapshot(GROUP);
        // A synced member of the current Stable generation must be able to commit.
        const mustSucceed = snapshot !== null && snapshot.state === 'Stable' && snapshot.generationId === client.generationId &&
          client.owned?.generationId === client.generationId && snapshot.members.some((member) => member.memberId === client.memberId);
        this.commit(client.generationId, client.memberId, client.groupInstanceId, partition, mustSucceed ? 'NONE' : null);
        return;
      }
    }
  }

  private join(client: Client): void {
    const incarnation = client.incarnation;
    client.joinPending = true;
    client.needsRejoin = false;
    client.owned = null; // eager protocol: give everything up before rejoining
    this.watch(
      this.h.coordinator.joinGroup({
        groupId: GROUP, memberId: client.memberId, groupInstanceId: client.groupInstanceId,
        sessionTimeoutMs: SESSION_MS, rebalanceTimeoutMs: REBALANCE_MS, protocolType: 'consumer',
        protocols: [{ name: 'roundrobin', metadata: Buffer.from(`subscription-${client.index}`) }],
        requireKnownMemberId: true, clientId: `consumer-${client.index}`,
      }),
      (answer) => this.onJoin(client, client.incarnation === incarnation, answer),
    );
  }

  private commit(generationId: number, memberId: string, groupInstanceId: string | null, partition: string, expected: KafkaErrorName | null): void {
    const offset = (this.nextOffset.get(partition) ?? 0) + 1;
    this.nextOffset.set(partition, offset);
    const [topic = '', index = '0'] = partition.split(':');
    this.watch(
      this.h.coordinator.commitOffsets({ groupId: GROUP, generationId, memberId, groupInstanceId, topics: [{ name: topic, partitions: [{ partitionIndex: Number(index), committedOffset: offset }] }] }),
      (response) => {
        const errorCode = response.topics[0]?.partitions[0]?.errorCode ?? 'UNKNOWN_SERVER_ERROR';
        this.expectAllowed('commit', errorCode);
        if (expected !== null) this.check(errorCode === expected, `commit by ${memberId || '(standalone)'} answered ${errorCode}, expected ${expected}`);
        if (errorCode === 'NONE') this.committed.set(partition, Math.max(this.committed.get(partition) ?? -1, offset));
        if (errorCode === 'NONE' && memberId !== '') this.seen.memberCommits++;
      },
    );
  }

  private onJoin(client: Client, current: boolean, answer: JoinGroupResponse): void {
    this.expectAllowed('join', answer.errorCode);
    if (answer.errorCode === 'FENCED_INSTANCE_ID') this.seen.staticReplaced = true;
    if (answer.errorCode === 'NONE') {
      this.check(answer.generationId >= this.lastGeneration, `join answered generation ${answer.generationId} after ${this.lastGeneration}`);
      const isLeader = answer.leader === answer.memberId;
      this.check(isLeader ? answer.members.some((member) => member.memberId === answer.memberId) : answer.members.length === 0, 'leader gets the members, followers none');
    }
    if (!current) return;
    client.joinPending = false;
    if (answer.errorCode === 'MEMBER_ID_REQUIRED') {
      // Clients rejoin at once with the id they were given.
      client.memberId = answer.memberId;
      this.join(client);
    } else if (answer.errorCode === 'UNKNOWN_MEMBER_ID' || answer.errorCode === 'FENCED_INSTANCE_ID') this.forget(client);
    else if (answer.errorCode === 'REBALANCE_IN_PROGRESS') client.needsRejoin = true;
    else if (answer.errorCode === 'NONE') {
      client.memberId = answer.memberId;
      client.generationId = answer.generationId;
      client.joined = answer;
    }
  }

  private onSync(client: Client, current: boolean, generationId: number, answer: SyncGroupResponse): void {
    this.expectAllowed('sync', answer.errorCode);
    if (!current) return;
    client.syncPending = false;
    if (answer.errorCode === 'UNKNOWN_MEMBER_ID' || answer.errorCode === 'FENCED_INSTANCE_ID') return this.forget(client);
    if (answer.errorCode !== 'NONE') {
      client.needsRejoin = true;
      return;
    }
    const partitions = decodeAssignment(answer.assignment);
    for (const other of this.clients) {
      if (other === client || other.owned === null || other.owned.generationId !== generationId) continue;
      const overlap = partitions.filter((partition) => other.owned?.partitions.includes(partition));
      this.check(overlap.length === 0, `generation ${generationId}: consumers ${client.index} and ${other.index} both hold ${overlap.join(', ')}`);
    }
    client.owned = { generationId, partitions };
    this.seen.syncs++;
  }

  private forget(client: Client): void {
    client.memberId = '';
    client.generationId = -1;
    client.joined = null;
    client.owned = null;
  }

  private restart(client: Client): void {
    client.incarnation++;
    client.joinPending = false;
    client.syncPending = false;
    this.forget(client);
  }

  /** The invariants that must hold between steps. */
  checkState(): void {
    const { coordinator } = this.h;
    const snapshot = coordinator.groupSnapshot(GROUP);
    if (snapshot !== null) {
      this.check(snapshot.generationId >= this.lastGeneration, `generation went from ${this.lastGeneration} to ${snapshot.generationId}`);
      this.lastGeneration = snapshot.generationId;
      if (snapshot.state === 'Stable') {
        this.seen.stable = true;
        const holders = new Map<string, string>();
        for (const member of snapshot.members) {
          for (const partition of decodeAssignment(member.assignment)) {
            const holder = holders.get(partition);
            this.check(holder === undefined, `Stable generation ${snapshot.generationId}: ${partition} assigned to ${holder} and ${member.memberId}`);
            holders.set(partition, member.memberId);
          }
        }
      }
    }
    const fetched = coordinator.fetchOffsets({ groupId: GROUP, partitions: PARTITIONS.map((key) => ({ topic: key.split(':')[0] ?? '', partition: Number(key.split(':')[1]) })) });
    this.check(fetched.errorCode === 'NONE', `fetch answered ${fetched.errorCode}`);
    for (const topic of fetched.topics) {
      for (const partition of topic.partitions) {
        const key = `${topic.name}:${partition.partitionIndex}`;
        const expected = this.committed.get(key) ?? -1;
        this.check(partition.committedOffset === expected, `${key}: committed ${partition.committedOffset}, expected ${expected}`);
      }
    }
  }
}

describe('GroupCoordinator model', () => {
  it('keeps assignments disjoint, generations and offsets monotone, and answers every request', async () => {
    const totals = { runs: 0, stable: 0, syncs: 0, memberCommits: 0, staticReplaced: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(commandArb, { minLength: 1, maxLength: 80, size: 'max' }), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 8 }), async (commands, writeDelays) => {
        // Store writes take 0–3 event-loop turns, so commits overlap and would complete out of order if not serialized.
        const h = await harness({ minSessionTimeoutMs: 1000, emptyGroupExpiryMs: Number.MAX_SAFE_INTEGER }, new MemoryOffsetStore(writeDelays));
        const model = new Model(h);
        const settleAll = async (): Promise<void> => {
          for (let turn = 0; turn < 4 + 4 * model.pending.filter((tracked) => !tracked.settled).length && model.pending.some((tracked) => !tracked.settled); turn++) await settle();
        };
        for (const command of commands) {
          model.run(command);
          // Answers that need no store write arrive within one turn; commits stay in flight until time advances.
          if (command.kind === 'advance') await settleAll();
          else await settle();
          model.checkState();
          if (model.failures.length > 0) break;
        }
        // With nobody acting any more, rebalances time out, members expire and every request is answered.
        for (let round = 0; round < 10 && model.failures.length === 0; round++) {
          h.clock.advance(REBALANCE_MS + SESSION_MS);
          h.coordinator.tick();
          await settleAll();
          model.checkState();
        }
        totals.runs++;
        if (model.seen.stable) totals.stable++;
        if (model.seen.staticReplaced) totals.staticReplaced++;
        totals.syncs += model.seen.syncs;
        totals.memberCommits += model.seen.memberCommits;
        expect(model.failures).toEqual([]);
        expect(model.pending.filter((tracked) => !tracked.settled)).toHaveLength(0);
        expect(h.coordinator.groupSnapshot(GROUP)?.state ?? 'Empty').toBe('Empty');
        await h.coordinator.close();
      }),
      { numRuns: RUNS },
    );
    // The generator must reach the interesting paths, not just churn.
    expect(totals.stable).toBeGreaterThan(RUNS / 10);
    expect(totals.syncs).toBeGreaterThan(RUNS / 4);
    expect(totals.memberCommits).toBeGreaterThan(RUNS / 5);
    expect(totals.staticReplaced).toBeGreaterThan(0);
  });
});
