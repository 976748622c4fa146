/**
 * Committed offsets in the internal compacted topic `__consumer_offsets`, in Kafka's own record
 * format, so the topic reads the same as a Kafka cluster's:
 *
 *   key   (offset commit, version 1):  version int16 = 1, group string, topic string, partition int32
 *   value (version 3):                 version int16 = 3, offset int64, leaderEpoch int32,
 *                                      metadata string, commitTimestamp int64
 *   value null                         tombstone: the offset was deleted
 *   (strings: int16 length + UTF-8, big-endian integers)
 *
 * Reading also accepts value versions 0–2 and skips key version 2 (Kafka's group metadata
 * records). A group's records go to partition `abs(javaHashCode(groupId)) % partitions`, as in
 * Kafka. Writes are appended and fsynced before they resolve: an acknowledged commit survives a
 * crash. The topic is created on first write with `offsets.topic.num.partitions` partitions.
 */

import { decodeRecordBatches, encodeRecordBatch } from '../codec/record-batch.js';
import type { PartitionLog } from '../storage/partition-log.js';
import { BrokerError } from './broker-error.js';
import type { CommittedOffset, OffsetEntry, OffsetStore } from './groups/offset-store.js';
import { CONSUMER_OFFSETS_TOPIC } from './topic-name.js';
import type { TopicRegistry } from './topic-registry.js';

const OFFSET_KEY_VERSION = 1;
const OFFSET_VALUE_VERSION = 3;
const READ_CHUNK_BYTES = 1024 * 1024;

/** Java's String.hashCode (UTF-16 code units), as Kafka uses it to place a group. */
export function javaStringHashCode(text: string): number {
  let hash = 0;
  for (let index = 0; index < text.length; index++) hash = (Math.imul(31, hash) + text.charCodeAt(index)) | 0;
  return hash;
}

export function offsetsPartitionFor(groupId: string, partitionCount: number): number {
  const hash = javaStringHashCode(groupId);
  return (hash === -0x80000000 ? 0 : Math.abs(hash)) % partitionCount;
}

function writeString(chunks: Buffer[], text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  const length = Buffer.alloc(2);
  length.writeInt16BE(bytes.length);
  chunks.push(length, bytes);
}

export function encodeOffsetKey(groupId: string, topic: string, partition: number): Buffer {
  const chunks: Buffer[] = [Buffer.from([0, OFFSET_KEY_VERSION])];
  writeString(chunks, groupId);
  writeString(chunks, topic);
  const partitionBytes = Buffer.alloc(4);
  partitionBytes.writeInt32BE(partition);
  chunks.push(partitionBytes);
  return Buffer.concat(chunks);
}

export function encodeOffsetValue(committed: CommittedOffset): Buffer {
  const head = Buffer.alloc(14);
  head.writeInt16BE(OFFSET_VALUE_VERSION, 0);
  head.writeBigInt64BE(BigInt(committed.offset), 2);
  head.writeInt32BE(committed.leaderEpoch, 10);
  const chunks: Buffer[] = [head];
  writeString(chunks, committed.metadata ?? '');
  const tail = Buffer.alloc(8);
  tail.writeBigInt64BE(BigInt(committed.commitTimestampMs));
  chunks.push(tail);
  return Buffer.concat(chunks);
}

/** Sequential reads of one key or value; throws on truncation. */
class FieldReader {
  private position = 0;

  constructor(private readonly bytes: Buffer) {}

  int16(): number {
    return this.bytes.readInt16BE(this.advance(2));
  }

  int32(): number {
    return this.bytes.readInt32BE(this.advance(4));
  }

  int64(): number {
    return Number(this.bytes.readBigInt64BE(this.advance(8)));
  }

  string(): string {
    const length = this.int16();
    const start = this.advance(Math.max(0, length));
    return this.bytes.toString('utf8', start, start + Math.max(0, length));
  }

  private advance(count: number): number {
    const start = this.position;
    if (start + count > this.bytes.length) throw new RangeError('truncated');
    this.position += count;
    return start;
  }
}

/** The entry a record of `__consumer_offsets` holds, or null for other record kinds. */
export function decodeOffsetRecord(key: Buffer, value: Buffer | null): OffsetEntry | null {
  const keyReader = new FieldReader(key);
  const keyVersion = keyReader.int16();
  if (keyVersion > 1) return null; // group metadata (version 2) and newer record kinds
  const groupId = keyReader.string();
  const topic = keyReader.string();
  const partition = keyReader.int32();
  if (value === null) return { groupId, topic, partition, committed: null };
  const reader = new FieldReader(value);
  const version = reader.int16();
  const offset = reader.int64();
  const leaderEpoch = version >= 3 ? reader.int32() : -1;
  const metadata = reader.string();
  const commitTimestampMs = reader.int64();
  return { groupId, topic, partition, committed: { offset, leaderEpoch, metadata, commitTimestampMs } };
}

export class ConsumerOffsetsStore implements OffsetStore {
  constructor(
    private readonly topics: TopicRegistry,
    private readonly partitionCount: number,
  ) {}

  private async logs(): Promise<readonly PartitionLog[]> {
    if (!this.topics.has(CONSUMER_OFFSETS_TOPIC)) {
      await this.topics.create(CONSUMER_OFFSETS_TOPIC, { partitions: this.partitionCount, config: { 'cleanup.policy': 'compact', 'segment.bytes': 100 * 1024 * 1024 } }, true);
    }
    return this.topics.partitionLogs(CONSUMER_OFFSETS_TOPIC);
  }

  async write(entries: OffsetEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const logs = await this.logs();
    const byPartition = new Map<number, OffsetEntry[]>();
    for (const entry of entries) {
      const partition = offsetsPartitionFor(entry.groupId, logs.length);
      byPartition.set(partition, [...(byPartition.get(partition) ?? []), entry]);
    }
    await Promise.all(
      [...byPartition].map(async ([partition, partitionEntries]) => {
        const log = logs[partition]!;
        const records = partitionEntries.map((entry) => ({
          key: encodeOffsetKey(entry.groupId, entry.topic, entry.partition),
          value: entry.committed === null ? null : encodeOffsetValue(entry.committed),
        }));
        await log.append(encodeRecordBatch(records));
        await log.flush();
      }),
    );
  }

  async load(): Promise<OffsetEntry[]> {
    if (!this.topics.has(CONSUMER_OFFSETS_TOPIC)) return [];
    const entries: OffsetEntry[] = [];
    for (const log of this.topics.partitionLogs(CONSUMER_OFFSETS_TOPIC)) {
      for (let offset = log.logStartOffset; offset < log.logEndOffset; ) {
        const batches = decodeRecordBatches(await log.read(offset, READ_CHUNK_BYTES));
        for (const batch of batches) {
          for (const record of batch.records) {
            if (record.offset < offset || record.key === null) continue;
            const entry = safeDecode(record.key, record.value);
            if (entry !== null) entries.push(entry);
          }
          offset = batch.header.baseOffset + batch.header.lastOffsetDelta + 1;
        }
        if (batches.length === 0) throw new BrokerError('CORRUPT_MESSAGE', `no batch at offset ${offset} of ${CONSUMER_OFFSETS_TOPIC}`);
      }
    }
    return entries;
  }
}

function safeDecode(key: Buffer, value: Buffer | null): OffsetEntry | null {
  try {
    return decodeOffsetRecord(key, value);
  } catch {
    return null; // a record this version cannot read is skipped, as Kafka skips unknown kinds
  }
}
