/**
 * `strata groups list|describe|reset-offsets|delete`: what kafka-consumer-groups does. describe
 * shows the members with their assignment and, per partition, the committed offset, the end offset
 * and the lag; reset-offsets and delete need a group without live members (Kafka's rule).
 */

import type { Command } from 'commander';
import { BrokerError } from '../../broker/broker-error.js';
import { usageError } from '../cli-error.js';
import { EARLIEST, LATEST, type LogAccess } from '../log-access.js';
import { accessOptions, parseInteger, parseTime, withAccess, type AccessFlags } from '../options.js';
import { coloursFor, table, writeOut } from '../output.js';

export interface PartitionLag {
  topic: string;
  partition: number;
  /** -1 when nothing is committed. */
  committedOffset: number;
  endOffset: number;
  lag: number;
  owner: string;
}

/** Per partition with a commit or an owner: committed, end and lag (from the log start when nothing is committed). */
async function lagOf(access: LogAccess, groupId: string, owners: Map<string, string>, assigned: { topic: string; partition: number }[]): Promise<PartitionLag[]> {
  const rows = new Map<string, { topic: string; partition: number; committed: number }>();
  for (const { topic, partition } of assigned) rows.set(`${topic}\0${partition}`, { topic, partition, committed: -1 });
  for (const { topic, partition, offset } of await access.committedOffsets(groupId)) rows.set(`${topic}\0${partition}`, { topic, partition, committed: offset });
  const result: PartitionLag[] = [];
  for (const { topic, partition, committed } of rows.values()) {
    let endOffset: number;
    let startOffset: number;
    try {
      endOffset = (await access.listOffset(topic, partition, LATEST)).offset;
      startOffset = (await access.listOffset(topic, partition, EARLIEST)).offset;
    } catch (error) {
      if (error instanceof BrokerError && error.code === 'UNKNOWN_TOPIC_OR_PARTITION') continue; // the topic is gone
      throw error;
    }
    const from = committed >= 0 ? committed : startOffset;
    result.push({ topic, partition, committedOffset: committed, endOffset, lag: Math.max(0, endOffset - from), owner: owners.get(`${topic}\0${partition}`) ?? '-' });
  }
  return result.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

async function describe(groupId: string, flags: AccessFlags & { json?: boolean }): Promise<void> {
  await withAccess(flags, async (access) => {
    const group = await access.describeGroup(groupId);
    const owners = new Map<string, string>();
    for (const member of group.members) for (const { topic, partition } of member.assignment) owners.set(`${topic}\0${partition}`, member.memberId);
    const assigned = group.members.flatMap((member) => member.assignment);
    const offsets = await lagOf(access, groupId, owners, assigned);
    if (group.state === 'Dead' && offsets.length === 0) throw new BrokerError('GROUP_ID_NOT_FOUND', `group ${groupId} does not exist`);
    if (flags.json) return writeOut(JSON.stringify({ ...group, offsets }) + '\n');
    const colours = coloursFor(process.stdout);
    const totalLag = offsets.reduce((sum, row) => sum + row.lag, 0);
    await writeOut(`${colours.bold(`group ${groupId}`)}: ${group.state}${group.protocol === '' ? '' : ` (${group.protocol})`}, ${group.members.length} member(s), total lag ${totalLag}\n`);
    if (group.members.length > 0) {
      await writeOut('\n' + table(['MEMBER', 'CLIENT', 'HOST', 'ASSIGNMENT'], group.members.map((member) => [member.memberId, member.clientId, member.clientHost, member.assignment.map(({ topic, partition }) => `${topic}-${partition}`).join(',') || '-'])));
    }
    if (offsets.length > 0) {
      await writeOut('\n' + table(['TOPIC', 'PARTITION', 'COMMITTED', 'END', 'LAG', 'MEMBER'], offsets.map((row) => [row.topic, row.partition, row.committedOffset < 0 ? '-' : row.committedOffset, row.endOffset, row.lag, row.owner])));
    }
  });
}

interface ResetFlags extends AccessFlags {
  topic: string;
  toEarliest?: boolean;
  toLatest?: boolean;
  toOffset?: string;
  toTime?: string;
  dryRun?: boolean;
}

async function resetOffsets(groupId: string, flags: ResetFlags): Promise<void> {
  const targets = [flags.toEarliest, flags.toLatest, flags.toOffset, flags.toTime].filter((flag) => flag !== undefined).length;
  if (targets !== 1) throw usageError('give exactly one of --to-earliest, --to-latest, --to-offset N, --to-time T');
  const toOffset = flags.toOffset === undefined ? null : parseInteger(flags.toOffset, '--to-offset');
  const toTime = flags.toTime === undefined ? null : parseTime(flags.toTime, '--to-time');
  await withAccess(flags, async (access) => {
    const partitions = await access.partitionCount(flags.topic);
    const moves = [];
    for (let partition = 0; partition < partitions; partition++) {
      const earliest = (await access.listOffset(flags.topic, partition, EARLIEST)).offset;
      const latest = (await access.listOffset(flags.topic, partition, LATEST)).offset;
      let offset: number;
      if (flags.toEarliest) offset = earliest;
      else if (flags.toLatest) offset = latest;
      else if (toOffset !== null) offset = Math.min(latest, Math.max(earliest, toOffset));
      else {
        const found = await access.listOffset(flags.topic, partition, toTime!);
        offset = found.offset >= 0 ? found.offset : latest;
      }
      moves.push({ partition, offset });
    }
    if (!flags.dryRun) await access.commitOffsets(groupId, flags.topic, moves);
    await writeOut(`${flags.dryRun ? 'would reset' : 'reset'} group ${groupId} on ${flags.topic}:\n` + table(['PARTITION', 'NEW OFFSET'], moves.map(({ partition, offset }) => [partition, offset])));
  });
}

export function registerGroups(program: Command): void {
  const groups = program
    .command('groups')
    .description('list, describe (members, lag), reset offsets of, and delete consumer groups')
    .addHelpText('after', `
Examples:
  strata groups list
  strata groups describe billing
  strata groups reset-offsets billing --topic orders --to-earliest
  strata groups reset-offsets billing --topic orders --to-time 2026-01-31T12:00:00Z
  strata groups delete billing`);

  accessOptions(groups.command('list').description('every group and its state').option('--json', 'one JSON array'))
    .addHelpText('after', '\nExample:\n  strata groups list')
    .action(async (flags: AccessFlags & { json?: boolean }) => {
      await withAccess(flags, async (access) => {
        const list = await access.listGroups();
        if (flags.json) await writeOut(JSON.stringify(list) + '\n');
        else if (list.length === 0) await writeOut('no groups\n');
        else await writeOut(table(['GROUP', 'STATE'], list.map((group) => [group.groupId, group.state])));
      });
    });

  accessOptions(groups.command('describe <group>').description('state, members and their assignment, and per partition the committed offset, end offset and lag').option('--json', 'one JSON object'))
    .addHelpText('after', '\nExample:\n  strata groups describe billing')
    .action((groupId: string, flags: AccessFlags & { json?: boolean }) => describe(groupId, flags));

  accessOptions(
    groups
      .command('reset-offsets <group>')
      .description('move a group’s committed offsets on every partition of a topic (the group must have no live members)')
      .requiredOption('-t, --topic <topic>', 'the topic whose offsets move')
      .option('--to-earliest', 'to each partition’s start')
      .option('--to-latest', 'to each partition’s end (skip everything)')
      .option('--to-offset <n>', 'to this offset (clamped to each partition’s range)')
      .option('--to-time <time>', 'to the first record at or after this time (ISO 8601 or ms)')
      .option('--dry-run', 'show the new offsets without committing them'),
  )
    .addHelpText('after', '\nExample:\n  strata groups reset-offsets billing --topic orders --to-offset 100 --dry-run')
    .action((groupId: string, flags: ResetFlags) => resetOffsets(groupId, flags));

  accessOptions(groups.command('delete <group>').description('delete a group and its committed offsets (it must have no live members)'))
    .addHelpText('after', '\nExample:\n  strata groups delete billing')
    .action(async (groupId: string, flags: AccessFlags) => {
      await withAccess(flags, async (access) => {
        await access.deleteGroup(groupId);
        await writeOut(`deleted group ${groupId}\n`);
      });
    });
}
