/**
 * The topics of a broker: names, partition counts and config overrides (persisted by
 * ./metadata-store.ts) and the PartitionLog of every partition (storage's LogDirectory).
 *
 * Crash safety, step order: create opens the partition logs first and records the topic last;
 * delete removes the topic from the metadata first and deletes its logs after. On open, partition
 * directories that belong to no recorded topic are deleted: a crash mid-create or mid-delete never
 * leaves a half-made topic visible, nor lets a deleted one come back.
 */

import type { LogDirectory } from '../storage/log-directory.js';
import type { PartitionLog } from '../storage/partition-log.js';
import { SerialQueue } from '../storage/serial-queue.js';
import { BrokerError, toBrokerError } from './broker-error.js';
import { CONFIG_DEFINITIONS } from './config-definitions.js';
import { effectiveValue, formatConfigValue, logConfigOf, parseConfigMap, type ConfigMap, type ConfigValue } from './config-values.js';
import type { BrokerEvent } from './broker-observer.js';
import type { MetadataStore, TopicMetadata } from './metadata-store.js';
import { checkTopicName, isInternalTopic } from './topic-name.js';

export interface PartitionDescription {
  partition: number;
  logStartOffset: number;
  logEndOffset: number;
  sizeBytes: number;
}

export interface ConfigEntry {
  name: string;
  value: string;
  /** True when neither the topic nor the broker set it. */
  isDefault: boolean;
  /** Where the value comes from: the topic, the broker's config, or Kafka's default. */
  source: 'topic' | 'broker' | 'default';
}

export interface TopicDescription {
  name: string;
  id: string;
  internal: boolean;
  partitions: PartitionDescription[];
  config: ConfigEntry[];
}

export interface CreateTopicOptions {
  partitions?: number;
  /** Topic config overrides, Kafka names or camelCase. */
  config?: Record<string, ConfigValue>;
}

export const MAX_PARTITIONS = 100_000;

function partitionName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

export class TopicRegistry {
  /** Topic changes run one at a time (check, create logs, record). */
  private readonly changes = new SerialQueue();
  private readonly logs = new Map<string, PartitionLog[]>();

  private constructor(
    private readonly directory: LogDirectory,
    private readonly metadata: MetadataStore,
    private readonly brokerConfig: ConfigMap,
    private readonly onEvent: (event: BrokerEvent) => void,
  ) {}

  /** Opens (recovering as needed) every partition of every recorded topic; removes orphans. */
  static async open(directory: LogDirectory, metadata: MetadataStore, brokerConfig: ConfigMap, onEvent: (event: BrokerEvent) => void = () => undefined): Promise<TopicRegistry> {
    const registry = new TopicRegistry(directory, metadata, brokerConfig, onEvent);
    const expected = new Set<string>();
    for (const topic of metadata.topics.values()) {
      for (let partition = 0; partition < topic.partitions; partition++) expected.add(partitionName(topic.name, partition));
    }
    for (const name of await directory.partitionNames()) if (!expected.has(name)) await directory.deletePartition(name);
    for (const topic of metadata.topics.values()) registry.logs.set(topic.name, await registry.openLogs(topic.name, 0, topic.partitions, topic.config));
    return registry;
  }

  private async openLogs(topic: string, from: number, to: number, config: ConfigMap): Promise<PartitionLog[]> {
    const logs: PartitionLog[] = [];
    for (let partition = from; partition < to; partition++) {
      logs.push(await this.directory.openPartition(partitionName(topic, partition), logConfigOf(config, this.brokerConfig)));
    }
    return logs;
  }

  get clusterId(): string {
    return this.metadata.clusterId;
  }

  /** Whether the topic exists with its logs open (a topic being created is not there yet). */
  has(name: string): boolean {
    return this.metadata.topics.has(name) && this.logs.has(name);
  }

  get(name: string): TopicMetadata {
    const topic = this.metadata.topics.get(name);
    if (topic === undefined) throw new BrokerError('UNKNOWN_TOPIC_OR_PARTITION', `topic ${JSON.stringify(name)} does not exist`);
    return topic;
  }

