/**
 * Where the group coordinator persists committed offsets. The broker implements it on the internal
 * compacted topic `__consumer_offsets` (key = group, topic, partition; value = offset, leader epoch,
 * metadata, commit timestamp; a null value is a tombstone); tests use an in-memory list.
 *
 * The coordinator calls `write` one batch at a time, never concurrently, and applies a batch to its
 * in-memory state only after `write` resolved: a commit answered NONE is durable. `load` returns
 * every entry ever written and not yet compacted away, oldest first; replaying them in that order
 * (later entries win, a tombstone deletes) rebuilds the committed offsets. Only the order of the
 * entries of one (group, topic, partition) matters, so a store spread over several partitions
 * keyed by group keeps it.
 */

export interface CommittedOffset {
  offset: number;
  /** The leader epoch the client saw for the committed position, or -1. */
  leaderEpoch: number;
  /** Client metadata kept with the offset (Kafka stores '' when the client sent null). */
  metadata: string | null;
  commitTimestampMs: number;
}

export interface OffsetEntry {
  groupId: string;
  topic: string;
  partition: number;
  /** null = deleted (tombstone). */
  committed: CommittedOffset | null;
}

export interface OffsetStore {
  /** Appends the entries in order; they are durable when the promise resolves. */
  write(entries: OffsetEntry[]): Promise<void>;
  /** Every entry written, in write order; later entries win. */
  load(): Promise<OffsetEntry[]>;
}
