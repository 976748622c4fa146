/**
 * Hooks for watching a broker from outside (metrics, logs, the web console): the notable events
 * (topics created and deleted, recovery truncations, group rebalances, storage events) and the
 * produce and fetch volume. Counting happens per batch, never per record, so an observer costs a
 * few calls per request. Everything is optional; a broker without an observer pays nothing.
 */

import type { LogEvent } from '../storage/log-loader.js';

export type BrokerEvent =
  | LogEvent
  | { type: 'topic-created'; topic: string; partitions: number }
  | { type: 'topic-deleted'; topic: string }
  | { type: 'group-rebalanced'; groupId: string; generationId: number; protocol: string | null; memberCount: number }
  /** A cleaner pass that swapped cleaned segments in: bytes of the segments it rewrote, before and after. */
  | { type: 'log-cleaned'; topic: string; partition: number; bytesBefore: number; bytesAfter: number; durationMs: number };

export interface BrokerObserver {
  /** A notable event; called synchronously, so it must not throw or block. */
  onEvent?(event: BrokerEvent): void;
  /** One record batch appended (idempotent retries of a written batch are not counted again). */
  onProduce?(topic: string, partition: number, recordCount: number, sizeBytes: number): void;
  /** Whole batches handed to a reader (the first may start before the offset asked for). */
  onFetch?(topic: string, partition: number, recordCount: number, sizeBytes: number): void;
  /** One fdatasync of a storage file, in seconds. */
  onFsync?(durationSeconds: number): void;
}
