/**
 * Idempotent produce, per partition (Kafka's producer state): for each producer id, its epoch and
 * the sequence ranges of its last five batches with the offsets they got. A batch carries
 * (producerId, producerEpoch, baseSequence) in its header; a retried batch that was already written
 * is recognised and answered with its original offsets instead of being written again.
 *
 * Rules (as Kafka's): an older epoch is INVALID_PRODUCER_EPOCH (a fenced producer); a newer epoch
 * must start at sequence 0; within an epoch a batch must start right after the last one
 * (sequences wrap at 2^31), else OUT_OF_ORDER_SEQUENCE_NUMBER. A producer id this partition has not
 * seen is accepted at any sequence (its state may predate a restart: state is kept in memory).
 * Batches are registered before they are written, so pipelined batches of one producer check
 * against each other. A failed write unregisters its batch at once (`forgetFailedWrite`, called
 * synchronously by the log before anything else runs): the log fails every batch queued behind it
 * too, and the producer's next batch must be the failed one's retry — anything later is
 * OUT_OF_ORDER_SEQUENCE_NUMBER, so pipelined batches can never be written out of order.
 */

import { BrokerError } from './broker-error.js';

export interface AppendedOffsets {
  baseOffset: number;
  lastOffset: number;
  appendTimeMs: number;
  logStartOffset: number;
}

interface BatchEntry {
  firstSequence: number;
  lastSequence: number;
  result: Promise<AppendedOffsets>;
  /** Where it was written, once known (what a snapshot keeps). */
  offsets: AppendedOffsets | null;
}

/** One producer's remembered batches, as a snapshot holds them: [firstSequence, lastSequence, baseOffset, lastOffset]. */
export interface ProducerSnapshot {
  producerId: number;
  epoch: number;
  batches: [number, number, number, number][];
}

interface ProducerEntry {
  epoch: number;
  /** Newest last. */
  batches: BatchEntry[];
  /** After failed writes: the sequence the retry must start at when `batches` is empty. */
  resumeAtSequence: number | null;
}

/** Batches remembered per producer for duplicate detection (Kafka keeps 5, the in-flight limit). */
const REMEMBERED_BATCHES = 5;
/** Producers remembered per partition; the least recently used are forgotten beyond this. */
const MAX_PRODUCERS = 10_000;
const SEQUENCE_MODULUS = 2 ** 31;

export type SequenceCheck =
  | { kind: 'duplicate'; result: Promise<AppendedOffsets> }
  /** register() returns the hook to call synchronously if the batch's write fails. */
  | { kind: 'new'; register(result: Promise<AppendedOffsets>): () => void };

export class ProducerStateTable {
  private readonly producers = new Map<number, ProducerEntry>();

  /** Classifies a batch from an idempotent producer (producerId ≥ 0). Throws on a sequence error. */
  check(producerId: number, epoch: number, baseSequence: number, recordCount: number): SequenceCheck {
    const lastSequence = (baseSequence + recordCount - 1) % SEQUENCE_MODULUS;
    const known = this.producers.get(producerId);
    if (known !== undefined) {
      if (epoch < known.epoch) throw new BrokerError('INVALID_PRODUCER_EPOCH', `producer ${producerId} epoch ${epoch} is older than ${known.epoch} (fenced)`);
      const duplicate = epoch === known.epoch ? known.batches.find((batch) => batch.firstSequence === baseSequence && batch.lastSequence === lastSequence) : undefined;
      if (duplicate !== undefined) return { kind: 'duplicate', result: duplicate.result };
      this.checkNext(producerId, known, epoch, baseSequence);
    }
    return {
      kind: 'new',
      register: (result) => {
        const batch: BatchEntry = { firstSequence: baseSequence, lastSequence, result, offsets: null };
        result.then((offsets) => (batch.offsets = offsets), () => undefined);
        this.register(producerId, epoch, batch);
        return () => this.forgetFailedWrite(producerId, batch);
      },
    };
  }

  /**
   * Remembers a batch found in the log (state rebuilt at open): its retry is answered with these
   * offsets, and the producer's next batch must follow it. Call in log order.
   */
  restore(producerId: number, epoch: number, firstSequence: number, lastSequence: number, offsets: { baseOffset: number; lastOffset: number; appendTimeMs: number }): void {
    const known = this.producers.get(producerId);
    if (known !== undefined && epoch < known.epoch) return; // an older epoch's batch cannot matter any more
    const appended: AppendedOffsets = { ...offsets, logStartOffset: -1 };
    this.register(producerId, epoch, { firstSequence, lastSequence, result: Promise.resolve(appended), offsets: appended });
  }

  /** Every producer's written batches (those still in flight are left out). */
  snapshot(): ProducerSnapshot[] {
    return [...this.producers].map(([producerId, entry]) => ({
      producerId,
      epoch: entry.epoch,
      batches: entry.batches.filter((batch) => batch.offsets !== null).map((batch) => [batch.firstSequence, batch.lastSequence, batch.offsets!.baseOffset, batch.offsets!.lastOffset]),
    }));
  }

  /** A registered batch's write failed (and with it every batch queued behind it). */
  private forgetFailedWrite(producerId: number, batch: BatchEntry): void {
    const entry = this.producers.get(producerId);
    const index = entry?.batches.indexOf(batch) ?? -1;
    if (entry === undefined || index < 0) return;
    entry.batches.splice(index, 1);
    // The oldest failed batch is where the retry must start once no batch before it is remembered.
    if (index === 0) entry.resumeAtSequence ??= batch.firstSequence;
  }

  private checkNext(producerId: number, known: ProducerEntry, epoch: number, baseSequence: number): void {
    if (epoch > known.epoch) {
      if (baseSequence !== 0) throw new BrokerError('OUT_OF_ORDER_SEQUENCE_NUMBER', `producer ${producerId} new epoch ${epoch} must start at sequence 0, got ${baseSequence}`);
      return;
    }
    const last = known.batches[known.batches.length - 1];
    const expected = last !== undefined ? (last.lastSequence + 1) % SEQUENCE_MODULUS : (known.resumeAtSequence ?? baseSequence);
    if (baseSequence !== expected) {
      throw new BrokerError('OUT_OF_ORDER_SEQUENCE_NUMBER', `producer ${producerId} epoch ${epoch}: expected sequence ${expected}, got ${baseSequence}`);
    }
  }

  private register(producerId: number, epoch: number, batch: BatchEntry): void {
    let entry = this.producers.get(producerId);
    if (entry === undefined || entry.epoch !== epoch) entry = { epoch, batches: [], resumeAtSequence: null };
    entry.resumeAtSequence = null;
    this.producers.delete(producerId); // re-insert: Map order is least recently used first
    this.producers.set(producerId, entry);
    entry.batches.push(batch);
    if (entry.batches.length > REMEMBERED_BATCHES) entry.batches.shift();
    if (this.producers.size > MAX_PRODUCERS) this.producers.delete(this.producers.keys().next().value!);
    // A batch whose write fails is forgotten, so its retry is checked afresh.
    batch.result.catch(() => {
      const current = this.producers.get(producerId);
      if (current !== undefined) current.batches = current.batches.filter((candidate) => candidate !== batch);
    });
  }
}
