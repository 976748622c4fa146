/**
 * Per-partition log settings, with Kafka's topic-config names in the comments and Kafka's defaults.
 * `Infinity` stands for Kafka's Long.MAX_VALUE ("never"); -1 for retention means unlimited.
 */

import { StorageError } from './storage-error.js';

export interface LogConfig {
  /** segment.bytes: roll when the active segment would grow past this. */
  segmentBytes: number;
  /** segment.ms: roll when the active segment got its first batch this long ago. */
  segmentMs: number;
  /** segment.index.bytes: size of each index file while its segment is active. */
  segmentIndexBytes: number;
  /** index.interval.bytes: bytes between sparse index entries. */
  indexIntervalBytes: number;
  /** max.message.bytes: largest batch accepted. */
  maxMessageBytes: number;
  /** retention.ms: delete sealed segments whose newest record is older; -1 = keep forever. */
  retentionMs: number;
  /** retention.bytes: delete oldest sealed segments while the log is larger; -1 = no limit. */
  retentionBytes: number;
  /** flush.messages: fsync after this many unflushed records. */
  flushMessages: number;
  /** flush.ms: fsync when data has been unflushed this long. */
  flushMs: number;
  /** cleanup.policy includes compact: the cleaner keeps the newest record per key (./cleaner/). */
  compact: boolean;
  /** min.cleanable.dirty.ratio: clean when this share of the sealed bytes was never cleaned. */
  minCleanableDirtyRatio: number;
  /** delete.retention.ms: a tombstone (null value) is removed this long after its timestamp. */
  deleteRetentionMs: number;
  /** min.compaction.lag.ms: records newer than this stay uncompacted (whole segments). */
  minCompactionLagMs: number;
}

export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = {
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * 24 * 60 * 60 * 1000,
  segmentIndexBytes: 10 * 1024 * 1024,
  indexIntervalBytes: 4096,
  maxMessageBytes: 1024 * 1024 + 12,
  retentionMs: 7 * 24 * 60 * 60 * 1000,
  retentionBytes: -1,
  flushMessages: Infinity,
  flushMs: Infinity,
  compact: false,
  minCleanableDirtyRatio: 0.5,
  deleteRetentionMs: 24 * 60 * 60 * 1000,
  minCompactionLagMs: 0,
};

const MIN_SEGMENT_BYTES = 14; // Kafka's minimum (a batch header is larger: every segment then holds one batch)
const MAX_INT32 = 0x7fffffff;

function checkRange(name: string, value: number, min: number, max: number): void {
  if (typeof value !== 'number' || Number.isNaN(value) || value < min || value > max || (value !== Infinity && !Number.isInteger(value))) {
    throw new StorageError('INVALID_CONFIG', `${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
}

/** Defaults merged with `overrides`, every value range-checked. */
export function resolveLogConfig(overrides: Partial<LogConfig> = {}): LogConfig {
  const config = { ...DEFAULT_LOG_CONFIG, ...overrides };
  checkRange('segment.bytes', config.segmentBytes, MIN_SEGMENT_BYTES, MAX_INT32);
  checkRange('segment.ms', config.segmentMs, 1, Infinity);
  checkRange('segment.index.bytes', config.segmentIndexBytes, 12, MAX_INT32);
  checkRange('index.interval.bytes', config.indexIntervalBytes, 0, MAX_INT32);
  checkRange('max.message.bytes', config.maxMessageBytes, 0, MAX_INT32);
  checkRange('retention.ms', config.retentionMs, -1, Infinity);
  checkRange('retention.bytes', config.retentionBytes, -1, Infinity);
  checkRange('flush.messages', config.flushMessages, 1, Infinity);
  checkRange('flush.ms', config.flushMs, 0, Infinity);
  checkRange('delete.retention.ms', config.deleteRetentionMs, 0, Infinity);
  checkRange('min.compaction.lag.ms', config.minCompactionLagMs, 0, Infinity);
  if (!(config.minCleanableDirtyRatio >= 0 && config.minCleanableDirtyRatio <= 1)) {
    throw new StorageError('INVALID_CONFIG', `min.cleanable.dirty.ratio must be a number in [0, 1], got ${config.minCleanableDirtyRatio}`);
  }
  return config;
}
