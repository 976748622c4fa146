/**
 * Errors the in-process clients raise themselves (broker refusals stay BrokerErrors with their
 * Kafka code). `code` is stable.
 */

export type ClientErrorCode =
  /** The producer's buffer is full and it was told to reject rather than wait. */
  | 'BUFFER_FULL'
  /** A single record larger than the producer's whole buffer. */
  | 'RECORD_TOO_LARGE'
  /** The client was closed. */
  | 'CLIENT_CLOSED'
  /** An argument is out of range. */
  | 'INVALID_ARGUMENT'
  /** The consumer is not subscribed or assigned where the call needs it. */
  | 'ILLEGAL_STATE';

export class ClientError extends Error {
  override readonly name = 'ClientError';

  constructor(
    readonly code: ClientErrorCode,
    message: string,
  ) {
    super(message);
  }
}
