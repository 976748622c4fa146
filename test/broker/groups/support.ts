// Test support for the group coordinator: an in-memory OffsetStore (the storage interface, kept as
// a plain list like the compacted topic would be before compaction), a manual clock, and helpers
// to build requests and watch promises settle.
import type { GroupProtocol, JoinGroupRequest, JoinGroupResponse } from '../../../src/broker/groups/group-api.js';
import { GroupCoordinator, type GroupCoordinatorOptions } from '../../../src/broker/groups/group-coordinator.js';
import type { OffsetEntry, OffsetStore } from '../../../src/broker/groups/offset-store.js';

/**
 * Keeps every entry written, in order; `failNextWrite` makes the next write fail without storing
 * anything. `delays` (cycled) makes each write take that many event-loop turns, like a real log.
 */
export class MemoryOffsetStore implements OffsetStore {
  readonly entries: OffsetEntry[] = [];
  writeCount = 0;
  failNextWrite: Error | null = null;
  private delayIndex = 0;

  constructor(private readonly delays: readonly number[] = []) {}

  async write(entries: OffsetEntry[]): Promise<void> {
    await Promise.resolve();
    const turns = this.delays.length === 0 ? 0 : (this.delays[this.delayIndex++ % this.delays.length] ?? 0);
    for (let turn = 0; turn < turns; turn++) await settle();
    const failure = this.failNextWrite;
    if (failure !== null) {
      this.failNextWrite = null;
      throw failure;
    }
    this.writeCount++;
    for (const entry of entries) this.entries.push(structuredClone(entry));
  }

  async load(): Promise<OffsetEntry[]> {
    await Promise.resolve();
    return this.entries.map((entry) => structuredClone(entry));
  }
}

export class ManualClock {
  constructor(public ms = 1_000_000) {}
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface Tracked<T> {
  promise: Promise<T>;
  settled: boolean;
  value: T | undefined;
}

/** Watches a promise so a test can ask whether it has settled yet. */
export function track<T>(promise: Promise<T>): Tracked<T> {
  const tracked: Tracked<T> = { promise, settled: false, value: undefined };
  promise.then(
    (value) => {
      tracked.settled = true;
      tracked.value = value;
    },
    () => {
      tracked.settled = true;
    },
  );
  return tracked;
}

/** Lets every pending promise callback (and the in-memory store's writes) run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export const SESSION_MS = 10_000;
export const REBALANCE_MS = 30_000;

export function protocols(...names: string[]): GroupProtocol[] {
  return names.map((name) => ({ name, metadata: Buffer.from(`${name}-metadata`) }));
}

export function joinRequest(overrides: Partial<JoinGroupRequest> = {}): JoinGroupRequest {
  return {
    groupId: 'g',
    memberId: '',
    sessionTimeoutMs: SESSION_MS,
    rebalanceTimeoutMs: REBALANCE_MS,
    protocolType: 'consumer',
    protocols: protocols('range'),
    clientId: 'client',
    clientHost: '/127.0.0.1',
    ...overrides,
  };
}

export interface Harness {
  clock: ManualClock;
  store: MemoryOffsetStore;
  coordinator: GroupCoordinator;
  /** Advances the clock and fires what became due. */
  advance(ms: number): Promise<void>;
}

export async function harness(options: Partial<GroupCoordinatorOptions> = {}, store = new MemoryOffsetStore(), clock = new ManualClock()): Promise<Harness> {
  const coordinator = await GroupCoordinator.open({ offsetStore: store, nowMs: clock.now, ...options });
  return {
    clock,
    store,
    coordinator,
    async advance(ms: number) {
      clock.advance(ms);
      coordinator.tick();
      await settle();
    },
  };
}

/** Joins `count` members that start together (same initial delay) and returns their JoinGroup answers, leader first. */
export async function joinTogether(h: Harness, count: number, overrides: Partial<JoinGroupRequest> = {}): Promise<JoinGroupResponse[]> {
  const joins = Array.from({ length: count }, (_, index) => track(h.coordinator.joinGroup(joinRequest({ clientId: `client-${index}`, ...overrides }))));
  // Every member after the first extends the initial delay once more (Kafka's InitialDelayedJoin).
  for (let round = 0; round < 10 && !joins.every((join) => join.settled); round++) await h.advance(3000);
  const answers = await Promise.all(joins.map((join) => join.promise));
  return answers.sort((a, b) => (a.leader === a.memberId ? -1 : 0) - (b.leader === b.memberId ? -1 : 0));
}

/** Joins and syncs `count` members into a Stable group; the leader assigns `assignment-<index>` to each. */
export async function stableGroup(h: Harness, count: number, overrides: Partial<JoinGroupRequest> = {}): Promise<JoinGroupResponse[]> {
  const answers = await joinTogether(h, count, overrides);
  const leader = answers[0];
  if (leader === undefined) throw new Error('no members');
  const groupId = overrides.groupId ?? 'g';
  const syncs = answers.map((answer) =>
    h.coordinator.syncGroup({
      groupId,
      generationId: answer.generationId,
      memberId: answer.memberId,
      assignments: answer === leader ? answers.map((each, index) => ({ memberId: each.memberId, assignment: Buffer.from(`assignment-${index}`) })) : [],
    }),
  );
  for (const sync of await Promise.all(syncs)) if (sync.errorCode !== 'NONE') throw new Error(`sync failed: ${sync.errorCode}`);
  return answers;
}
