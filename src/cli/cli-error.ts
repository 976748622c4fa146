/**
 * The CLI's failures: one readable line, a hint saying what to do, and an exit code. Everything a
 * command throws goes through `toCliError`, which turns the library's typed errors (BrokerError,
 * StorageError, CodecError, ClientError, WireConnectionError) into one of these.
 *
 * Exit codes: 0 ok; 1 failure (an error from the broker or the disk, corruption found by
 * verify/dump-log, a server that cannot be reached); 2 usage error (unknown command or flag, a
 * malformed flag value).
 */

import { BrokerError } from '../broker/broker-error.js';
import { ClientError } from '../client/client-error.js';
import { CodecError } from '../codec/codec-error.js';
import { WireConnectionError, type WireConnectionErrorCode } from '../protocol/wire-connection.js';
import { StorageError } from '../storage/storage-error.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export class CliError extends Error {
  override readonly name = 'CliError';

  constructor(
    message: string,
    readonly hint: string | null = null,
    readonly exitCode: number = EXIT_FAILURE,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

/** A malformed flag value or argument: exit code 2. */
export function usageError(message: string, hint: string | null = null): CliError {
  return new CliError(message, hint, EXIT_USAGE);
}

/** Hints for the Kafka error codes a user meets most. */
const HINTS: Record<string, string> = {
  UNKNOWN_TOPIC_OR_PARTITION: 'list topics with `strata topics list`; create one with `strata topics create NAME`',
  TOPIC_ALREADY_EXISTS: 'see it with `strata topics describe NAME`',
  INVALID_TOPIC_EXCEPTION: 'topic names are 1–249 characters of a-z A-Z 0-9 . _ -',
  INVALID_CONFIG: 'see every key and its default with `strata topics describe NAME` or the README',
  INVALID_PARTITIONS: 'a topic can only grow: give a larger total',
  NON_EMPTY_GROUP: 'stop the group’s consumers first',
  GROUP_ID_NOT_FOUND: 'list groups with `strata groups list`',
  UNKNOWN_MEMBER_ID: 'the group has live members: stop its consumers first',
  ILLEGAL_GENERATION: 'the group has live members: stop its consumers first',
  OFFSET_OUT_OF_RANGE: 'see the valid range with `strata offsets TOPIC`',
  CORRUPT_MESSAGE: 'run `strata verify --data-dir DIR` to find every bad batch',
  DIRECTORY_LOCKED: 'is `strata serve` running on it? Use --bootstrap HOST:PORT to go through the server',
};

/** Hints for a server that cannot be reached or stops answering (`--bootstrap`). */
const CONNECTION_HINTS: Record<WireConnectionErrorCode, string> = {
  CONNECTION_REFUSED: 'is `strata serve` running there? Or use --data-dir DIR to work on a data directory no server holds',
  TIMED_OUT: 'is the server overloaded or stuck? see its output',
  CONNECTION_CLOSED: 'see the server’s output for why',
  BAD_RESPONSE: 'is that a Kafka broker?',
  INVALID_ADDRESS: 'for example --bootstrap 127.0.0.1:9092',
};

export function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof WireConnectionError) return new CliError(error.message, CONNECTION_HINTS[error.code], EXIT_FAILURE, { cause: error });
  if (error instanceof BrokerError || error instanceof StorageError || error instanceof CodecError || error instanceof ClientError) {
    return new CliError(error.message, HINTS[error.code] ?? null, EXIT_FAILURE, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new CliError(message, null, EXIT_FAILURE, { cause: error });
}

/** The one line printed for a failure. */
export function errorLine(error: CliError): string {
  return `strata: ${error.message}${error.hint === null ? '' : ` (hint: ${error.hint})`}`;
}
