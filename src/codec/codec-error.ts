/**
 * The one error type the codec throws. Everything that can be wrong with bytes (truncated input,
 * a bad CRC, an impossible length, an unknown compression codec) is a CodecError with a stable
 * `code`, so callers can map it to a Kafka error code on the wire or a line on the CLI. Decoding
 * untrusted bytes never throws anything else (no RangeError, no TypeError).
 */

export type CodecErrorCode =
  /** The input ended before a complete value could be read. */
  | 'TRUNCATED'
  /** A varint ran past its maximum width, or a value does not fit its type. */
  | 'MALFORMED_VARINT'
  /** A 64-bit field holds a value outside JavaScript's safe integer range. */
  | 'INT64_OUT_OF_RANGE'
  /** A length or count field is negative or larger than the bytes that hold it. */
  | 'INVALID_LENGTH'
  /** The batch magic byte is not 2 (only record batch v2 is supported). */
  | 'UNSUPPORTED_MAGIC'
  /** The CRC-32C stored in the batch does not match its bytes. */
  | 'CORRUPT_CRC'
  /** Records inside the batch disagree with its header (count, offsets, timestamps, sizes). */
  | 'INVALID_RECORD'
  /** A compression codec this build cannot read or write (snappy, zstd, or an unknown id). */
  | 'UNSUPPORTED_COMPRESSION_TYPE'
  /** Compressed bytes that do not decompress (bad frame, bad checksum, bad gzip stream). */
  | 'CORRUPT_COMPRESSED_DATA'
  /** A value passed to an encoder is out of range (caller error, not data corruption). */
  | 'INVALID_ARGUMENT';

export class CodecError extends Error {
  override readonly name = 'CodecError';

  constructor(
    readonly code: CodecErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Throws a TRUNCATED CodecError unless `need` bytes are available at `position` (before `end`). */
export function requireBytes(position: number, need: number, end: number, what: string): void {
  if (position + need > end) {
    throw new CodecError('TRUNCATED', `${what}: need ${need} bytes at ${position}, only ${Math.max(0, end - position)} left`);
  }
}
