// Reading a whole partition log as a consumer would, for compaction tests.
import { forEachRecord } from '../../src/codec/record-batch.js';
import type { PartitionLog } from '../../src/storage/partition-log.js';

export interface ReadRecord {
  offset: number;
  key: string | null;
  value: string | null;
  timestamp: number;
}

/** Every record of the log, read as a consumer would (gaps skipped by batch end offsets). */
export async function readAll(log: PartitionLog): Promise<ReadRecord[]> {
  const records: ReadRecord[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const bytes = await log.read(offset, 64 * 1024);
    const position = offset;
    const next = forEachRecord(bytes, (recordOffset, timestamp, key, value) => {
      if (recordOffset >= position) records.push({ offset: recordOffset, key: key?.toString() ?? null, value: value?.toString() ?? null, timestamp });
    });
    if (next <= offset) throw new Error(`no progress reading at ${offset} (log end ${log.logEndOffset})`);
    offset = next;
  }
  return records;
}

