/**
 * What every `strata` command needs from a log, whichever way it reaches it: over the Kafka wire
 * protocol to a running server (`--bootstrap host:port`, ./remote-log-access.ts), or directly on
 * a data directory no server holds (`--data-dir dir`, ./local-log-access.ts, which opens it with
 * the embedded broker and so takes its lock). Each command is written once against this interface.
 *
 * Consumer groups here are seen from outside, as kafka-consumer-groups sees them: the CLI reads
 * and commits a group's offsets as a standalone client (generation -1), which the broker accepts
 * only while the group has no live members.
 */

import type { TopicPartition } from '../client/assignors/index.js';

export interface TopicSummary {
  name: string;
  partitions: number;
  internal: boolean;
}

export interface TopicDetails {
  name: string;
  /** Empty when the protocol version used does not carry it. */
  id: string;
  internal: boolean;
  partitions: { partition: number; logStartOffset: number; logEndOffset: number }[];
  config: { name: string; value: string; source: 'topic' | 'broker' | 'default' }[];
}

export interface FetchedData {
  /** Whole record batches (the first may start before the offset asked for). */
  records: Buffer;
  highWatermark: number;
  logStartOffset: number;
}

export interface GroupDetails {
  groupId: string;
  state: string;
  protocol: string;
  members: { memberId: string; clientId: string; clientHost: string; assignment: TopicPartition[] }[];
}

export interface CommittedOffset {
  topic: string;
  partition: number;
  offset: number;
}

export type Acks = -1 | 0 | 1;

/** ListOffsets' special timestamps. */
export const LATEST = -1;
export const EARLIEST = -2;

export interface LogAccess {
  /** "server 127.0.0.1:9092" or "data directory ./data", for messages. */
  readonly description: string;
  listTopics(includeInternal: boolean): Promise<TopicSummary[]>;
  /** The partition count of `topic`; UNKNOWN_TOPIC_OR_PARTITION if it does not exist. */
  partitionCount(topic: string): Promise<number>;
  describeTopic(topic: string): Promise<TopicDetails>;
  createTopic(topic: string, partitions: number | null, config: Record<string, string>): Promise<void>;
  deleteTopic(topic: string): Promise<void>;
  alterTopicConfig(topic: string, set: Record<string, string>, remove: string[]): Promise<void>;
  addPartitions(topic: string, totalPartitions: number): Promise<void>;
  /** Appends one record batch; resolves with its base offset (-1 with acks 0). */
  produce(topic: string, partition: number, batch: Buffer, acks: Acks): Promise<{ baseOffset: number }>;
  /** Batches from `offset` (up to about `maxBytes`), waiting up to `maxWaitMs` when there are none. */
  fetch(topic: string, partition: number, offset: number, maxBytes: number, maxWaitMs: number): Promise<FetchedData>;
  /** LATEST, EARLIEST, or the first offset at or after a timestamp (offset -1 when there is none). */
  listOffset(topic: string, partition: number, timestamp: number): Promise<{ offset: number; timestamp: number }>;
  listGroups(): Promise<{ groupId: string; state: string }[]>;
  describeGroup(groupId: string): Promise<GroupDetails>;
  committedOffsets(groupId: string): Promise<CommittedOffset[]>;
  commitOffsets(groupId: string, topic: string, offsets: readonly { partition: number; offset: number }[]): Promise<void>;
  deleteGroup(groupId: string): Promise<void>;
  close(): Promise<void>;
}
