/**
 * One partition's send lane in the producer: encoded batches go to the broker in sequence order,
 * up to `maxInFlightBatches` at once, so encoding the next batch overlaps writing the previous
 * ones (Kafka's idempotent producer allows 5 requests in flight for the same reason).
 *
 * Order holds through retries. When a batch is refused with a retriable error the lane stops
 * sending, waits until every batch in flight has settled, then resends the refused ones, oldest
 * first, after a backoff. Nothing sent after a refused batch can have been written before it: the
 * log fails every append queued behind a failed write, and the broker's producer state answers any
 * later sequence with OUT_OF_ORDER_SEQUENCE_NUMBER until the refused batch's retry arrives (that
 * answer is therefore retriable here). A batch that runs out of attempts fails alone.
 */

export interface LaneBatch {
  readonly bytes: Buffer;
  onAcknowledged(baseOffset: number): void;
  onFailed(error: unknown): void;
}

export interface LaneOptions {
  maxInFlightBatches: number;
  /** Sends per batch, the first included. */
  maxAttempts: number;
  retryBackoffMs: number;
  isRetriable(error: unknown): boolean;
  send(bytes: Buffer): Promise<{ baseOffset: number }>;
}

interface Slot {
  readonly batch: LaneBatch;
  attempts: number;
  /** Refused with a retriable error and waiting for the rest of the window to settle. */
  refused: boolean;
}

export class PartitionLane {
  /** Not sent yet (or to be resent), oldest first. */
  private readonly waiting: Slot[] = [];
  /** Sent and not yet acknowledged, oldest first. */
  private readonly inFlight: Slot[] = [];
  private retrying = false;

  constructor(private readonly options: LaneOptions) {
    if (!(options.maxInFlightBatches >= 1)) throw new RangeError(`maxInFlightBatches must be ≥ 1, got ${options.maxInFlightBatches}`);
  }

  push(batch: LaneBatch): void {
    this.waiting.push({ batch, attempts: 0, refused: false });
    this.pump();
  }

  private pump(): void {
    while (!this.retrying && this.inFlight.length < this.options.maxInFlightBatches && this.waiting.length > 0) {
      const slot = this.waiting.shift()!;
      this.inFlight.push(slot);
      this.send(slot);
    }
  }

  private send(slot: Slot): void {
    slot.attempts++;
    slot.refused = false;
    this.options.send(slot.batch.bytes).then(
      (result) => this.acknowledged(slot, result.baseOffset),
      (error: unknown) => this.refusedWith(slot, error),
    );
  }

  private acknowledged(slot: Slot, baseOffset: number): void {
    this.remove(slot);
    slot.batch.onAcknowledged(baseOffset);
    this.afterSettle();
  }

  private refusedWith(slot: Slot, error: unknown): void {
    if (slot.attempts >= this.options.maxAttempts || !this.options.isRetriable(error)) {
      this.remove(slot);
      slot.batch.onFailed(error);
    } else {
      slot.refused = true;
      this.retrying = true;
    }
    this.afterSettle();
  }

  private remove(slot: Slot): void {
    const index = this.inFlight.indexOf(slot);
    if (index >= 0) this.inFlight.splice(index, 1);
  }

  /** Sends more, or once a retry's window has fully settled, schedules the resend of the refused. */
  private afterSettle(): void {
    if (!this.retrying) {
      this.pump();
      return;
    }
    if (this.inFlight.some((slot) => !slot.refused)) return;
    const refused = this.inFlight.splice(0);
    this.waiting.unshift(...refused);
    const attempts = Math.max(1, ...refused.map((slot) => slot.attempts));
    setTimeout(() => {
      this.retrying = false;
      this.pump();
    }, this.options.retryBackoffMs * attempts);
  }
}
