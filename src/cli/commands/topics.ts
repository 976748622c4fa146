/**
 * `strata topics create|list|describe|alter|delete|add-partitions`: what kafka-topics does, by
 * Kafka's config names, against a running server or a data directory.
 */

import type { Command } from 'commander';
import { checkTopicName } from '../../broker/topic-name.js';
import { usageError } from '../cli-error.js';
import { accessOptions, collect, parseInteger, parsePairs, withAccess, type AccessFlags } from '../options.js';
import { coloursFor, table, writeOut } from '../output.js';

const MAX_PARTITIONS = 100_000;

/** Refuses a bad topic name before connecting (same rule as the broker's). */
function topicName(name: string): string {
  try {
    checkTopicName(name);
  } catch (error) {
    throw usageError((error as Error).message, 'topic names are 1–249 characters of a-z A-Z 0-9 . _ -');
  }
  return name;
}

export function registerTopics(program: Command): void {
  const topics = program
    .command('topics')
    .description('create, list, describe, alter and delete topics')
    .addHelpText('after', `
Examples:
  strata topics create orders --partitions 3 --config retention.ms=86400000
  strata topics list
  strata topics describe orders
  strata topics alter orders --set retention.ms=3600000 --delete segment.bytes
  strata topics add-partitions orders --partitions 6
  strata topics delete orders
  strata topics list --data-dir ./data           # directly on a data directory no server holds`);

  accessOptions(
    topics
      .command('create <topic>')
      .description('create a topic')
      .option('-p, --partitions <n>', 'number of partitions (default: the broker’s num.partitions)')
      .option('-c, --config <key=value>', 'a topic setting by its Kafka name, repeatable', collect),
  )
    .addHelpText('after', '\nExample:\n  strata topics create orders --partitions 3 --config retention.ms=86400000 --config cleanup.policy=delete')
    .action(async (name: string, flags: AccessFlags & { partitions?: string; config?: string[] }) => {
      const partitions = flags.partitions === undefined ? null : parseInteger(flags.partitions, '--partitions', 1, MAX_PARTITIONS);
      const config = parsePairs(flags.config ?? [], '--config');
      await withAccess(flags, async (access) => {
        await access.createTopic(topicName(name), partitions, config);
        const count = await access.partitionCount(name);
        await writeOut(`created topic ${name} with ${count} partition${count === 1 ? '' : 's'}\n`);
      });
    });

  accessOptions(topics.command('list').description('list topics and their partition counts').option('--internal', 'include internal topics (__consumer_offsets)').option('--json', 'one JSON array'))
    .addHelpText('after', '\nExample:\n  strata topics list --bootstrap 127.0.0.1:9092')
    .action(async (flags: AccessFlags & { internal?: boolean; json?: boolean }) => {
      await withAccess(flags, async (access) => {
        const list = await access.listTopics(flags.internal === true);
        if (flags.json) await writeOut(JSON.stringify(list) + '\n');
        else if (list.length === 0) await writeOut('no topics\n');
        else await writeOut(table(['TOPIC', 'PARTITIONS'], list.map((topic) => [topic.name, topic.partitions])));
      });
    });

  accessOptions(topics.command('describe <topic>').description('partitions (start and end offsets) and every setting with where it comes from').option('--json', 'one JSON object'))
    .addHelpText('after', '\nExample:\n  strata topics describe orders')
    .action(async (name: string, flags: AccessFlags & { json?: boolean }) => {
      await withAccess(flags, async (access) => {
        const topic = await access.describeTopic(topicName(name));
        if (flags.json) return writeOut(JSON.stringify(topic) + '\n');
        const colours = coloursFor(process.stdout);
        const records = topic.partitions.reduce((sum, partition) => sum + partition.logEndOffset - partition.logStartOffset, 0);
        await writeOut(`${colours.bold(`topic ${topic.name}`)}${topic.id === '' ? '' : ` (id ${topic.id})`}${topic.internal ? ' internal' : ''}: ${topic.partitions.length} partition(s), ${records} record offset(s)\n\n`);
        await writeOut(table(['PARTITION', 'START', 'END', 'RECORDS'], topic.partitions.map((partition) => [partition.partition, partition.logStartOffset, partition.logEndOffset, partition.logEndOffset - partition.logStartOffset])));
        await writeOut('\n' + table(['CONFIG', 'VALUE', 'SOURCE'], topic.config.map((entry) => [entry.name, entry.value, entry.source])));
      });
    });

  accessOptions(
    topics
      .command('alter <topic>')
      .description('set or remove topic settings (applies at once)')
      .option('-s, --set <key=value>', 'set a setting, repeatable', collect)
      .option('--delete <key>', 'remove a setting (back to the broker’s or Kafka’s default), repeatable', collect),
  )
    .addHelpText('after', '\nExample:\n  strata topics alter orders --set retention.ms=3600000 --delete segment.bytes')
    .action(async (name: string, flags: AccessFlags & { set?: string[]; delete?: string[] }) => {
      const removed = flags.delete ?? [];
      const set = parsePairs(flags.set ?? [], '--set');
      if (Object.keys(set).length === 0 && removed.length === 0) throw usageError('nothing to change: give --set key=value or --delete key');
      await withAccess(flags, async (access) => {
        await access.alterTopicConfig(topicName(name), set, removed);
        await writeOut(`altered topic ${name}: ${[...Object.entries(set).map(([key, value]) => `${key}=${value}`), ...removed.map((key) => `${key} removed`)].join(', ')}\n`);
      });
    });

  accessOptions(topics.command('delete <topic>').description('delete a topic and all its records'))
    .addHelpText('after', '\nExample:\n  strata topics delete orders')
    .action(async (name: string, flags: AccessFlags) => {
      await withAccess(flags, async (access) => {
        await access.deleteTopic(topicName(name));
        await writeOut(`deleted topic ${name}\n`);
      });
    });

  accessOptions(topics.command('add-partitions <topic>').description('grow a topic to a larger number of partitions (keys may move: Kafka’s rule)').requiredOption('-p, --partitions <total>', 'the new total number of partitions'))
    .addHelpText('after', '\nExample:\n  strata topics add-partitions orders --partitions 6')
    .action(async (name: string, flags: AccessFlags & { partitions: string }) => {
      const total = parseInteger(flags.partitions, '--partitions', 1, MAX_PARTITIONS);
      await withAccess(flags, async (access) => {
        await access.addPartitions(topicName(name), total);
        await writeOut(`topic ${name} now has ${total} partitions\n`);
      });
    });
}
