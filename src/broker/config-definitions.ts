/**
 * Every configuration key Strata knows, with Kafka's name, type, default and range. Topic-level
 * keys (scope 'topic') can be set per topic and, on the broker, as the default for every topic;
 * broker-level keys only on the broker. The TypeScript API spells each key in camelCase
 * (`retention.ms` → `retentionMs`); the wire protocol, the CLI and config files use Kafka's names.
 * "Never" (Kafka's Long.MAX_VALUE) is Infinity here.
 */

export type ConfigType = 'int' | 'long' | 'boolean' | 'string' | 'double';

export interface ConfigDefinition {
  name: string;
  scope: 'topic' | 'broker';
  type: ConfigType;
  defaultValue: number | boolean | string;
  /** Inclusive bounds for numbers. */
  min?: number;
  max?: number;
  /** Allowed values for strings. */
  oneOf?: readonly string[];
  doc: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const INT_MAX = 0x7fffffff;

export const CONFIG_DEFINITIONS = [
  { name: 'cleanup.policy', scope: 'topic', type: 'string', defaultValue: 'delete', oneOf: ['delete', 'compact', 'compact,delete', 'delete,compact'], doc: 'delete old segments, keep the newest record per key, or both' },
  { name: 'retention.ms', scope: 'topic', type: 'long', defaultValue: 7 * DAY_MS, min: -1, doc: 'delete sealed segments whose newest record is older (-1: never)' },
  { name: 'retention.bytes', scope: 'topic', type: 'long', defaultValue: -1, min: -1, doc: 'delete oldest sealed segments while a partition is larger (-1: no limit)' },
  { name: 'segment.bytes', scope: 'topic', type: 'int', defaultValue: 1024 * 1024 * 1024, min: 14, max: INT_MAX, doc: 'roll a segment when it would pass this size' },
  { name: 'segment.ms', scope: 'topic', type: 'long', defaultValue: 7 * DAY_MS, min: 1, doc: 'roll a segment this long after its first record' },
  { name: 'segment.index.bytes', scope: 'topic', type: 'int', defaultValue: 10 * 1024 * 1024, min: 12, max: INT_MAX, doc: 'size of each index file of the active segment' },
  { name: 'index.interval.bytes', scope: 'topic', type: 'int', defaultValue: 4096, min: 0, max: INT_MAX, doc: 'bytes between sparse index entries' },
  { name: 'max.message.bytes', scope: 'topic', type: 'int', defaultValue: 1024 * 1024 + 12, min: 0, max: INT_MAX, doc: 'largest record batch accepted' },
  { name: 'flush.messages', scope: 'topic', type: 'long', defaultValue: Infinity, min: 1, doc: 'fsync after this many unflushed records' },
  { name: 'flush.ms', scope: 'topic', type: 'long', defaultValue: Infinity, min: 0, doc: 'fsync data unflushed this long' },
  { name: 'min.cleanable.dirty.ratio', scope: 'topic', type: 'double', defaultValue: 0.5, min: 0, max: 1, doc: 'compact when this share of a compacted log is uncleaned' },
  { name: 'delete.retention.ms', scope: 'topic', type: 'long', defaultValue: DAY_MS, min: 0, doc: 'keep tombstones of a compacted topic this long' },
  { name: 'min.compaction.lag.ms', scope: 'topic', type: 'long', defaultValue: 0, min: 0, doc: 'records newer than this are not compacted yet (whole segments)' },
  { name: 'message.timestamp.type', scope: 'topic', type: 'string', defaultValue: 'CreateTime', oneOf: ['CreateTime', 'LogAppendTime'], doc: "records keep the producer's timestamp, or get the broker's append time" },
  { name: 'num.partitions', scope: 'broker', type: 'int', defaultValue: 1, min: 1, max: 100_000, doc: 'partitions of an auto-created topic' },
  { name: 'auto.create.topics.enable', scope: 'broker', type: 'boolean', defaultValue: true, doc: 'create a topic on first produce or metadata request' },
  { name: 'log.retention.check.interval.ms', scope: 'broker', type: 'long', defaultValue: 5 * 60 * 1000, min: 1, doc: 'how often retention runs' },
  { name: 'log.flush.offset.checkpoint.interval.ms', scope: 'broker', type: 'int', defaultValue: 60_000, min: 1, max: INT_MAX, doc: 'how often recovery points are checkpointed' },
  { name: 'log.cleaner.enable', scope: 'broker', type: 'boolean', defaultValue: true, doc: 'run the log cleaner (compaction) for topics whose cleanup.policy includes compact' },
  { name: 'log.cleaner.dedupe.buffer.size', scope: 'broker', type: 'long', defaultValue: 128 * 1024 * 1024, min: 1024, max: 2 ** 40, doc: 'bytes of the cleaner key map (16-byte entries); a larger dirty section is cleaned in passes' },
  { name: 'log.cleaner.io.max.bytes.per.second', scope: 'broker', type: 'long', defaultValue: -1, min: -1, doc: 'cap on the cleaner\'s read plus write bytes per second, leaving disk and CPU to producers (-1: no cap)' },
  { name: 'log.cleaner.thread.nice', scope: 'broker', type: 'int', defaultValue: 19, min: 0, max: 19, doc: 'added to the nice value of the cleaner\'s worker thread (Linux; not in Kafka), so appends and fetches get the CPU first (0: same priority)' },
  { name: 'log.cleaner.backoff.ms', scope: 'broker', type: 'long', defaultValue: 15_000, min: 1, doc: 'how long the cleaner sleeps when no partition is dirty enough' },
  { name: 'offsets.topic.num.partitions', scope: 'broker', type: 'int', defaultValue: 50, min: 1, max: 1000, doc: 'partitions of __consumer_offsets (fixed once created)' },
  { name: 'group.initial.rebalance.delay.ms', scope: 'broker', type: 'int', defaultValue: 3000, min: 0, max: INT_MAX, doc: 'wait this long for more members before the first rebalance of an empty group' },
  { name: 'group.min.session.timeout.ms', scope: 'broker', type: 'int', defaultValue: 6000, min: 0, max: INT_MAX, doc: 'smallest session timeout a consumer may ask for' },
  { name: 'group.max.session.timeout.ms', scope: 'broker', type: 'int', defaultValue: 1_800_000, min: 0, max: INT_MAX, doc: 'largest session timeout a consumer may ask for' },
] as const satisfies readonly ConfigDefinition[];

export type ConfigName = (typeof CONFIG_DEFINITIONS)[number]['name'];

type CamelCase<Name extends string> = Name extends `${infer Head}.${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : Name;

/** Every setting as an optional camelCase option: `{ retentionMs?: …, numPartitions?: … }`. */
export type ConfigOptions = { [Name in ConfigName as CamelCase<Name>]?: number | boolean | string };

export const DEFINITIONS_BY_NAME: ReadonlyMap<string, ConfigDefinition> = new Map(CONFIG_DEFINITIONS.map((definition: ConfigDefinition) => [definition.name, definition]));

/** `retention.ms` → `retentionMs`. */
export function camelCaseOf(name: string): string {
  return name.replace(/\.([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

export const DEFINITIONS_BY_CAMEL_CASE: ReadonlyMap<string, ConfigDefinition> = new Map(CONFIG_DEFINITIONS.map((definition: ConfigDefinition) => [camelCaseOf(definition.name), definition]));
