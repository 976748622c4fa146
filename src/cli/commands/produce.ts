/**
 * `strata produce <topic>`: one record per input line (stdin or --file), as
 * kafka-console-producer and `kcat -P` do; or one JSON object per line with --json. Keys go where
 * Kafka's Java client would put them (murmur2); keyless records stick to one partition per batch.
 * Records are sent in batches (see BatchSender), and a summary says how many went where, at which
 * offsets.
 */

import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { partitionForKey, StickyPartitioner } from '../../broker/partitioner.js';
import type { CompressionName } from '../../codec/compression.js';
import { encodeRecordBatch } from '../../codec/record-batch.js';
import type { RecordHeaderInput, RecordInput } from '../../codec/record.js';
import { CliError, usageError } from '../cli-error.js';
import type { Acks, LogAccess } from '../log-access.js';
import { accessOptions, collect, parseChoice, parseInteger, withAccess, type AccessFlags } from '../options.js';
import { writeOut } from '../output.js';
import { ProgressBar } from '../progress.js';

/** A batch is sent once its records' bytes pass this (below the default max.message.bytes, 1 MiB). */
const BATCH_BYTES = 512 * 1024;
const BATCH_RECORDS = 10_000;
/** Per-record bytes a batch adds beyond key, value and headers (lengths, deltas, attributes). */
const RECORD_OVERHEAD_BYTES = 24;
/** A partly filled batch is sent when no new record came for this long. */
const LINGER_MS = 100;

interface ProduceFlags extends AccessFlags {
  file?: string;
  keySeparator?: string;
  headers?: string[];
  partition?: string;
  acks: string;
  compression: string;
  json?: boolean;
}

interface PendingRecord extends RecordInput {
  partition: number;
}

interface PartitionSummary {
  records: number;
  firstOffset: number;
  lastOffset: number;
}

function parseHeaders(flags: readonly string[]): RecordHeaderInput[] {
  return flags.flatMap((list) =>
    list.split(',').map((pair) => {
      const equals = pair.indexOf('=');
      if (equals <= 0) throw usageError(`--headers takes key=value[,key=value…], got ${JSON.stringify(list)}`);
      return { key: pair.slice(0, equals), value: pair.slice(equals + 1) };
    }),
  );
}

/** A --json input line: { key?, value, headers?, partition?, timestamp? }. */
function parseJsonLine(line: string, lineNumber: number): { key: string | null; value: string | null; headers: RecordHeaderInput[]; partition?: number; timestamp?: number } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (error) {
    throw new CliError(`line ${lineNumber} is not JSON: ${(error as Error).message}`, 'with --json each line is one object like {"key":"k","value":"v","headers":{"h":"1"}}');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new CliError(`line ${lineNumber}: expected a JSON object, got ${line.slice(0, 40)}`, 'with --json each line is one object like {"key":"k","value":"v"}');
  const object = parsed as Record<string, unknown>;
  const text = (value: unknown): string | null => (value === null || value === undefined ? null : typeof value === 'string' ? value : JSON.stringify(value));
  const headers = Array.isArray(object['headers'])
    ? (object['headers'] as { key: unknown; value: unknown }[]).map((header) => ({ key: String(header.key), value: text(header.value) }))
    : Object.entries((object['headers'] ?? {}) as Record<string, unknown>).map(([key, value]) => ({ key, value: text(value) }));
  const result: ReturnType<typeof parseJsonLine> = { key: text(object['key']), value: text(object['value']), headers };
  if (object['partition'] !== undefined) {
    if (!Number.isInteger(object['partition']) || (object['partition'] as number) < 0) throw new CliError(`line ${lineNumber}: "partition" must be a non-negative integer`);
    result.partition = object['partition'] as number;
  }
  if (object['timestamp'] !== undefined) {
    if (!Number.isSafeInteger(object['timestamp']) || (object['timestamp'] as number) < 0) throw new CliError(`line ${lineNumber}: "timestamp" must be milliseconds since the epoch`);
    result.timestamp = object['timestamp'] as number;
  }
  return result;
}

/**
 * Groups records into one batch per partition and sends the batches one request at a time (a
 * serial chain, so each partition keeps the input order). A batch goes when it is full, or
 * LINGER_MS after the last record arrived when no more come (`tail -f … | strata produce` and a
 * person typing see their records sent at once). add() waits when a full batch is sent, so memory
 * stays bounded; the first failure stops further sends and is thrown by the next add() or finish().
 */
