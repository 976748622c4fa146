/**
 * `strata consume <topic>`: prints records, kcat-style (`--format` with %t %p %o %k %s %h %T) or
 * as JSON lines. Starts at the group's committed offsets (with --group) or the beginning, or where
 * --offset / --from-time say; stops at the end of each partition (default) or keeps waiting
 * (--follow), and at --max-messages or past --to-time. With --group it commits what it printed
 * when it stops (Ctrl-C included), as a standalone consumer: the group must have no live members.
 */

import type { Command } from 'commander';
import { decodeRecordBatches } from '../../codec/record-batch.js';
import { usageError } from '../cli-error.js';
import { EARLIEST, LATEST, type LogAccess } from '../log-access.js';
import { accessOptions, collect, parseInteger, parseTime, withAccess, type AccessFlags } from '../options.js';
import { exitQuietlyOnClosedStdout, formatRecord, recordJson, writeOut, type PrintableRecord } from '../output.js';
import { ProgressBar } from '../progress.js';

const FETCH_MAX_BYTES = 1024 * 1024;
/** How long a caught-up fetch waits for new records with --follow. */
const FOLLOW_WAIT_MS = 500;

interface ConsumeFlags extends AccessFlags {
  partition?: string[];
  fromBeginning?: boolean;
  offset?: string;
  fromTime?: string;
  toTime?: string;
  group?: string;
  maxMessages?: string;
  follow?: boolean;
  exitAtEnd?: boolean;
  format: string;
  json?: boolean;
}

interface Position {
  partition: number;
  offset: number;
  done: boolean;
  /** Set once a record was printed, for the group commit. */
  consumed: boolean;
}

async function startPositions(access: LogAccess, topic: string, partitions: number[], flags: ConsumeFlags): Promise<Position[]> {
  const committed = flags.group === undefined ? new Map<number, number>() : new Map((await access.committedOffsets(flags.group)).filter((entry) => entry.topic === topic).map((entry) => [entry.partition, entry.offset]));
  return Promise.all(
    partitions.map(async (partition) => {
      const earliest = (await access.listOffset(topic, partition, EARLIEST)).offset;
      let offset: number;
      if (flags.offset !== undefined) offset = Math.max(earliest, parseInteger(flags.offset, '--offset'));
      else if (flags.fromTime !== undefined) {
        const found = await access.listOffset(topic, partition, parseTime(flags.fromTime, '--from-time'));
        offset = found.offset >= 0 ? found.offset : (await access.listOffset(topic, partition, LATEST)).offset;
      } else if (flags.fromBeginning !== true && committed.has(partition)) offset = Math.max(earliest, committed.get(partition)!);
      else offset = earliest;
      return { partition, offset, done: false, consumed: false };
    }),
  );
}

