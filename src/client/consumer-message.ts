import type { RecordHeader } from '../codec/record.js';

/** One record as a consumer sees it. Key, value and header values are views of fetched bytes. */
export interface ConsumerMessage {
  topic: string;
  partition: number;
  offset: number;
  /** Milliseconds since the epoch (create time, or log append time on such topics). */
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

/** The messages of one partition handed to an `eachBatch` handler. */
export interface ConsumerBatch {
  topic: string;
  partition: number;
  messages: ConsumerMessage[];
  /** The partition's log end offset when the batch was fetched. */
  highWatermark: number;
}
