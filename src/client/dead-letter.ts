/**
 * Retries and dead letters for message handlers (a task-queue need Kafka leaves to users): a
 * handler that throws is retried with exponential backoff up to `attempts` times; then the record
 * is produced to the dead-letter topic (default `<topic>.DLQ`) with headers saying where it came
 * from and why, and the consumer moves on. Nothing is skipped silently: without a dead-letter topic
 * (`deadLetterTopic: false`) the last error stops the consumer instead.
 *
 *   dlq.original.topic       the record's topic
 *   dlq.original.partition   its partition (decimal)
 *   dlq.original.offset      its offset (decimal)
 *   dlq.error.message        the handler's last error message
 *   dlq.attempts             how many times the handler ran (decimal)
 * The record's key, value, timestamp and own headers are kept.
 */

import type { BrokerCore } from '../broker/broker-core.js';
import { BrokerError } from '../broker/broker-error.js';
import type { ConsumerMessage } from './consumer-message.js';
import { Producer } from './producer.js';

export interface RetryOptions {
  /** Handler runs per record, first included (default 3). */
  attempts?: number;
  /** Pause before the second run; doubles each time (default 100 ms). */
  backoffMs?: number;
  /** Where records go after the last failure: a topic name, false for none (default `<topic>.DLQ`). */
  deadLetterTopic?: string | false;
}

const MAX_ATTEMPTS = 100;

export class DeadLetterHandler {
  private producer: Producer | null = null;

  constructor(
    private readonly broker: BrokerCore,
    private readonly options: RetryOptions,
  ) {
    const attempts = options.attempts ?? 3;
    if (!Number.isInteger(attempts) || attempts < 1 || attempts > MAX_ATTEMPTS) throw new RangeError(`retry attempts must be an integer in [1, ${MAX_ATTEMPTS}], got ${attempts}`);
  }

  /** Runs `handler` with retries; after the last failure dead-letters the record (or throws). */
  async handle(message: ConsumerMessage, handler: (message: ConsumerMessage) => Promise<void> | void): Promise<void> {
    const attempts = this.options.attempts ?? 3;
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        await handler(message);
        return;
      } catch (error) {
        lastError = error;
        if (attempt < attempts) await new Promise((resolve) => setTimeout(resolve, (this.options.backoffMs ?? 100) * 2 ** (attempt - 1)));
      }
    }
    const configured = this.options.deadLetterTopic;
    if (configured === false) throw lastError;
    await this.deadLetter(configured ?? `${message.topic}.DLQ`, message, lastError, attempts);
  }

  private async deadLetter(topic: string, message: ConsumerMessage, error: unknown, attempts: number): Promise<void> {
    if (!this.broker.topics.has(topic)) {
      await this.broker.topics.create(topic).catch((createError: unknown) => {
        if (!(createError instanceof BrokerError && createError.code === 'TOPIC_ALREADY_EXISTS')) throw createError;
      });
    }
    this.producer ??= new Producer(this.broker, { acks: 'all' });
    await this.producer.send(topic, [
      {
        key: message.key,
        value: message.value,
        timestamp: message.timestamp,
        headers: [
          ...message.headers,
          { key: 'dlq.original.topic', value: message.topic },
          { key: 'dlq.original.partition', value: String(message.partition) },
          { key: 'dlq.original.offset', value: String(message.offset) },
          { key: 'dlq.error.message', value: error instanceof Error ? error.message : String(error) },
          { key: 'dlq.attempts', value: String(attempts) },
        ],
      },
    ]);
  }

  async close(): Promise<void> {
    await this.producer?.close();
  }
}
