/**
 * Runs async tasks one at a time, in submission order: the partition log's writes, rolls,
 * truncations and retention never interleave. A failed task rejects its own promise only.
 */

export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private waitingTasks = 0;

  run<T>(task: () => Promise<T>): Promise<T> {
    this.waitingTasks++;
    const result = this.tail.then(() => {
      this.waitingTasks--;
      return task();
    });
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Whether a task is queued behind the running one (a long-running task then makes way for it). */
  get hasWaiting(): boolean {
    return this.waitingTasks > 0;
  }

  /** Resolves once every task submitted so far has finished. */
  async idle(): Promise<void> {
    await this.tail;
  }
}
