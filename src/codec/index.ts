export { CodecError, type CodecErrorCode } from './codec-error.js';
export { crc32c, crc32cReference } from './crc32c.js';
export { compress, decompress, compressionName, CompressionId, type CompressionName } from './compression.js';
export {
  BATCH_HEADER_BYTES,
  batchSizeAt,
  baseOffsetAt,
  lastOffsetAt,
  maxTimestampAt,
  readBatchHeader,
  validateBatchFrame,
  writeBaseOffset,
  writePartitionLeaderEpoch,
  type RecordBatchHeader,
} from './record-batch-header.js';
export {
  decodeRecordBatch,
  decodeRecordBatches,
  encodeRecordBatch,
  forEachRecord,
  type RecordVisitor,
  setMaxTimestamp,
  validateRecordBatch,
  type BatchRecordsSummary,
  type DecodedBatch,
  type EncodeBatchOptions,
} from './record-batch.js';
export type { DecodedRecord, RecordHeader, RecordHeaderInput, RecordInput, RecordBytes } from './record.js';
