/**
 * A broker-wide bound on the bytes of requests being handled (Kafka's `queued.max.request.bytes`):
 * every request frame counts from when it is cut from the socket until it has been answered. While
 * the total is at or over the limit, connections stop reading (the kernel's socket buffers fill and
 * TCP pushes back on the producers), so a flood slows producers down instead of filling the heap.
 *
 * A frame is always admitted once read (it is already in memory, and one frame larger than the
 * limit must not wedge the broker), so the total can exceed the limit by at most one frame per
 * connection; the check is made before each further frame is read.
 */

export class RequestMemoryBudget {
  private usedBytes = 0;
  private peakBytes = 0;
  private readonly waiters = new Set<() => void>();

  /** `limitBytes` Infinity: no bound. */
  constructor(readonly limitBytes: number) {}

  get used(): number {
    return this.usedBytes;
  }

  /** The largest total seen (for tests and metrics). */
  get peak(): number {
    return this.peakBytes;
  }

  get exhausted(): boolean {
    return this.usedBytes >= this.limitBytes;
  }

  acquire(bytes: number): void {
    this.usedBytes += bytes;
    if (this.usedBytes > this.peakBytes) this.peakBytes = this.usedBytes;
  }

  release(bytes: number): void {
    this.usedBytes -= bytes;
    if (this.usedBytes < 0) throw new Error(`request memory budget released more than it held (${this.usedBytes})`);
    if (this.exhausted || this.waiters.size === 0) return;
    const waiting = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiting) wake();
  }

  /** Calls `wake` once, the next time bytes are released below the limit. */
  whenAvailable(wake: () => void): void {
    this.waiters.add(wake);
  }

  /** Forgets a waiter (its connection closed). */
  cancel(wake: () => void): void {
    this.waiters.delete(wake);
  }
}
