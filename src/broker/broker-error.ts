/**
 * The broker's typed error: a stable `code` that is a Kafka error name, so the wire protocol sends
 * `KafkaErrorCode[code]` and the CLI prints one line. Storage errors map onto the same names.
 */

import { CodecError } from '../codec/codec-error.js';
import { StorageError, type StorageErrorCode } from '../storage/storage-error.js';
import { KafkaErrorCode, type KafkaErrorName } from './kafka-error-codes.js';

export class BrokerError extends Error {
  override readonly name = 'BrokerError';

  constructor(
    readonly code: KafkaErrorName,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The numeric Kafka error code. */
  get errorCode(): number {
    return KafkaErrorCode[this.code];
  }
}

const STORAGE_TO_KAFKA: Record<StorageErrorCode, KafkaErrorName> = {
  CORRUPT_MESSAGE: 'CORRUPT_MESSAGE',
  MESSAGE_TOO_LARGE: 'MESSAGE_TOO_LARGE',
  OFFSET_OUT_OF_RANGE: 'OFFSET_OUT_OF_RANGE',
  KAFKA_STORAGE_ERROR: 'KAFKA_STORAGE_ERROR',
  LOG_OFFLINE: 'KAFKA_STORAGE_ERROR',
  LOG_CLOSED: 'NOT_LEADER_OR_FOLLOWER',
  DIRECTORY_LOCKED: 'KAFKA_STORAGE_ERROR',
  INVALID_CONFIG: 'INVALID_CONFIG',
  INVALID_ARGUMENT: 'INVALID_REQUEST',
};

/** Any error as a BrokerError (storage and codec errors keep their meaning; others are UNKNOWN_SERVER_ERROR). */
export function toBrokerError(error: unknown): BrokerError {
  if (error instanceof BrokerError) return error;
  if (error instanceof StorageError) return new BrokerError(STORAGE_TO_KAFKA[error.code], error.message, { cause: error });
  if (error instanceof CodecError) {
    const code: KafkaErrorName = error.code === 'UNSUPPORTED_COMPRESSION_TYPE' ? 'UNSUPPORTED_COMPRESSION_TYPE' : 'CORRUPT_MESSAGE';
    return new BrokerError(code, error.message, { cause: error });
  }
  return new BrokerError('UNKNOWN_SERVER_ERROR', error instanceof Error ? error.message : String(error), { cause: error });
}
