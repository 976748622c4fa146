/**
 * The broker's metadata: `<data-dir>/meta/metadata.json`, replaced atomically on every change
 * (temp file, fsync, rename, directory fsync), so a crash leaves the previous or the next state.
 *
 *   {
 *     "version": 1,
 *     "clusterId": "q1Sh-9_ISia_zwGINzRvyQ",          22-char base64url, Kafka's shape
 *     "nextProducerIdBlock": 2000,                    producer ids below this may have been handed out
 *     "topics": [
 *       { "name": "orders", "id": "<uuid>", "partitions": 3, "config": { "retention.ms": "3600000" } }
 *     ]
 *   }
 *
 * Topic configs hold only the overrides, as Kafka's text values. The topic id is a random UUID,
 * stable for the topic's life (Metadata v10+ and Fetch v13+ carry it).
 */

import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { writeFileAtomically } from '../storage/atomic-file.js';
import type { FileIO } from '../storage/file-io.js';
import { SerialQueue } from '../storage/serial-queue.js';
import { BrokerError } from './broker-error.js';
import { formatConfigValue, parseConfigMap, type ConfigMap } from './config-values.js';

export interface TopicMetadata {
  name: string;
  id: string;
  partitions: number;
  /** Overrides only, by Kafka name. */
  config: ConfigMap;
}

interface MetadataFile {
  version: 1;
  clusterId: string;
  nextProducerIdBlock: number;
  topics: { name: string; id: string; partitions: number; config: Record<string, string> }[];
}

export const METADATA_DIRECTORY = 'meta';
const METADATA_FILE = 'metadata.json';

export class MetadataStore {
  /** Saves share one temp file: changes apply one at a time. */
  private readonly writes = new SerialQueue();

  private constructor(
    private readonly path: string,
    private readonly io: FileIO,
    readonly clusterId: string,
    private nextProducerIdBlockValue: number,
    readonly topics: Map<string, TopicMetadata>,
  ) {}

  static async open(dataDir: string, io: FileIO): Promise<MetadataStore> {
    const directory = join(dataDir, METADATA_DIRECTORY);
    await io.mkdir(directory);
    const path = join(directory, METADATA_FILE);
    if (!(await io.exists(path))) {
      const store = new MetadataStore(path, io, randomBytes(16).toString('base64url'), 0, new Map());
      await store.save();
      return store;
    }
    const file = MetadataStore.parse(path, (await io.readFile(path)).toString('utf8'));
    const topics = new Map(file.topics.map((topic) => [topic.name, { ...topic, config: parseConfigMap(topic.config, 'topic') }]));
    return new MetadataStore(path, io, file.clusterId, file.nextProducerIdBlock, topics);
  }

  private static parse(path: string, text: string): MetadataFile {
    try {
      const file = JSON.parse(text) as MetadataFile;
      if (file.version !== 1 || typeof file.clusterId !== 'string' || !Array.isArray(file.topics)) throw new Error('unexpected shape');
      return file;
    } catch (error) {
      throw new BrokerError('KAFKA_STORAGE_ERROR', `metadata file ${path} is unreadable (${(error as Error).message}); restore it from a backup`, { cause: error });
    }
  }

  get nextProducerIdBlock(): number {
    return this.nextProducerIdBlockValue;
  }

  /** Reserves producer ids [start, start + size) durably; returns start. */
  reserveProducerIds(size: number): Promise<number> {
    return this.writes.run(async () => {
      const start = this.nextProducerIdBlockValue;
      this.nextProducerIdBlockValue += size;
      await this.save();
      return start;
    });
  }

  newTopicId(): string {
    return randomUUID();
  }

  /** Applies `change` to the topic table and saves; the table is unchanged if saving fails. */
  update(change: (topics: Map<string, TopicMetadata>) => void): Promise<void> {
    return this.writes.run(async () => {
      const before = new Map(this.topics);
      change(this.topics);
      try {
        await this.save();
      } catch (error) {
        this.topics.clear();
        for (const [name, topic] of before) this.topics.set(name, topic);
        throw error;
      }
    });
  }

  private async save(): Promise<void> {
    const file: MetadataFile = {
      version: 1,
      clusterId: this.clusterId,
      nextProducerIdBlock: this.nextProducerIdBlockValue,
      topics: [...this.topics.values()].map((topic) => ({
        name: topic.name,
        id: topic.id,
        partitions: topic.partitions,
        config: Object.fromEntries(Object.entries(topic.config).map(([name, value]) => [name, formatConfigValue(value)])),
      })),
    };
    await writeFileAtomically(this.io, this.path, Buffer.from(`${JSON.stringify(file, null, 2)}\n`));
  }
}
