/**
 * Kafka's "consumer" embedded protocol: the bytes consumers put in JoinGroup metadata (their
 * subscription) and the leader puts in SyncGroup assignments. Using Kafka's exact format lets
 * in-process consumers and wire clients (kafkajs, librdkafka, Java) share one group.
 *
 *   Subscription v1:  version int16 (1), topics [string], userData bytes (nullable),
 *                     ownedPartitions [topic string, partitions [int32]]
 *   Assignment v1:    version int16 (1), assignedPartitions [topic string, partitions [int32]],
 *                     userData bytes (nullable)
 *   (arrays: int32 count; strings: int16 length + UTF-8; bytes: int32 length, -1 = null)
 * Version 0 lacks ownedPartitions; newer versions add fields at the end, which a reader of v1 skips.
 */

import { ClientError } from './client-error.js';
import type { TopicPartition } from './assignors/assignor.js';

export const CONSUMER_PROTOCOL_TYPE = 'consumer';

export interface Subscription {
  topics: string[];
  ownedPartitions: TopicPartition[];
}

class Writer {
  private readonly chunks: Buffer[] = [];

  int16(value: number): this {
    const chunk = Buffer.alloc(2);
    chunk.writeInt16BE(value);
    this.chunks.push(chunk);
    return this;
  }

  int32(value: number): this {
    const chunk = Buffer.alloc(4);
    chunk.writeInt32BE(value);
    this.chunks.push(chunk);
    return this;
  }

  string(value: string): this {
    const bytes = Buffer.from(value, 'utf8');
    return this.int16(bytes.length).raw(bytes);
  }

  nullBytes(): this {
    return this.int32(-1);
  }

  raw(bytes: Buffer): this {
    this.chunks.push(bytes);
    return this;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

class Reader {
  private position = 0;

  constructor(private readonly bytes: Buffer) {}

  private need(count: number): void {
    if (count < 0 || this.position + count > this.bytes.length) throw new ClientError('INVALID_ARGUMENT', 'truncated consumer protocol bytes');
  }

  int16(): number {
    this.need(2);
    const value = this.bytes.readInt16BE(this.position);
    this.position += 2;
    return value;
  }

  int32(): number {
    this.need(4);
    const value = this.bytes.readInt32BE(this.position);
    this.position += 4;
    return value;
  }

  string(): string {
    const length = this.int16();
    this.need(length);
    const value = this.bytes.toString('utf8', this.position, this.position + length);
    this.position += length;
    return value;
  }

  skipBytes(): void {
    const length = this.int32();
    if (length > 0) {
      this.need(length);
      this.position += length;
    }
  }

  array<T>(readItem: () => T): T[] {
    const count = this.int32();
    if (count < 0) return [];
    this.need(count); // every item takes at least one byte: bounds the loop
    return Array.from({ length: count }, readItem);
  }

  get atEnd(): boolean {
    return this.position >= this.bytes.length;
  }
}

function writeTopicPartitions(writer: Writer, partitions: readonly TopicPartition[]): void {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of partitions) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
  writer.int32(byTopic.size);
  for (const [topic, numbers] of byTopic) {
    writer.string(topic).int32(numbers.length);
    for (const number of numbers) writer.int32(number);
  }
}

function readTopicPartitions(reader: Reader): TopicPartition[] {
  return reader.array(() => {
    const topic = reader.string();
    return reader.array(() => reader.int32()).map((partition) => ({ topic, partition }));
  }).flat();
}

export function encodeSubscription(subscription: Subscription): Buffer {
  const writer = new Writer().int16(1).int32(subscription.topics.length);
  for (const topic of subscription.topics) writer.string(topic);
  writer.nullBytes();
  writeTopicPartitions(writer, subscription.ownedPartitions);
  return writer.toBuffer();
}

export function decodeSubscription(bytes: Buffer): Subscription {
  const reader = new Reader(bytes);
  const version = reader.int16();
  const topics = reader.array(() => reader.string());
  if (reader.atEnd) return { topics, ownedPartitions: [] };
  reader.skipBytes();
  const ownedPartitions = version >= 1 && !reader.atEnd ? readTopicPartitions(reader) : [];
  return { topics, ownedPartitions };
}

export function encodeAssignment(partitions: readonly TopicPartition[]): Buffer {
  const writer = new Writer().int16(1);
  writeTopicPartitions(writer, partitions);
  return writer.nullBytes().toBuffer();
}

export function decodeAssignment(bytes: Buffer): TopicPartition[] {
  if (bytes.length === 0) return [];
  const reader = new Reader(bytes);
  reader.int16();
  return readTopicPartitions(reader);
}
