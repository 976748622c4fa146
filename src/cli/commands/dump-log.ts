/**
 * `strata dump-log <file>`: what kafka-dump-log shows, for one segment file read directly (no
 * server, no lock, nothing rewritten). A .log lists its batches (position, offsets, record count,
 * timestamps, codec, size, CRC ok or not) and with --records every record; an .index or
 * .timeindex lists its entries. Exit code 1 when anything is corrupt, naming the file and byte
 * position.
 */

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { CodecError } from '../../codec/codec-error.js';
import { compressionName } from '../../codec/compression.js';
import { Attribute } from '../../codec/record-batch-header.js';
import { decodeRecordBatch } from '../../codec/record-batch.js';
import { CliError, EXIT_FAILURE } from '../cli-error.js';
import { coloursFor, exitQuietlyOnClosedStdout, isoTime, recordJson, writeOut } from '../output.js';
import { readOffsetIndex, readTimeIndex, scanLog, segmentFileOf } from '../segment-files.js';

interface DumpFlags {
  records?: boolean;
  json?: boolean;
}

function codecName(id: number): string {
  try {
    return compressionName(id);
  } catch {
    return `unknown(${id})`;
  }
}

async function dumpLog(path: string, flags: DumpFlags): Promise<number> {
  const colours = coloursFor(process.stdout);
  let problems = 0;
  await writeOut(flags.json ? '' : `dumping ${path}\n`);
  await scanLog(
    path,
    async (batch) => {
      const { header } = batch;
      const lastOffset = header.baseOffset + header.lastOffsetDelta;
      if (batch.problem !== null) problems++;
      const codec = codecName(batch.compression);
      if (flags.json) {
        await writeOut(
          JSON.stringify({
            position: batch.position,
            baseOffset: header.baseOffset,
            lastOffset,
            count: header.recordCount,
            baseTimestamp: header.baseTimestamp,
            maxTimestamp: header.maxTimestamp,
            codec,
            sizeBytes: batch.sizeBytes,
            crc: header.crc,
            crcOk: batch.problem === null,
            ...(batch.problem === null ? {} : { problem: batch.problem }),
          }) + '\n',
        );
      } else {
        const crc = batch.problem === null ? colours.green('ok') : colours.red(`BAD (${batch.problem})`);
        const timestampType = (header.attributes & Attribute.logAppendTime) !== 0 ? 'LogAppendTime' : 'CreateTime';
        await writeOut(
          `position ${batch.position}: offsets ${header.baseOffset}–${lastOffset} count ${header.recordCount} ${timestampType} ${isoTime(header.baseTimestamp)}…${isoTime(header.maxTimestamp)} codec ${codec} size ${batch.sizeBytes} producerId ${header.producerId} crc ${crc}\n`,
        );
      }
      if (batch.problem !== null) {
        process.stderr.write(`strata: ${path}: corrupt batch at byte position ${batch.position} (offsets ${header.baseOffset}–${lastOffset}): ${batch.problem}\n`);
        return;
      }
      if (!flags.records) return;
      try {
        for (const record of decodeRecordBatch(batch.bytes, 0, batch.sizeBytes).records) {
          const printable = { topic: '', partition: -1, ...record };
          await writeOut(flags.json ? recordJson(printable) + '\n' : `  | offset ${record.offset} ${isoTime(record.timestamp)} key ${record.key === null ? 'null' : JSON.stringify(record.key.toString('utf8'))} value ${record.value === null ? 'null' : JSON.stringify(record.value.toString('utf8'))}${record.headers.length === 0 ? '' : ` headers ${record.headers.map((h) => `${h.key}=${h.value?.toString('utf8') ?? ''}`).join(',')}`}\n`);
        }
      } catch (error) {
        if (!(error instanceof CodecError)) throw error;
        problems++;
        process.stderr.write(`strata: ${path}: batch at byte position ${batch.position} has unreadable records: ${error.message}\n`);
      }
    },
    (position, problem) => {
      problems++;
      process.stderr.write(`strata: ${path}: cannot read on at byte position ${position}: ${problem}\n`);
    },
  );
  return problems;
}

async function dumpIndex(path: string, kind: 'index' | 'timeindex', baseOffset: number, json: boolean): Promise<number> {
  if (kind === 'index') {
    const { entries, problem } = await readOffsetIndex(path, baseOffset);
    for (const entry of entries) await writeOut(json ? JSON.stringify(entry) + '\n' : `offset ${entry.offset} position ${entry.position}\n`);
    if (problem !== null) process.stderr.write(`strata: ${path}: ${problem}\n`);
    return problem === null ? 0 : 1;
  }
  const { entries, problem } = await readTimeIndex(path, baseOffset);
  for (const entry of entries) await writeOut(json ? JSON.stringify(entry) + '\n' : `timestamp ${entry.timestamp} (${isoTime(entry.timestamp)}) offset ${entry.offset}\n`);
  if (problem !== null) process.stderr.write(`strata: ${path}: ${problem}\n`);
  return problem === null ? 0 : 1;
}

export function registerDumpLog(program: Command): void {
  program
    .command('dump-log <file>')
    .description('show a segment file: batches of a .log (offsets, timestamps, codec, CRC ok?), or the entries of an .index / .timeindex')
    .option('--records', 'also every record of each batch (.log)')
    .option('--json', 'one JSON object per batch, record or entry')
    .addHelpText('after', `
Reads the file directly (works on a data directory a server holds; nothing is written).
Exit code 1 when a batch is corrupt; the file and byte position are named on stderr.

Examples:
  strata dump-log ./data/orders-0/00000000000000000000.log --records
  strata dump-log ./data/orders-0/00000000000000000000.index
  strata dump-log ./data/orders-0/00000000000000000000.timeindex --json`)
    .action(async (file: string, flags: DumpFlags) => {
      const path = resolve(file);
      if (!existsSync(path)) throw new CliError(`${file} does not exist`, 'give a segment file: <data-dir>/<topic>-<partition>/<20-digit offset>.log, .index or .timeindex');
      const segment = segmentFileOf(path);
      if (segment === null) throw new CliError(`${file} is not a segment file`, 'segment files are named <20-digit base offset>.log, .index or .timeindex', 2);
      exitQuietlyOnClosedStdout();
      const problems = segment.kind === 'log' ? await dumpLog(path, flags) : await dumpIndex(path, segment.kind, segment.baseOffset, flags.json === true);
      if (problems > 0) process.exitCode = EXIT_FAILURE;
    });
}
