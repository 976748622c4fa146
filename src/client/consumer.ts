/**
 * The in-process consumer. It reads partitions it is assigned (by `assign`, or through a consumer
 * group by `subscribe`) from a position per partition, long-polling the broker when caught up (an
 * append wakes it; no busy loop). Messages come out of an async iterator, or go to `eachMessage` /
 * `eachBatch` handlers through `run()`.
 *
 * Delivery (README "Delivery semantics"):
 * - at-least-once (default): a message counts as processed once its handler returned (or, with the
 *   iterator, once the next message is asked for); only processed offsets are committed, so a crash
 *   re-delivers what was in flight, never loses it;
 * - at-most-once: the offsets of a fetched chunk are committed before any of it is handed out, so a
 *   crash loses what was in flight, never re-delivers it.
 * In a group, processed offsets are committed every `autoCommitIntervalMs`, before a rebalance gives
 * partitions away, and on close; `commit()` commits now.
 *
 * Replay (`readToEnd: true`): each partition's log end offset is captured when the consumer first
 * reads it; the iterator finishes (and run() resolves) once every assigned partition has been read
 * up to that offset. Records appended later are not returned. Event-sourced apps use it to rebuild
 * their state from a (compacted) topic before serving; see README "Compaction".
 */

import { nextOffsetAfterBatches } from '../codec/record-batch.js';
import { BrokerError } from '../broker/broker-error.js';
import type { BrokerCore, FetchResult } from '../broker/broker-core.js';
import { assignorsByName, type Assignor, type AssignorName, type TopicPartition } from './assignors/index.js';
import { ClientError } from './client-error.js';
import type { ConsumerBatch, ConsumerMessage } from './consumer-message.js';
import { DeadLetterHandler, type RetryOptions } from './dead-letter.js';
import { FetchedRecords } from './fetched-records.js';
import { GroupMember } from './group-member.js';

/** Where to start reading a partition with no committed offset (or, for offset/timestamp, always). */
export type StartFrom = 'earliest' | 'latest' | { offset: number } | { timestamp: number };

export interface ConsumerOptions {
  /** Join this consumer group (subscribe) or commit for it (assign). */
  groupId?: string;
  clientId?: string;
  delivery?: 'at-least-once' | 'at-most-once';
  /** Commit processed offsets periodically (default true, groups only). */
  autoCommit?: boolean;
  autoCommitIntervalMs?: number;
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** Assignors offered to the group, preferred first (default range, roundrobin, sticky). */
  assignors?: AssignorName[];
  /**
   * Bytes fetched per partition per round (at least one batch). Default: an equal share of 16 MiB
   * between the assigned partitions, within [64 KiB, 1 MiB] (1 MiB is Kafka's
   * max.partition.fetch.bytes); a fetch and the read-ahead behind it are in memory per partition.
   */
  maxBytesPerPartition?: number;
  /** Longest a caught-up fetch waits for new records before checking in again (default 500 ms). */
  maxWaitMs?: number;
  /** Stop at the log end offsets captured when each partition is first read (replay, then done). */
  readToEnd?: boolean;
}

export interface SubscribeOptions {
  /** Default 'latest', as Kafka's auto.offset.reset. */
  from?: StartFrom;
}

export interface RunOptions {
  eachMessage?: (message: ConsumerMessage) => Promise<void> | void;
  eachBatch?: (batch: ConsumerBatch) => Promise<void> | void;
  /** Retry a failing eachMessage handler, then dead-letter the record (./dead-letter.ts). */
  retry?: RetryOptions;
}

interface PartitionState {
  topic: string;
  partition: number;
  /** Next offset to fetch. */
  position: number;
  /** Next offset after the last processed message (what a commit stores), or null. */
  processed: number | null;
  /** What was last committed, to skip needless commits. */
  committed: number | null;
  paused: boolean;
  highWatermark: number;
  /** The next fetch, started while the last one's messages are consumed; used if `position` still matches. */
  readAhead: { position: number; result: Promise<FetchResult> } | null;
  /** readToEnd: the log end offset captured when first read (null until then). */
  endOffset: number | null;
}

