/**
 * Idempotent producers' state across a broker restart, so a producer's retry of a batch that was
 * written just before the restart is answered with its offsets instead of being written twice
 * (Kafka keeps producer snapshots for the same reason).
 *
 *   <data-dir>/producer-state-snapshot.json   written at clean shutdown, before the clean marker:
 *     { "version": 1,
 *       "partitions": { "<topic>-<partition>": { "logEndOffset": n,
 *                        "producers": [ { "producerId", "epoch", "batches": [[firstSeq, lastSeq, baseOffset, lastOffset], …] } ] } } }
 *
 * At open, a partition whose log closed cleanly at exactly its snapshot's end offset takes the
 * snapshot. Any other partition (a crash, or no snapshot) rebuilds its state from the batch headers
 * at the tail of its log: the active segment, and older segments until at least
 * TAIL_SCAN_BYTES have been read. A batch left unacknowledged by a crash is among the newest of its
 * partition, so it is found there. The snapshot file is removed once read: it describes one
 * shutdown only.
 */

import { join } from 'node:path';
import { BATCH_HEADER_BYTES, batchSizeAt, readBatchHeader } from '../codec/record-batch-header.js';
import { writeFileAtomically } from '../storage/atomic-file.js';
import type { FileIO } from '../storage/file-io.js';
import type { PartitionLog } from '../storage/partition-log.js';
import { assert } from '../storage/storage-error.js';
import { ProducerStateTable, type ProducerSnapshot } from './producer-state.js';

export const PRODUCER_STATE_SNAPSHOT_FILE = 'producer-state-snapshot.json';
/** Bytes of the newest segments scanned to rebuild producer state after an unclean stop. */
const TAIL_SCAN_BYTES = 64 * 1024 * 1024;
const READ_CHUNK_BYTES = 1024 * 1024;
const SNAPSHOT_VERSION = 1;

interface PartitionSnapshot {
  logEndOffset: number;
  producers: ProducerSnapshot[];
}

interface SnapshotFile {
  version: number;
  partitions: Record<string, PartitionSnapshot>;
}

/** Reads and removes the snapshot; an absent or unreadable one counts as none (state is then rebuilt from the logs). */
export async function takeProducerStateSnapshot(io: FileIO, dataDir: string): Promise<Map<string, PartitionSnapshot>> {
  const path = join(dataDir, PRODUCER_STATE_SNAPSHOT_FILE);
  if (!(await io.exists(path))) return new Map();
  let parsed: SnapshotFile | null = null;
  try {
    parsed = JSON.parse((await io.readFile(path)).toString('utf8')) as SnapshotFile;
  } catch {
    parsed = null;
  }
  await io.remove(path);
  if (parsed === null || parsed.version !== SNAPSHOT_VERSION || typeof parsed.partitions !== 'object') return new Map();
  return new Map(Object.entries(parsed.partitions));
}

export async function writeProducerStateSnapshot(io: FileIO, dataDir: string, partitions: ReadonlyMap<string, { log: PartitionLog; table: ProducerStateTable }>): Promise<void> {
  const file: SnapshotFile = { version: SNAPSHOT_VERSION, partitions: {} };
  for (const [key, { log, table }] of partitions) file.partitions[key] = { logEndOffset: log.logEndOffset, producers: table.snapshot() };
  await writeFileAtomically(io, join(dataDir, PRODUCER_STATE_SNAPSHOT_FILE), Buffer.from(JSON.stringify(file)));
}

/** The partition's producer state: from its snapshot when that matches a clean close, else from its log's tail. */
export async function recoverProducerState(log: PartitionLog, snapshot: PartitionSnapshot | undefined): Promise<ProducerStateTable> {
  const table = new ProducerStateTable();
  if (snapshot !== undefined && log.recovery.cleanShutdown && snapshot.logEndOffset === log.logEndOffset) {
    for (const producer of snapshot.producers) {
      for (const [firstSequence, lastSequence, baseOffset, lastOffset] of producer.batches) {
        table.restore(producer.producerId, producer.epoch, firstSequence, lastSequence, { baseOffset, lastOffset, appendTimeMs: -1 });
      }
    }
    return table;
  }
  await scanTail(log, table);
  return table;
}

/** Restores every idempotent batch of the newest segments (at least TAIL_SCAN_BYTES of them), in log order. */
async function scanTail(log: PartitionLog, table: ProducerStateTable): Promise<void> {
  const end = log.logEndOffset;
  let offset = Math.max(log.logStartOffset, tailScanStartOffset(log));
  while (offset < end) {
    const chunk = await log.read(offset, READ_CHUNK_BYTES);
    let position = 0;
    let next = offset;
    while (position + BATCH_HEADER_BYTES <= chunk.length) {
      const sizeBytes = batchSizeAt(chunk, position);
      if (position + sizeBytes > chunk.length) break;
      const header = readBatchHeader(chunk, position);
      const lastOffset = header.baseOffset + header.lastOffsetDelta;
      if (header.producerId >= 0 && lastOffset >= offset) {
        const lastSequence = (header.baseSequence + header.lastOffsetDelta) % 2 ** 31;
        table.restore(header.producerId, header.producerEpoch, header.baseSequence, lastSequence, { baseOffset: header.baseOffset, lastOffset, appendTimeMs: header.maxTimestamp });
      }
      next = Math.max(next, lastOffset + 1);
      position += sizeBytes;
    }
    assert(next > offset, `producer state scan made no progress at offset ${offset} of ${log.directory}`);
    offset = next;
  }
}

function tailScanStartOffset(log: PartitionLog): number {
  const segments = log.segmentInfos();
  let scannedBytes = 0;
  for (let index = segments.length - 1; index >= 0; index--) {
    scannedBytes += segments[index]!.sizeBytes;
    if (scannedBytes >= TAIL_SCAN_BYTES || index === 0) return segments[index]!.baseOffset;
  }
  return log.logStartOffset;
}
