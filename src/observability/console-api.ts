/**
 * The web console's JSON API, over a BrokerCore: topics with partitions, offsets, sizes and
 * throughput; a partition's messages from an offset or a time, decoded for display; consumer
 * groups with members and lag; producing a test message. Every answer is plain JSON data — the
 * page (./console/) escapes everything it shows.
 *
 * Message values are rendered as `json` (valid UTF-8 that parses as a JSON object or array,
 * pretty-printed), `text` (other valid UTF-8) or `binary` (hex), cut at DISPLAY_MAX_BYTES.
 */

import { BrokerError } from '../broker/broker-error.js';
import type { BrokerCore } from '../broker/broker-core.js';
import { partitionForKey } from '../broker/partitioner.js';
import { isInternalTopic } from '../broker/topic-name.js';
import { Admin, type GroupDescription } from '../client/admin.js';
import { decodeRecordBatches, encodeRecordBatch } from '../codec/record-batch.js';

export const MAX_MESSAGES_PER_PAGE = 100;
/** Bytes of a key, value or header value shown; the rest is cut (the size is still reported). */
export const DISPLAY_MAX_BYTES = 16 * 1024;
const FETCH_MAX_BYTES = 1024 * 1024;
/** Fetch rounds per page: a page of tiny records never needs more, and a huge batch cannot loop. */
const MAX_FETCH_ROUNDS = 16;
/** Throughput is the change in end offsets and sizes over the samples of this window. */
const THROUGHPUT_WINDOW_MS = 60_000;
const MAX_SAMPLES_PER_TOPIC = 64;

export interface RenderedBytes {
  kind: 'null' | 'json' | 'text' | 'binary';
  /** Pretty JSON, the text, or lowercase hex; '' for null. */
  text: string;
  sizeBytes: number;
  truncated: boolean;
}

export interface BrowsedMessage {
  offset: number;
  timestamp: number;
  key: RenderedBytes;
  value: RenderedBytes;
  headers: { key: string; value: RenderedBytes }[];
}

export interface TopicSummary {
  name: string;
  internal: boolean;
  partitions: { partition: number; logStartOffset: number; logEndOffset: number; sizeBytes: number }[];
  records: number;
  sizeBytes: number;
  /** Records and bytes per second over the last minute of samples; null until there are two. */
  recordsPerSecond: number | null;
  bytesPerSecond: number | null;
}

export interface TestMessage {
  partition?: number;
  key?: string | null;
  value: string | null;
  headers?: { key: string; value: string }[];
}

interface Sample {
  atMs: number;
  endOffsets: number;
  sizeBytes: number;
}

export class ConsoleApi {
  private readonly admin: Admin;
  private readonly samples = new Map<string, Sample[]>();

  constructor(
    private readonly broker: BrokerCore,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.admin = new Admin(broker);
  }

  overview(): { clusterId: string; nodeId: number; dataDir: string; topics: number } {
    return { clusterId: this.broker.clusterId, nodeId: this.broker.nodeId, dataDir: this.broker.dataDir, topics: this.broker.topics.list().length };
  }

  topics(): TopicSummary[] {
    const now = this.nowMs();
    const summaries = this.broker.topics.list().map(({ name }) => {
      const partitions = this.broker.topics.partitionLogs(name).map((log, partition) => ({ partition, logStartOffset: log.logStartOffset, logEndOffset: log.logEndOffset, sizeBytes: log.sizeBytes }));
      const records = partitions.reduce((sum, p) => sum + (p.logEndOffset - p.logStartOffset), 0);
      const sizeBytes = partitions.reduce((sum, p) => sum + p.sizeBytes, 0);
      const endOffsets = partitions.reduce((sum, p) => sum + p.logEndOffset, 0);
      return { name, internal: isInternalTopic(name), partitions, records, sizeBytes, ...this.throughput(name, { atMs: now, endOffsets, sizeBytes }) };
    });
    for (const name of this.samples.keys()) if (!this.broker.topics.has(name)) this.samples.delete(name);
    return summaries;
  }

  private throughput(topic: string, sample: Sample): { recordsPerSecond: number | null; bytesPerSecond: number | null } {
    const samples = (this.samples.get(topic) ?? []).filter((old) => sample.atMs - old.atMs <= THROUGHPUT_WINDOW_MS && old.endOffsets <= sample.endOffsets);
    samples.push(sample);
    this.samples.set(topic, samples.slice(-MAX_SAMPLES_PER_TOPIC));
    const oldest = samples[0]!;
    const seconds = (sample.atMs - oldest.atMs) / 1000;
    if (seconds <= 0) return { recordsPerSecond: null, bytesPerSecond: null };
    return { recordsPerSecond: (sample.endOffsets - oldest.endOffsets) / seconds, bytesPerSecond: Math.max(0, sample.sizeBytes - oldest.sizeBytes) / seconds };
  }