const KIB = 1024;
/** What the default fetch sizes of all assigned partitions add up to, at most (but see the minimum). */
const DEFAULT_ROUND_FETCH_BYTES = 16 * 1024 * KIB;
const MIN_DEFAULT_PARTITION_FETCH_BYTES = 64 * KIB;
const MAX_DEFAULT_PARTITION_FETCH_BYTES = 1024 * KIB;

function defaultPartitionFetchBytes(assignedPartitions: number): number {
  const share = Math.floor(DEFAULT_ROUND_FETCH_BYTES / Math.max(1, assignedPartitions));
  return Math.min(MAX_DEFAULT_PARTITION_FETCH_BYTES, Math.max(MIN_DEFAULT_PARTITION_FETCH_BYTES, share));
}

function keyOf(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

export class Consumer implements AsyncIterable<ConsumerMessage> {
  private readonly states = new Map<string, PartitionState>();
  /** The last fetch round's records, one entry per partition that had any, decoded as handed out. */
  private fetched: FetchedRecords<PartitionState>[] = [];
  private fetchedIndex = 0;
  /** The partition and offset of the message handed out last (what markProcessed marks). */
  private takenFrom: PartitionState | null = null;
  private takenOffset = -1;
  /** The iterator handed out a message that is processed once the next one is asked for. */
  private iteratorHolds = false;
  private subscription: { topics: readonly string[] | RegExp; from: StartFrom } | null = null;
  private manualAssignment = false;
  private readonly explicitStartsApplied = new Set<string>();
  private member: GroupMember | null = null;
  private needsRebalance = false;
  private subscribedPartitionCounts = '';
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private autoCommitTimer: NodeJS.Timeout | null = null;
  private wait = new AbortController();
  private consuming = false;
  private closed = false;
  private readonly delivery: 'at-least-once' | 'at-most-once';

  constructor(
    private readonly broker: BrokerCore,
    private readonly options: ConsumerOptions = {},
  ) {
    this.delivery = options.delivery ?? 'at-least-once';
    if (options.groupId !== undefined && options.groupId.length === 0) throw new ClientError('INVALID_ARGUMENT', 'groupId must not be empty');
  }

  // ---- what to read -----------------------------------------------------------------------

  /** Subscribes to topics (names or a pattern); partitions come from the group, or all of them without one. */
  async subscribe(topics: string | readonly string[] | RegExp, options: SubscribeOptions = {}): Promise<void> {
    this.checkOpen();
    if (this.manualAssignment) throw new ClientError('ILLEGAL_STATE', 'this consumer already assigned partitions by hand');
    const names = typeof topics === 'string' ? [topics] : topics;
    if (!(names instanceof RegExp)) for (const name of names) await this.broker.ensureTopic(name);
    this.subscription = { topics: names, from: options.from ?? 'latest' };
    if (this.options.groupId !== undefined) {
      this.member = new GroupMember(this.broker, {
        groupId: this.options.groupId,
        clientId: this.options.clientId ?? 'strata-consumer',
        sessionTimeoutMs: this.options.sessionTimeoutMs ?? 10_000,
        rebalanceTimeoutMs: this.options.rebalanceTimeoutMs ?? 60_000,
        assignors: this.assignors(),
      });
    }
    this.needsRebalance = true;
    this.startTimers();
  }

  private assignors(): Assignor[] {
    return (this.options.assignors ?? ['range', 'roundrobin', 'sticky']).map((name) => {
      const assignor = assignorsByName.get(name);
      if (assignor === undefined) throw new ClientError('INVALID_ARGUMENT', `unknown assignor ${name} (range, roundrobin, sticky)`);
      return assignor;
    });
  }

  /** Reads exactly these partitions (no group membership); `offset` overrides where each starts. */
  async assign(partitions: readonly { topic: string; partition: number; offset?: number }[], options: SubscribeOptions = {}): Promise<void> {
    this.checkOpen();
    if (this.subscription !== null) throw new ClientError('ILLEGAL_STATE', 'this consumer already subscribed');
    this.manualAssignment = true;
    this.subscription = { topics: [...new Set(partitions.map((partition) => partition.topic))], from: options.from ?? 'latest' };
    this.states.clear();
    for (const { topic, partition, offset } of partitions) {
      this.broker.topics.partition(topic, partition); // UNKNOWN_TOPIC_OR_PARTITION early
      const state = this.newState(topic, partition, offset ?? (await this.startPosition(topic, partition, await this.committedOf([{ topic, partition }]))));
      this.states.set(keyOf(topic, partition), state);
    }
    this.startTimers();
  }

  /** The partitions this consumer reads now. */
  assignment(): TopicPartition[] {
    return [...this.states.values()].map(({ topic, partition }) => ({ topic, partition }));
  }

  pause(partitions: readonly TopicPartition[]): void {
    const paused = new Set(partitions.map((partition) => this.stateOf(partition)));
    for (const state of paused) state.paused = true;
    this.dropFetched((state) => paused.has(state));
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const partition of partitions) this.stateOf(partition).paused = false;
    this.wait.abort();
  }

  /** Reads `partition` from `offset` next (replay or skip). */
  seek(target: TopicPartition & { offset: number }): void {
    const state = this.stateOf(target);
    if (!Number.isSafeInteger(target.offset) || target.offset < 0) throw new ClientError('INVALID_ARGUMENT', `cannot seek to offset ${target.offset}`);
    this.dropFetched((fetchedFor) => fetchedFor === state);
    state.position = target.offset;
    this.wait.abort();
  }

  private stateOf({ topic, partition }: TopicPartition): PartitionState {
    const state = this.states.get(keyOf(topic, partition));
    if (state === undefined) throw new ClientError('ILLEGAL_STATE', `${topic}-${partition} is not assigned to this consumer`);
    return state;
  }

  private newState(topic: string, partition: number, position: number): PartitionState {
    return { topic, partition, position, processed: null, committed: null, paused: false, highWatermark: 0, readAhead: null, endOffset: null };
  }

  // ---- positions --------------------------------------------------------------------------

  private async committedOf(partitions: readonly TopicPartition[]): Promise<Map<string, number>> {
    if (this.options.groupId === undefined) return new Map();
    return this.groupClient(this.options.groupId).committed(partitions);
  }

  /** The group member, or (assign() with a groupId) a non-member that commits standalone. */
  private groupClient(groupId: string): GroupMember {
    this.member ??= new GroupMember(this.broker, { groupId, clientId: this.options.clientId ?? 'strata-consumer', sessionTimeoutMs: 0, rebalanceTimeoutMs: 0, assignors: [] });
    return this.member;
  }

  /** Explicit offset/timestamp (first assignment only), else the committed offset, else the reset policy. */
  private async startPosition(topic: string, partition: number, committed: Map<string, number>): Promise<number> {
    const from = this.subscription?.from ?? 'latest';
    const key = keyOf(topic, partition);
    if (typeof from === 'object' && !this.explicitStartsApplied.has(key)) {
      this.explicitStartsApplied.add(key);
      if ('offset' in from) return from.offset;
      const found = await this.broker.listOffset(topic, partition, from.timestamp);
      return found.offset >= 0 ? found.offset : (await this.broker.listOffset(topic, partition, -1)).offset;
    }
    const committedOffset = committed.get(key);
    if (committedOffset !== undefined) return committedOffset;
    return this.resetPosition(topic, partition);
  }

  /** Where auto.offset.reset sends a partition: 'latest' unless the subscription asked otherwise. */
  private async resetPosition(topic: string, partition: number): Promise<number> {
    const from = this.subscription?.from ?? 'latest';
    const timestamp = from === 'latest' ? -1 : -2;
    return (await this.broker.listOffset(topic, partition, timestamp)).offset;
  }

  // ---- group membership -------------------------------------------------------------------

  private subscribedTopics(): string[] {
    const topics = this.subscription?.topics ?? [];
    if (topics instanceof RegExp) return this.broker.topics.list().map((topic) => topic.name).filter((name) => !name.startsWith('__') && topics.test(name));
    return topics.filter((topic) => this.broker.topics.has(topic));
  }

  /** Fingerprint of the subscribed topics and their partition counts: a change means rebalance. */
  private partitionCountsFingerprint(): string {
    return this.subscribedTopics()
      .map((topic) => `${topic}:${this.broker.topics.get(topic).partitions}`)
      .join(',');
  }

  /** Gets a (new) assignment: from the group, or every partition of the subscribed topics. */
  private async rebalance(): Promise<void> {
    this.needsRebalance = false;
    const owned = this.assignment();
    if (this.member !== null) await this.commitProcessed().catch(() => undefined); // best effort: the generation may be gone
    this.subscribedPartitionCounts = this.partitionCountsFingerprint();
    const topics = this.subscribedTopics();
    const assigned = this.member !== null ? await this.member.join(topics, owned) : topics.flatMap((topic) => Array.from({ length: this.broker.topics.get(topic).partitions }, (_, partition) => ({ topic, partition })));
    const committed = await this.committedOf(assigned);
    const next = new Map<string, PartitionState>();
    for (const { topic, partition } of assigned) {
      const key = keyOf(topic, partition);
      const kept = this.states.get(key);
      next.set(key, kept ?? this.newState(topic, partition, await this.startPosition(topic, partition, committed)));
    }
    this.states.clear();
    for (const [key, state] of next) this.states.set(key, state);
    this.dropFetched((state) => this.states.get(keyOf(state.topic, state.partition)) !== state);
  }

  private startTimers(): void {
    if (this.heartbeatTimer !== null) return;
    // Not unref'd: an open consumer keeps the process alive (as a Kafka client's socket would),
    // e.g. while it waits for its group's first rebalance. close() stops it.
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.options.heartbeatIntervalMs ?? 3_000);
    if (this.options.groupId !== undefined && this.options.autoCommit !== false && this.delivery === 'at-least-once') {
      this.autoCommitTimer = setInterval(() => void this.commitProcessed().catch(() => undefined), this.options.autoCommitIntervalMs ?? 5_000);
      this.autoCommitTimer.unref();
    }
  }

  /** Keeps group membership alive and notices new topics or partitions (metadata refresh). */
  private async heartbeat(): Promise<void> {
    if (this.closed || this.needsRebalance) return;
    let rejoin = !this.manualAssignment && this.subscription !== null && this.partitionCountsFingerprint() !== this.subscribedPartitionCounts;
    if (this.member !== null && this.member.generationId >= 0) rejoin = (await this.member.heartbeat().catch(() => 'rejoin' as const)) === 'rejoin' || rejoin;
    if (rejoin) {
      this.needsRebalance = true;
      this.wait.abort();
    }
  }

  // ---- commits ----------------------------------------------------------------------------

  /** Commits processed offsets now (or exactly `offsets`: the next offset to read per partition). */
  async commit(offsets?: readonly (TopicPartition & { offset: number })[]): Promise<void> {
    if (this.options.groupId === undefined) throw new ClientError('ILLEGAL_STATE', 'commit needs a groupId');
    if (offsets === undefined) return this.commitProcessed();
    await this.commitOffsets(offsets);
  }

  private async commitProcessed(): Promise<void> {
    const due = [...this.states.values()].filter((state) => state.processed !== null && state.processed !== state.committed);
    await this.commitOffsets(due.map((state) => ({ topic: state.topic, partition: state.partition, offset: state.processed! })));
  }

  private async commitOffsets(offsets: readonly (TopicPartition & { offset: number })[]): Promise<void> {
    if (offsets.length === 0 || this.options.groupId === undefined) return;
    await this.groupClient(this.options.groupId).commit(offsets);
    for (const { topic, partition, offset } of offsets) {
      const state = this.states.get(keyOf(topic, partition));
      if (state !== undefined) state.committed = offset;
    }
  }

  // ---- reading ----------------------------------------------------------------------------

  private checkOpen(): void {
    if (this.closed) throw new ClientError('CLIENT_CLOSED', 'the consumer is closed');
  }

  /** Drops fetched records not handed out yet; their partitions will fetch them again (positions rewind to them). */
  private dropFetched(drop: (state: PartitionState) => boolean): void {
    const kept: FetchedRecords<PartitionState>[] = [];
    for (let index = this.fetchedIndex; index < this.fetched.length; index++) {
      const records = this.fetched[index]!;
      if (!drop(records.state)) kept.push(records);
      else records.state.position = Math.min(records.state.position, records.resumeOffset);
    }
    this.fetched = kept;
    this.fetchedIndex = 0;
  }

  /** Marks the message handed out last as processed (what an at-least-once commit stores). */
  private markProcessed(): void {
    if (this.takenFrom !== null) this.takenFrom.processed = this.takenOffset + 1;
  }

  /** The next fetched message, decoded now; null when the last round's records are all handed out. */
  private takeFetched(): ConsumerMessage | null {
    while (this.fetchedIndex < this.fetched.length) {
      const message = this.takeFrom(this.fetched[this.fetchedIndex]!);
      if (message !== null) return message;
      this.fetchedIndex++;
    }
    return null;
  }

  /** The next message of `records` (the current entry of `fetched`), or null when it has none left. */
  private takeFrom(records: FetchedRecords<PartitionState>): ConsumerMessage | null {
    let message;
    try {
      message = records.next();
    } catch (error) {
      this.fetchedIndex++;
      this.refetchFrom(records);
      throw error;
    }
    if (message !== null) {
      this.takenFrom = records.state;
      this.takenOffset = message.offset;
    }
    return message;
  }

  /** After undecodable records: the partition reads them again (and fails again) unless the app seeks past them. */
  private refetchFrom(records: FetchedRecords<PartitionState>): void {
    records.state.position = records.resumeOffset;
    records.state.readAhead = null;
  }

  /** The next message, fetching (and waiting) as needed; null once closed. */
  private async nextMessage(): Promise<ConsumerMessage | null> {
    while (!this.closed) {
      if (this.needsRebalance) await this.rebalance();
      const message = this.takeFetched();
      if (message !== null) return message;
      if (this.options.readToEnd === true && (await this.reachedEnd())) return null;
      await this.fetchRound();
    }
    return null;
  }

  /** readToEnd: whether every assigned partition was read up to its captured end offset. */
  private async reachedEnd(): Promise<boolean> {
    for (const state of this.states.values()) {
      state.endOffset ??= (await this.broker.listOffset(state.topic, state.partition, -1)).offset;
      if (state.position < state.endOffset) return false;
    }
    return true;
  }

  /** Fetches every unpaused partition once; waits for new data when none had any. */
  private async fetchRound(): Promise<void> {
    if (this.subscription === null) throw new ClientError('ILLEGAL_STATE', 'subscribe or assign before consuming');
    const fetched: FetchedRecords<PartitionState>[] = [];
    const active = [...this.states.values()].filter((state) => !state.paused && (state.endOffset === null || state.position < state.endOffset));
    for (const state of active) {
      const records = await this.fetchPartition(state);
      if (records !== null) fetched.push(records);
    }
    if (fetched.length === 0) {
      this.wait = new AbortController();
      await this.broker.waitForData(active.map(({ topic, partition, position }) => ({ topic, partition, offset: position })), this.options.maxWaitMs ?? 500, this.wait.signal);
      return;
    }
    if (this.delivery === 'at-most-once' && this.options.groupId !== undefined) {
      await this.commitOffsets(active.map((state) => ({ topic: state.topic, partition: state.partition, offset: state.position })));
    }
    this.fetched = fetched;
    this.fetchedIndex = 0;
  }

  /** Fetches one partition and moves its position past what came back; null if nothing did. */
  private async fetchPartition(state: PartitionState): Promise<FetchedRecords<PartitionState> | null> {
    const readAhead = state.readAhead;
    state.readAhead = null;
    let result;
    try {
      result = await (readAhead !== null && readAhead.position === state.position ? readAhead.result : this.fetchAt(state));
    } catch (error) {
      if (!(error instanceof BrokerError && error.code === 'OFFSET_OUT_OF_RANGE')) throw error;
      state.position = await this.resetPosition(state.topic, state.partition); // retention removed it, or a bad seek
      return null;
    }
    state.highWatermark = result.highWatermark;
    const position = state.position;
    // Offsets may have gaps (compaction): the next position follows the last batch, not its last record.
    const nextOffset = nextOffsetAfterBatches(result.records);
    if (nextOffset <= position) return null;
    state.position = nextOffset;
    // Read ahead while these are consumed: the disk read overlaps decoding and handling. Not when
    // this fetch reached the log end: the read-ahead would find nothing, and a fetch made when these
    // are handed out sees what was appended meanwhile.
    if (nextOffset < result.highWatermark) state.readAhead = { position: nextOffset, result: this.fetchAt(state) };
    return new FetchedRecords(state, result.records, position, state.endOffset ?? Infinity);
  }

  private fetchAt(state: PartitionState): Promise<FetchResult> {
    const result = this.broker.fetch(state.topic, state.partition, state.position, this.options.maxBytesPerPartition ?? defaultPartitionFetchBytes(this.states.size));
    result.catch(() => undefined); // a read-ahead may be dropped unread (a seek); its error surfaces when it is used
    return result;
  }

  [Symbol.asyncIterator](): AsyncIterator<ConsumerMessage> {
    this.startConsuming();
    const settle = (message: ConsumerMessage | null): IteratorResult<ConsumerMessage> => {
      this.iteratorHolds = message !== null;
      return message === null ? { value: undefined, done: true } : { value: message, done: false };
    };
    return {
      next: () => {
        // Asking for the next message means the previous one was processed.
        if (this.iteratorHolds) this.markProcessed();
        // Fast path: a fetched message is decoded and returned without an async function call.
        if (!this.closed && !this.needsRebalance) {
          let message;
          try {
            message = this.takeFetched();
          } catch (error) {
            this.iteratorHolds = false;
            return Promise.reject(error);
          }
          if (message !== null) return Promise.resolve(settle(message));
        }
        this.iteratorHolds = false;
        return this.nextMessage().then(settle);
      },
      // Leaving the loop early (break or throw) leaves the last message unprocessed: it comes again.
      return: async () => {
        this.iteratorHolds = false;
        this.consuming = false;
        return { value: undefined, done: true };
      },
    };
  }

  private startConsuming(): void {
    this.checkOpen();
    if (this.consuming) throw new ClientError('ILLEGAL_STATE', 'this consumer is already being consumed (one iterator or run() at a time)');
    this.consuming = true;
  }

  /** Hands every message (or every fetched batch) to a handler until close(). */
  async run(options: RunOptions): Promise<void> {
    if ((options.eachMessage === undefined) === (options.eachBatch === undefined)) throw new ClientError('INVALID_ARGUMENT', 'run() takes exactly one of eachMessage and eachBatch');
    this.startConsuming();
    const deadLetters = options.retry === undefined ? null : new DeadLetterHandler(this.broker, options.retry);
    try {
      if (options.eachMessage !== undefined) await this.runEachMessage(options.eachMessage, deadLetters);
      else await this.runEachBatch(options.eachBatch!);
    } finally {
      this.consuming = false;
      await deadLetters?.close();
    }
  }

  private async runEachMessage(handler: NonNullable<RunOptions['eachMessage']>, deadLetters: DeadLetterHandler | null): Promise<void> {
    for (let message = await this.nextMessage(); message !== null; message = await this.nextMessage()) {
      if (deadLetters === null) await handler(message);
      else await deadLetters.handle(message, handler);
      this.markProcessed();
    }
  }

  private async runEachBatch(handler: NonNullable<RunOptions['eachBatch']>): Promise<void> {
    for (let first = await this.nextMessage(); first !== null; first = await this.nextMessage()) {
      // With it, the rest of its partition's fetched records.
      const records = this.fetched[this.fetchedIndex]!;
      const messages = [first];
      for (let message = this.takeFrom(records); message !== null; message = this.takeFrom(records)) messages.push(message);
      await handler({ topic: first.topic, partition: first.partition, messages, highWatermark: records.state.highWatermark });
      this.markProcessed();
    }
  }

  /** Stops reading, commits what was processed, leaves the group. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wait.abort();
    if (this.heartbeatTimer !== null) clearInterval(this.heartbeatTimer);
    if (this.autoCommitTimer !== null) clearInterval(this.autoCommitTimer);
    if (this.options.groupId !== undefined && this.options.autoCommit !== false) await this.commitProcessed().catch(() => undefined);
    await this.member?.leave().catch(() => undefined);
  }
}
