/**
 * Group commit for one partition log. flush() resolves once every append that completed before
 * the call is on disk. One fdatasync runs at a time, off the event loop (libuv pool); callers that
 * arrive while it runs wait for the next one, which then covers them all, so N concurrent
 * producers cost about one fsync per round instead of N.
 *
 * `durableOffset` is the recovery point: every offset below it is fsynced. A failed fsync rejects
 * every waiter and is reported through `onFailure` (the log then goes offline: after a failed
 * fsync the kernel may have dropped the dirty pages, so nothing written since can be trusted).
 */

interface Waiter {
  targetOffset: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class GroupCommit {
  private waiters: Waiter[] = [];
  private running = false;
  private failure: Error | null = null;

  constructor(
    /** fdatasync of whatever holds the unflushed appends (the active segment). */
    private readonly sync: () => Promise<void>,
    /** The offset after the last completed append. */
    private readonly endOffset: () => number,
    /** Turns a failed fsync into the error waiters get (and takes the log offline). */
    private readonly onFailure: (error: unknown) => Error,
    public durableOffset: number,
  ) {}

  flush(): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const targetOffset = this.endOffset();
    if (this.durableOffset >= targetOffset) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ targetOffset, resolve, reject });
      if (!this.running) void this.run();
    });
  }

  /** Lowers the durable offset after a truncation. */
  truncatedTo(offset: number): void {
    this.durableOffset = Math.min(this.durableOffset, offset);
  }

  /** Raises it when data became durable another way (a sealed, fsynced segment). */
  syncedUpTo(offset: number): void {
    this.durableOffset = Math.max(this.durableOffset, offset);
  }

  /** Rejects every waiter, now and from now on. */
  fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiters.splice(0)) waiter.reject(this.failure);
  }

  private async run(): Promise<void> {
    this.running = true;
    while (this.waiters.length > 0 && this.failure === null) {
      const targetOffset = this.endOffset();
      try {
        await this.sync();
      } catch (error) {
        this.fail(this.onFailure(error));
        break;
      }
      this.syncedUpTo(targetOffset);
      const covered = this.waiters.filter((waiter) => waiter.targetOffset <= this.durableOffset);
      this.waiters = this.waiters.filter((waiter) => waiter.targetOffset > this.durableOffset);
      for (const waiter of covered) waiter.resolve();
    }
    this.running = false;
  }
}
