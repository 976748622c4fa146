/**
 * One partition's fetched bytes as the consumer hands them out: records are decoded one at a time,
 * when asked for (RecordBatchesReader), so no array of messages is built per fetch and each message
 * becomes garbage while it is still young (a whole fetch decoded at once kept thousands alive
 * through the next scavenge, and the consumer paid to copy them).
 *
 * The bytes come from BrokerCore.fetch, whose storage read checked every batch's CRC: corrupt data
 * is a CORRUPT_MESSAGE error there and never reaches this decoder, so it checks framing and records
 * but does not compute the CRC a second time.
 */

import { RecordBatchesReader } from '../codec/record-batch.js';
import type { ConsumerMessage } from './consumer-message.js';

export class FetchedRecords<State extends { readonly topic: string; readonly partition: number }> {
  private readonly reader: RecordBatchesReader;
  /** The offset after the last message handed out, or where the fetch started. */
  private resumeAt: number;

  constructor(
    /** The partition the bytes were fetched for. */
    readonly state: State,
    bytes: Buffer,
    /** The offset fetched: records before it (the first batch may start earlier) are skipped. */
    private readonly fromOffset: number,
    /** Records at or past it are not handed out (readToEnd's end offset, else Infinity). */
    private readonly toOffset: number,
  ) {
    this.reader = new RecordBatchesReader(bytes, { crcChecked: true });
    this.resumeAt = fromOffset;
  }

  /** Where the partition must be fetched again from if the rest of these records is dropped. */
  get resumeOffset(): number {
    return this.resumeAt;
  }

  /** The next message, or null when none is left. */
  next(): ConsumerMessage | null {
    const reader = this.reader;
    while (reader.next()) {
      const offset = reader.offset;
      if (offset < this.fromOffset) continue;
      if (offset >= this.toOffset) break;
      this.resumeAt = offset + 1;
      const cursor = reader.cursor;
      return { topic: this.state.topic, partition: this.state.partition, offset, timestamp: reader.timestamp, key: cursor.key(), value: cursor.value(), headers: cursor.headers() };
    }
    return null;
  }
}
