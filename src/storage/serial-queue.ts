/**
 * Runs async tasks one at a time, in submission order: the partition log's writes, rolls,
 * truncations and retention never interleave. A failed task rejects its own promise only.
 */

export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves once every task submitted so far has finished. */
  async idle(): Promise<void> {
    await this.tail;
  }
}