class BatchSender {
  private readonly pending = new Map<number, { records: RecordInput[]; bytes: number }>();
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown = null;
  private lingerTimer: NodeJS.Timeout | null = null;
  readonly summary = new Map<number, PartitionSummary>();
  batches = 0;

  constructor(
    private readonly access: LogAccess,
    private readonly topic: string,
    private readonly acks: Acks,
    private readonly compression: CompressionName,
    private readonly onBatchClosed: (partition: number) => void,
  ) {}

  async add(record: PendingRecord): Promise<void> {
    if (this.failure !== null) throw this.failure;
    let batch = this.pending.get(record.partition);
    if (batch === undefined) this.pending.set(record.partition, (batch = { records: [], bytes: 0 }));
    batch.records.push(record);
    batch.bytes += RECORD_OVERHEAD_BYTES + byteLength(record.key) + byteLength(record.value) + (record.headers ?? []).reduce((sum, header) => sum + header.key.length + byteLength(header.value), 0);
    if (batch.bytes >= BATCH_BYTES || batch.records.length >= BATCH_RECORDS) {
      await this.schedule(record.partition);
      if (this.failure !== null) throw this.failure;
      return;
    }
    if (this.lingerTimer !== null) clearTimeout(this.lingerTimer);
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = null;
      void this.flushAll();
    }, LINGER_MS);
  }

  /** Takes the partition's pending records now (so order holds) and queues their send. */
  private schedule(partition: number): Promise<void> {
    const batch = this.pending.get(partition);
    if (batch === undefined || batch.records.length === 0) return this.chain;
    this.pending.delete(partition);
    this.onBatchClosed(partition);
    this.chain = this.chain
      .then(() => (this.failure === null ? this.send(partition, batch.records) : undefined))
      .catch((error: unknown) => {
        this.failure ??= error;
      });
    return this.chain;
  }

  private async send(partition: number, records: RecordInput[]): Promise<void> {
    const { baseOffset } = await this.access.produce(this.topic, partition, encodeRecordBatch(records, { compression: this.compression }), this.acks);
    this.batches++;
    const summary = this.summary.get(partition) ?? { records: 0, firstOffset: baseOffset, lastOffset: -1 };
    summary.records += records.length;
    summary.lastOffset = baseOffset < 0 ? -1 : baseOffset + records.length - 1;
    this.summary.set(partition, summary);
  }

  private flushAll(): Promise<void> {
    for (const partition of [...this.pending.keys()]) void this.schedule(partition);
    return this.chain;
  }

  /** Sends what is left and waits for every send; throws the first failure. */
  async finish(): Promise<void> {
    if (this.lingerTimer !== null) clearTimeout(this.lingerTimer);
    this.lingerTimer = null;
    await this.flushAll();
    if (this.failure !== null) throw this.failure;
  }
}

function byteLength(value: string | Buffer | null | undefined): number {
  return value === null || value === undefined ? 0 : typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}