  /**
   * Up to `limit` messages of a partition starting at `from.offset` (clamped to the log start), or
   * at the first record at or after `from.timestamp`.
   */
  async messages(topic: string, partition: number, from: { offset: number } | { timestamp: number }, limit = 20): Promise<{ startOffset: number; logStartOffset: number; logEndOffset: number; messages: BrowsedMessage[] }> {
    const log = this.broker.topics.partition(topic, partition);
    checkInteger(limit, 1, MAX_MESSAGES_PER_PAGE, 'limit');
    let startOffset: number;
    if ('timestamp' in from) {
      checkInteger(from.timestamp, 0, Number.MAX_SAFE_INTEGER, 'timestamp');
      const found = await this.broker.listOffset(topic, partition, from.timestamp);
      startOffset = found.offset < 0 ? log.logEndOffset : found.offset;
    } else {
      checkInteger(from.offset, 0, Number.MAX_SAFE_INTEGER, 'offset');
      startOffset = Math.max(from.offset, log.logStartOffset);
    }
    const messages: BrowsedMessage[] = [];
    let next = startOffset;
    for (let round = 0; round < MAX_FETCH_ROUNDS && messages.length < limit && next < log.logEndOffset; round++) {
      const { records } = await this.broker.fetch(topic, partition, next, FETCH_MAX_BYTES);
      const batches = decodeRecordBatches(records, { allowPartialTail: true });
      if (batches.length === 0) break;
      for (const { header, records: decoded } of batches) {
        for (const record of decoded) {
          if (record.offset < next || messages.length >= limit) continue;
          messages.push({ offset: record.offset, timestamp: record.timestamp, key: renderBytes(record.key), value: renderBytes(record.value), headers: record.headers.map((h) => ({ key: h.key, value: renderBytes(h.value) })) });
        }
        next = Math.max(next, header.baseOffset + header.lastOffsetDelta + 1);
      }
    }
    return { startOffset, logStartOffset: log.logStartOffset, logEndOffset: log.logEndOffset, messages };
  }

  async groups(): Promise<{ groupId: string; state: string; members: number; lag: number }[]> {
    const groups = [];
    for (const { groupId, state } of await this.admin.listGroups()) {
      try {
        const description = await this.admin.describeGroup(groupId);
        groups.push({ groupId, state, members: description.members.length, lag: description.offsets.reduce((sum, o) => sum + o.lag, 0) });
      } catch {
        // Gone between listing and describing.
      }
    }
    return groups;
  }

  group(groupId: string): Promise<GroupDescription> {
    return this.admin.describeGroup(groupId);
  }

  /** Appends one message to an existing topic (acks all); the partition by key as Kafka's clients pick it. */
  async produce(topic: string, message: TestMessage): Promise<{ partition: number; offset: number }> {
    const partitions = this.broker.topics.get(topic).partitions;
    if (message.value !== null && typeof message.value !== 'string') throw new BrokerError('INVALID_REQUEST', 'value must be a string or null');
    if (message.key !== undefined && message.key !== null && typeof message.key !== 'string') throw new BrokerError('INVALID_REQUEST', 'key must be a string or null');
    const headers = message.headers ?? [];
    if (!Array.isArray(headers) || headers.some((h) => typeof h?.key !== 'string' || typeof h.value !== 'string')) throw new BrokerError('INVALID_REQUEST', 'headers must be a list of { key, value } strings');
    const key = message.key ?? null;
    let partition: number;
    if (message.partition !== undefined) partition = checkInteger(message.partition, 0, partitions - 1, 'partition');
    else partition = key !== null && key !== '' ? partitionForKey(key, partitions) : 0;
    const batch = encodeRecordBatch([{ key: key === '' ? null : key, value: message.value, headers }]);
    const result = await this.broker.produce(topic, partition, batch, -1, { trusted: true });
    return { partition, offset: result.baseOffset };
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** Control characters other than tab, newline and carriage return mark bytes as binary. */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

export function renderBytes(bytes: Buffer | null): RenderedBytes {
  if (bytes === null) return { kind: 'null', text: '', sizeBytes: 0, truncated: false };
  const truncated = bytes.length > DISPLAY_MAX_BYTES;
  const shown = truncated ? bytes.subarray(0, DISPLAY_MAX_BYTES) : bytes;
  let text: string | null = null;
  try {
    text = utf8.decode(shown);
  } catch {
    // A cut inside a multi-byte character or not UTF-8 at all: hex.
  }
  if (text === null || CONTROL.test(text)) return { kind: 'binary', text: shown.toString('hex'), sizeBytes: bytes.length, truncated };
  const trimmed = text.trim();
  if (!truncated && (trimmed.startsWith('{') || trimmed.startsWith('['))) {
    try {
      return { kind: 'json', text: JSON.stringify(JSON.parse(trimmed), null, 2), sizeBytes: bytes.length, truncated };
    } catch {
      // Not JSON after all: plain text.
    }
  }
  return { kind: 'text', text, sizeBytes: bytes.length, truncated };
}

function checkInteger(value: number, min: number, max: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new BrokerError('INVALID_REQUEST', `${what} must be an integer in [${min}, ${max}], got ${value}`);
  return value;
}
