/**
 * `strata offsets <topic>`: per partition the earliest and latest offsets and, with --time, the
 * first offset at or after a time (Kafka's ListOffsets; kcat -Q).
 */

import type { Command } from 'commander';
import { EARLIEST, LATEST } from '../log-access.js';
import { accessOptions, collect, parseInteger, parseTime, withAccess, type AccessFlags } from '../options.js';
import { isoTime, table, writeOut } from '../output.js';
import { usageError } from '../cli-error.js';

interface OffsetsFlags extends AccessFlags {
  time?: string;
  partition?: string[];
  json?: boolean;
}

async function offsets(topic: string, flags: OffsetsFlags): Promise<void> {
  const time = flags.time === undefined ? null : parseTime(flags.time, '--time');
  const wanted = (flags.partition ?? []).map((text) => parseInteger(text, '--partition'));
  await withAccess(flags, async (access) => {
    const count = await access.partitionCount(topic);
    const missing = wanted.find((partition) => partition >= count);
    if (missing !== undefined) throw usageError(`--partition ${missing} does not exist: topic ${topic} has ${count} partition(s)`);
    const rows = [];
    for (const partition of wanted.length > 0 ? wanted : Array.from({ length: count }, (_, index) => index)) {
      const earliest = (await access.listOffset(topic, partition, EARLIEST)).offset;
      const latest = (await access.listOffset(topic, partition, LATEST)).offset;
      const atTime = time === null ? null : await access.listOffset(topic, partition, time);
      rows.push({ partition, earliest, latest, ...(atTime === null ? {} : { atTime: atTime.offset, atTimeTimestamp: atTime.timestamp }) });
    }
    if (flags.json) return writeOut(JSON.stringify(rows) + '\n');
    const headers = ['PARTITION', 'EARLIEST', 'LATEST', ...(time === null ? [] : [`AT ${isoTime(time)}`, 'RECORD TIME'])];
    await writeOut(
      table(
        headers,
        rows.map((row) => [row.partition, row.earliest, row.latest, ...(row.atTime === undefined ? [] : row.atTime < 0 ? ['none (after the end)', '-'] : [row.atTime, isoTime(row.atTimeTimestamp!)])]),
      ),
    );
  });
}

export function registerOffsets(program: Command): void {
  accessOptions(
    program
      .command('offsets <topic>')
      .description('earliest and latest offset of each partition, and the first offset at or after a time')
      .option('--time <time>', 'also the first offset at or after this time (ISO 8601 or ms since the epoch)')
      .option('-p, --partition <n>', 'only this partition, repeatable', collect)
      .option('--json', 'one JSON array'),
  )
    .addHelpText('after', `
Examples:
  strata offsets orders
  strata offsets orders --time 2026-01-31T12:00:00Z
  strata offsets orders --data-dir ./data --json`)
    .action((topic: string, flags: OffsetsFlags) => offsets(topic, flags));
}
