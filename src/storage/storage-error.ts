/**
 * The one error type of the storage layer, with a stable `code` that the broker maps to a Kafka
 * error code on the wire and the CLI to one line. Codec problems with a batch being appended
 * surface as CORRUPT_MESSAGE (or their own code, kept in `cause`).
 */

export type StorageErrorCode =
  /** A batch failed validation, or bytes on disk failed their CRC (Kafka CORRUPT_MESSAGE, 2). */
  | 'CORRUPT_MESSAGE'
  /** The batch is larger than max.message.bytes (Kafka MESSAGE_TOO_LARGE, 10). */
  | 'MESSAGE_TOO_LARGE'
  /** An offset below the log start or above the log end (Kafka OFFSET_OUT_OF_RANGE, 1). */
  | 'OFFSET_OUT_OF_RANGE'
  /** A write or fsync failed (ENOSPC, EIO, …) (Kafka KAFKA_STORAGE_ERROR, 56). */
  | 'KAFKA_STORAGE_ERROR'
  /** The log refused the operation because an earlier fsync failed; reopen it (KAFKA_STORAGE_ERROR). */
  | 'LOG_OFFLINE'
  /** The log (or its directory) was closed. */
  | 'LOG_CLOSED'
  /** Another process holds the data directory. */
  | 'DIRECTORY_LOCKED'
  /** A configuration value is out of range. */
  | 'INVALID_CONFIG'
  /** An argument is out of range (caller error). */
  | 'INVALID_ARGUMENT';

export class StorageError extends Error {
  override readonly name = 'StorageError';

  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Storage assertions: a broken invariant is a bug, never user input. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`storage invariant violated: ${message}`);
}