async function produce(topic: string, flags: ProduceFlags): Promise<void> {
  const acksText = parseChoice(flags.acks, '--acks', ['all', '-1', '1', '0']);
  const acks: Acks = acksText === 'all' || acksText === '-1' ? -1 : acksText === '1' ? 1 : 0;
  const compression = parseChoice(flags.compression, '--compression', ['none', 'gzip', 'lz4'] as const);
  const fixedHeaders = parseHeaders(flags.headers ?? []);
  const fixedPartition = flags.partition === undefined ? null : parseInteger(flags.partition, '--partition', 0);
  if (flags.keySeparator === '') throw usageError('--key-separator must not be empty');
  if (flags.json && flags.keySeparator !== undefined) throw usageError('--key-separator does not apply to --json input (give "key" in each object)');
  const fileBytes = flags.file === undefined ? 0 : fileSize(flags.file);

  await withAccess(flags, async (access) => {
    const partitionCount = await access.partitionCount(topic);
    if (fixedPartition !== null && fixedPartition >= partitionCount) throw usageError(`--partition ${fixedPartition} does not exist: topic ${topic} has ${partitionCount} partition(s)`);
    const sticky = new StickyPartitioner();
    const sender = new BatchSender(access, topic, acks, compression, (partition) => {
      if (partition === sticky.partition(partitionCount)) sticky.onNewBatch();
    });
    const input = flags.file === undefined ? process.stdin : createReadStream(flags.file);
    const progress = new ProgressBar(`producing to ${topic}`, fileBytes, 'bytes');
    const lines = createInterface({ input, crlfDelay: Infinity });
    let lineNumber = 0;
    try {
      for await (const line of lines) {
        lineNumber++;
        let record: { key: string | null; value: string | null; headers: RecordHeaderInput[]; partition?: number; timestamp?: number };
        if (flags.json) {
          record = parseJsonLine(line, lineNumber);
        } else if (flags.keySeparator !== undefined) {
          const at = line.indexOf(flags.keySeparator);
          if (at < 0) throw new CliError(`line ${lineNumber} has no key separator ${JSON.stringify(flags.keySeparator)}`, `every line must be KEY${flags.keySeparator}VALUE${lineNumber > 1 ? '; the lines before it were sent' : ''}`);
          record = { key: line.slice(0, at), value: line.slice(at + flags.keySeparator.length), headers: [] };
        } else {
          record = { key: null, value: line, headers: [] };
        }
        const partition = fixedPartition ?? record.partition ?? (record.key === null ? sticky.partition(partitionCount) : partitionForKey(record.key, partitionCount));
        if (partition >= partitionCount) throw new CliError(`line ${lineNumber}: partition ${partition} does not exist: topic ${topic} has ${partitionCount} partition(s)`);
        await sender.add({ key: record.key, value: record.value, headers: [...fixedHeaders, ...record.headers], partition, ...(record.timestamp === undefined ? {} : { timestamp: record.timestamp }) });
        if (input !== process.stdin) progress.update((input as ReturnType<typeof createReadStream>).bytesRead);
      }
    } catch (error) {
      // Records before the bad line may be on their way: let them finish, then report the line.
      await sender.finish().catch(() => undefined);
      progress.finish();
      throw error;
    }
    await sender.finish();
    progress.finish();
    await printSummary(topic, sender, acks);
  });
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
}

async function printSummary(topic: string, sender: BatchSender, acks: Acks): Promise<void> {
  const partitions = [...sender.summary.entries()].sort(([a], [b]) => a - b);
  const total = partitions.reduce((sum, [, summary]) => sum + summary.records, 0);
  await writeOut(`produced ${total} record${total === 1 ? '' : 's'} to ${topic} in ${sender.batches} batch${sender.batches === 1 ? '' : 'es'}${acks === 0 ? ' (acks=0: offsets unknown)' : ''}\n`);
  for (const [partition, summary] of partitions) {
    await writeOut(`  partition ${partition}: ${summary.records} record${summary.records === 1 ? '' : 's'}${acks === 0 ? '' : `, offsets ${summary.firstOffset}–${summary.lastOffset}`}\n`);
  }
}

export function registerProduce(program: Command): void {
  accessOptions(
    program
      .command('produce <topic>')
      .description('produce records: one per line from stdin or --file')
      .option('-f, --file <path>', 'read lines from this file instead of stdin (a progress bar shows on a terminal)')
      .option('-K, --key-separator <sep>', 'each line is KEY<sep>VALUE (like kcat -K)')
      .option('-H, --headers <key=value,…>', 'headers added to every record, repeatable', collect)
      .option('-p, --partition <n>', 'send every record to this partition (default: by key, as Kafka’s Java client)')
      .option('--acks <all|1|0>', 'all (-1): fsynced; 1: written; 0: not waited for', 'all')
      .option('-z, --compression <none|gzip|lz4>', 'batch compression', 'none')
      .option('--json', 'each line is a JSON object {"key","value","headers","partition","timestamp"}'),
  )
    .addHelpText('after', `
Prints how many records went to each partition and their offsets.

Examples:
  echo 'hello' | strata produce orders
  printf 'user-1:{"total":12}\\nuser-2:{"total":7}\\n' | strata produce orders --key-separator : --headers source=cli
  strata produce orders --file events.txt --compression lz4 --acks 1
  echo '{"key":"user-1","value":{"total":12},"headers":{"source":"cli"}}' | strata produce orders --json
  strata produce orders --data-dir ./data < events.txt     # directly on a data directory`)
    .action((topic: string, flags: ProduceFlags) => produce(topic, flags));
}
