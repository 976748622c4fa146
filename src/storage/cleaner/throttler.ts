/**
 * Keeps the cleaner's disk I/O (bytes read plus bytes written) under a rate, as Kafka's
 * `log.cleaner.io.max.bytes.per.second` does: after each chunk it sleeps for as long as the bytes
 * so far run ahead of the rate, so the cleaner leaves disk and CPU to producers and consumers.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { assert } from '../storage-error.js';

/** Longest single pause, so a stop request is noticed soon. */
const MAX_PAUSE_MS = 1000;

export class Throttler {
  private readonly startMs = performance.now();
  private bytes = 0;

  /** `maxBytesPerSecond` ≤ 0 means no limit. */
  constructor(private readonly maxBytesPerSecond: number) {
    assert(Number.isFinite(maxBytesPerSecond), `a cleaner I/O rate must be finite, got ${maxBytesPerSecond}`);
  }

  /** Counts `bytes` of I/O; waits while the total is ahead of the rate. */
  async account(bytes: number): Promise<void> {
    if (this.maxBytesPerSecond <= 0) return;
    this.bytes += bytes;
    const aheadMs = (this.bytes / this.maxBytesPerSecond) * 1000 - (performance.now() - this.startMs);
    if (aheadMs > 0) await sleep(Math.min(aheadMs, MAX_PAUSE_MS));
  }
}