async function consume(topic: string, flags: ConsumeFlags): Promise<void> {
  const starts = [flags.fromBeginning, flags.offset, flags.fromTime].filter((flag) => flag !== undefined).length;
  if (starts > 1) throw usageError('give one of --from-beginning, --offset, --from-time');
  if (flags.follow && flags.exitAtEnd) throw usageError('give --follow or --exit-at-end, not both');
  if (flags.offset !== undefined) parseInteger(flags.offset, '--offset');
  if (flags.fromTime !== undefined) parseTime(flags.fromTime, '--from-time');
  const toTime = flags.toTime === undefined ? Infinity : parseTime(flags.toTime, '--to-time');
  const maxMessages = flags.maxMessages === undefined ? Infinity : parseInteger(flags.maxMessages, '--max-messages', 1);
  const wanted = (flags.partition ?? []).map((text) => parseInteger(text, '--partition'));
  const follow = flags.follow === true;
  exitQuietlyOnClosedStdout();

  await withAccess(flags, async (access) => {
    const partitionCount = await access.partitionCount(topic);
    const missing = wanted.find((partition) => partition >= partitionCount);
    if (missing !== undefined) throw usageError(`--partition ${missing} does not exist: topic ${topic} has ${partitionCount} partition(s)`);
    const positions = await startPositions(access, topic, wanted.length > 0 ? wanted : Array.from({ length: partitionCount }, (_, partition) => partition), flags);
    const progress = new ProgressBar(`consuming ${topic}`, process.stdout.isTTY || maxMessages === Infinity ? 0 : maxMessages, 'records');
    let stopping = false;
    const stop = () => (stopping = true);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    let printed = 0;
    try {
      while (!stopping && printed < maxMessages && positions.some((position) => !position.done)) {
        let gotAny = false;
        for (const position of positions) {
          if (position.done || stopping || printed >= maxMessages) continue;
          const data = await access.fetch(topic, position.partition, position.offset, FETCH_MAX_BYTES, follow ? FOLLOW_WAIT_MS / positions.length : 0);
          for (const batch of decodeRecordBatches(data.records, { allowPartialTail: true })) {
            for (const record of batch.records) {
              if (record.offset < position.offset) continue;
              if (record.timestamp > toTime) {
                position.done = true;
                break;
              }
              if (printed >= maxMessages) break;
              await print({ topic, partition: position.partition, ...record }, flags);
              position.offset = record.offset + 1;
              position.consumed = true;
              printed++;
              gotAny = true;
              progress.update(printed);
            }
            if (position.done || printed >= maxMessages) break;
            // A batch may end past its last record (compaction): move past it.
            position.offset = Math.max(position.offset, batch.header.baseOffset + batch.header.lastOffsetDelta + 1);
          }
          if (!follow && position.offset >= data.highWatermark) position.done = true;
        }
        if (!gotAny && !follow && positions.every((position) => position.done)) break;
      }
    } finally {
      progress.finish();
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
    if (flags.group !== undefined) {
      const consumed = positions.filter((position) => position.consumed);
      if (consumed.length > 0) await access.commitOffsets(flags.group, topic, consumed.map(({ partition, offset }) => ({ partition, offset })));
    }
    process.stderr.write(`consumed ${printed} record${printed === 1 ? '' : 's'} from ${topic}${flags.group === undefined ? '' : `, committed for group ${flags.group}`}\n`);
  });
}

async function print(record: PrintableRecord, flags: ConsumeFlags): Promise<void> {
  await writeOut(flags.json ? recordJson(record) + '\n' : formatRecord(flags.format, record));
}

export function registerConsume(program: Command): void {
  accessOptions(
    program
      .command('consume <topic>')
      .description('print records (by default: from each partition’s start, or the group’s committed offsets, to its current end)')
      .option('-p, --partition <n>', 'only this partition, repeatable (default: all)', collect)
      .option('--from-beginning', 'start at the earliest offset (even when the group has committed offsets)')
      .option('-o, --offset <n>', 'start at this offset in each partition')
      .option('--from-time <time>', 'start at the first record at or after this time (ISO 8601 or ms since the epoch)')
      .option('--to-time <time>', 'stop each partition at its first record after this time')
      .option('-g, --group <id>', 'start from this group’s committed offsets and commit what was printed')
      .option('-c, --max-messages <n>', 'stop after this many records')
      .option('--follow', 'keep waiting for new records (until Ctrl-C)')
      .option('-e, --exit-at-end', 'stop at the end of every partition (the default)')
      .option('-f, --format <fmt>', 'kcat tokens: %t topic, %p partition, %o offset, %k key, %s value, %h headers, %T timestamp (ms), %K/%S key/value length, \\n \\t', '%s\\n')
      .option('--json', 'one JSON object per record: topic, partition, offset, timestamp, key, value, headers'),
  )
    .addHelpText('after', `
Examples:
  strata consume orders                                  # everything, then exit
  strata consume orders --format '%p:%o %k=%s %h\\n' --max-messages 10
  strata consume orders --from-time 2026-01-31T12:00:00Z --to-time 2026-01-31T13:00:00Z --json
  strata consume orders --group billing --follow         # resume where the group left off
  strata consume orders --data-dir ./data --offset 42 --partition 0`)
    .action((topic: string, flags: ConsumeFlags) => consume(topic, flags));
}
