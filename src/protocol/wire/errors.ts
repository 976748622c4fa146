/**
 * The two errors of the wire layer. Decoding untrusted bytes only ever throws ProtocolDecodeError
 * (never RangeError or TypeError); encoding a value that does not fit its schema throws
 * ProtocolEncodeError (a caller bug, not bad input from the network).
 *
 * Both carry the path of the field being read or written ("topicData[0].partitionData[2].records")
 * and the message says which message and version, so a failure points at its cause. The path is
 * built only when an error unwinds through the struct readers, so the happy path pays nothing.
 */

export type ProtocolDecodeErrorCode =
  /** The input ended before a complete value could be read. */
  | 'TRUNCATED'
  /** A length or count is negative (and not the null marker) or larger than the bytes left. */
  | 'INVALID_LENGTH'
  /** A null where the version does not allow one. */
  | 'UNEXPECTED_NULL'
  /** A varint longer than its maximum width, or a value too large for its type. */
  | 'MALFORMED_VARINT'
  /** An int64 outside JavaScript's safe integer range (±(2^53 - 1)). */
  | 'INT64_OUT_OF_RANGE'
  /** Bytes left over after the message. */
  | 'TRAILING_BYTES'
  /** The schema does not describe this version. */
  | 'UNSUPPORTED_VERSION'
  /** Anything else wrong with the bytes. */
  | 'INVALID_VALUE';

export class ProtocolDecodeError extends Error {
  override readonly name = 'ProtocolDecodeError';
  /** Path segments, innermost first, collected while the error unwinds. */
  private readonly segments: string[] = [];

  constructor(
    readonly code: ProtocolDecodeErrorCode,
    /** What went wrong, without context. */
    readonly detail: string,
    /** Byte offset in the decoded buffer where the failing read started. */
    readonly offset: number,
    options?: { cause?: unknown },
  ) {
    super(`${detail} (at byte ${offset})`, options);
  }

  /** Prepends a path segment (a field name or an `[index]`) while the error unwinds. */
  addPathSegment(segment: string): this {
    this.segments.push(segment);
    return this;
  }

  /** The field path, outermost first: "topicData[0].partitionData[2].records" ('' if none). */
  get fieldPath(): string {
    return joinPath(this.segments);
  }

  /** Sets the final message once the error has reached the top of a decode. */
  finish(context: string): this {
    const where = this.fieldPath === '' ? '' : ` in field ${this.fieldPath}`;
    this.message = `${context}: ${this.detail}${where} (at byte ${this.offset})`;
    return this;
  }
}

export class ProtocolEncodeError extends Error {
  override readonly name = 'ProtocolEncodeError';
  private readonly segments: string[] = [];

  constructor(
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(detail, options);
  }

  /** Prepends a path segment (a field name or an `[index]`) while the error unwinds. */
  addPathSegment(segment: string): this {
    this.segments.push(segment);
    return this;
  }

  /** The field path, outermost first: "topicData[0].partitionData[2].records" ('' if none). */
  get fieldPath(): string {
    return joinPath(this.segments);
  }

  finish(context: string): this {
    const where = this.fieldPath === '' ? '' : ` in field ${this.fieldPath}`;
    this.message = `${context}: ${this.detail}${where}`;
    return this;
  }
}

function joinPath(innermostFirst: readonly string[]): string {
  let path = '';
  for (let index = innermostFirst.length - 1; index >= 0; index--) {
    const segment = innermostFirst[index]!;
    path += path === '' || segment.startsWith('[') ? segment : `.${segment}`;
  }
  return path;
}
