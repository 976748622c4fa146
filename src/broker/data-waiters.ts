/**
 * Long-poll support: fetches that found no new data wait here until a produce appends to one of
 * their partitions, their wait time runs out, or they are aborted. No polling loop: an append calls
 * notify(), which wakes exactly the waiters of that partition.
 */

interface Waiter {
  wake: () => void;
}

/** Waiters per partition are bounded only by open fetches, each of which holds at most one. */
export class DataWaiters {
  private readonly waiters = new Map<string, Set<Waiter>>();

  /** Resolves when one of `partitionKeys` gets data, after `maxWaitMs`, or when `signal` aborts. */
  wait(partitionKeys: readonly string[], maxWaitMs: number, signal?: AbortSignal): Promise<void> {
    if (maxWaitMs <= 0 || partitionKeys.length === 0 || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter: Waiter = { wake: () => finish() };
      const timer = setTimeout(() => finish(), maxWaitMs);
      const finish = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', waiter.wake);
        for (const key of partitionKeys) this.remove(key, waiter);
        resolve();
      };
      signal?.addEventListener('abort', waiter.wake, { once: true });
      for (const key of partitionKeys) this.add(key, waiter);
    });
  }

  notify(partitionKey: string): void {
    const waiting = this.waiters.get(partitionKey);
    if (waiting === undefined) return;
    for (const waiter of [...waiting]) waiter.wake();
  }

  /** Wakes everyone (broker shutdown). */
  wakeAll(): void {
    for (const waiting of [...this.waiters.values()]) for (const waiter of [...waiting]) waiter.wake();
  }

  private add(key: string, waiter: Waiter): void {
    let waiting = this.waiters.get(key);
    if (waiting === undefined) this.waiters.set(key, (waiting = new Set()));
    waiting.add(waiter);
  }

  private remove(key: string, waiter: Waiter): void {
    const waiting = this.waiters.get(key);
    if (waiting === undefined) return;
    waiting.delete(waiter);
    if (waiting.size === 0) this.waiters.delete(key);
  }
}