  list(): TopicMetadata[] {
    return [...this.metadata.topics.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The log of one partition; UNKNOWN_TOPIC_OR_PARTITION if there is none. */
  partition(topic: string, partition: number): PartitionLog {
    const log = this.logs.get(topic)?.[partition];
    if (log === undefined) throw new BrokerError('UNKNOWN_TOPIC_OR_PARTITION', `${topic}-${partition} does not exist`);
    return log;
  }

  partitionLogs(topic: string): readonly PartitionLog[] {
    this.get(topic);
    return this.logs.get(topic) ?? [];
  }

  /** The effective value of a config key for `topic`. */
  configValue(topic: string, name: string): ConfigValue {
    return effectiveValue(name, this.get(topic).config, this.brokerConfig);
  }

  create(name: string, options: CreateTopicOptions = {}, internal = false): Promise<TopicMetadata> {
    return this.changes.run(async () => {
      checkTopicName(name);
      if (isInternalTopic(name) && !internal) throw new BrokerError('INVALID_REQUEST', `${name} is an internal topic`);
      if (this.has(name)) throw new BrokerError('TOPIC_ALREADY_EXISTS', `topic ${name} already exists`);
      const partitions = options.partitions ?? (effectiveValue('num.partitions', this.brokerConfig) as number);
      checkPartitionCount(partitions);
      const config = parseConfigMap(options.config ?? {}, 'topic');
      const topic: TopicMetadata = { name, id: this.metadata.newTopicId(), partitions, config };
      const logs = await this.openLogs(name, 0, partitions, config);
      await this.metadata.update((topics) => topics.set(name, topic));
      this.logs.set(name, logs);
      this.onEvent({ type: 'topic-created', topic: name, partitions });
      return topic;
    });
  }

  delete(name: string): Promise<void> {
    return this.changes.run(async () => {
      const topic = this.get(name);
      if (isInternalTopic(name)) throw new BrokerError('INVALID_REQUEST', `${name} is an internal topic and cannot be deleted`);
      await this.metadata.update((topics) => topics.delete(name));
      this.logs.delete(name);
      for (let partition = 0; partition < topic.partitions; partition++) await this.directory.deletePartition(partitionName(name, partition));
      this.onEvent({ type: 'topic-deleted', topic: name });
    });
  }

  async describe(name: string): Promise<TopicDescription> {
    const topic = this.get(name);
    return {
      name,
      id: topic.id,
      internal: isInternalTopic(name),
      partitions: this.partitionLogs(name).map((log, partition) => ({ partition, logStartOffset: log.logStartOffset, logEndOffset: log.logEndOffset, sizeBytes: log.sizeBytes })),
      config: this.configEntries(topic.config),
    };
  }

  private configEntries(topicConfig: ConfigMap): ConfigEntry[] {
    return CONFIG_DEFINITIONS.filter((definition) => definition.scope === 'topic').map((definition) => {
      const source = definition.name in topicConfig ? 'topic' : definition.name in this.brokerConfig ? 'broker' : 'default';
      return { name: definition.name, value: formatConfigValue(effectiveValue(definition.name, topicConfig, this.brokerConfig)), isDefault: source === 'default', source };
    });
  }

  /** Sets and removes config overrides of a topic; the change applies to its logs at once. */
  alterConfig(name: string, change: { set?: Record<string, ConfigValue>; remove?: string[] }): Promise<TopicMetadata> {
    return this.changes.run(async () => {
      const topic = this.get(name);
      const config: ConfigMap = { ...topic.config, ...parseConfigMap(change.set ?? {}, 'topic') };
      for (const key of change.remove ?? []) delete config[Object.keys(parseConfigMap({ [key]: effectiveValue(key) }, 'topic'))[0]!];
      const updated = { ...topic, config };
      await this.metadata.update((topics) => topics.set(name, updated));
      for (const log of this.logs.get(name) ?? []) log.updateConfig(logConfigOf(config, this.brokerConfig));
      return updated;
    });
  }

  /** Grows a topic to `totalPartitions` (Kafka never shrinks one). */
  addPartitions(name: string, totalPartitions: number): Promise<TopicMetadata> {
    return this.changes.run(async () => {
      const topic = this.get(name);
      // __consumer_offsets places each group by its partition count: growing it would move groups.
      if (isInternalTopic(name)) throw new BrokerError('INVALID_REQUEST', `${name} is an internal topic; its partition count is fixed`);
      checkPartitionCount(totalPartitions);
      if (totalPartitions <= topic.partitions) {
        throw new BrokerError('INVALID_PARTITIONS', `topic ${name} has ${topic.partitions} partitions; the new count must be larger, got ${totalPartitions}`);
      }
      const added = await this.openLogs(name, topic.partitions, totalPartitions, topic.config);
      const updated = { ...topic, partitions: totalPartitions };
      await this.metadata.update((topics) => topics.set(name, updated));
      this.logs.set(name, [...(this.logs.get(name) ?? []), ...added]);
      return updated;
    });
  }

  /** Every open partition log with its topic and partition. */
  *allPartitions(): Generator<{ topic: string; partition: number; log: PartitionLog }> {
    for (const [topic, logs] of this.logs) for (let partition = 0; partition < logs.length; partition++) yield { topic, partition, log: logs[partition]! };
  }

  /** Waits for topic changes in progress. */
  async idle(): Promise<void> {
    await this.changes.idle();
  }
}

function checkPartitionCount(partitions: number): void {
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS) {
    throw new BrokerError('INVALID_PARTITIONS', `partition count must be an integer in [1, ${MAX_PARTITIONS}], got ${partitions}`);
  }
}

export { toBrokerError };
