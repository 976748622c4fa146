/**
 * End-to-end latency at a fixed rate, the same way for every system: a paced producer sends, every
 * 1 ms tick, the records due by now in one call; each value starts with the send time
 * (process.hrtime.bigint(), CLOCK_MONOTONIC, as 20 decimal digits, so a kcat child printing the
 * value keeps it) and the consumer side records receive time − send time. Records sent during the
 * warm-up are not counted. p50/p99 (nearest rank) over the measured records.
 */

import { quantile } from '../measure.js';

export interface EndToEndSession {
  send(values: Buffer[]): Promise<unknown>;
  close(): Promise<void>;
}

export interface EndToEndSystem {
  name: string;
  /** Starts a consumer calling `onValue` for every record it receives, and a producer. */
  open(onValue: (value: Buffer) => void): Promise<EndToEndSession>;
}

export interface LatencyOptions {
  recordsPerSecond: number;
  valueBytes: number;
  warmUpMs: number;
  measureMs: number;
}

export interface LatencyFigures {
  samples: number;
  achievedRecordsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

const STAMP_DIGITS = 20;
const STALL_MS = 30_000;

export async function measureEndToEnd(system: EndToEndSystem, options: LatencyOptions): Promise<LatencyFigures> {
  const total = Math.round(((options.warmUpMs + options.measureMs) / 1000) * options.recordsPerSecond);
  const latencies = new Float64Array(total);
  const filler = Buffer.alloc(options.valueBytes - STAMP_DIGITS, 'x');
  let samples = 0;
  let received = 0;
  let measureFromNs = BigInt(Number.MAX_SAFE_INTEGER) * 1_000_000n;
  let onAll: () => void = () => undefined;
  const allReceived = new Promise<void>((resolve) => (onAll = resolve));
  const session = await system.open((value) => {
    const nowNs = process.hrtime.bigint();
    const sentNs = BigInt(value.toString('latin1', 0, STAMP_DIGITS));
    if (sentNs >= measureFromNs && samples < total) latencies[samples++] = Number(nowNs - sentNs) / 1e6;
    if (++received === total) onAll();
  });
  let failure: unknown = null;
  try {
    const pending: Promise<unknown>[] = [];
    let sent = 0;
    const started = performance.now();
    measureFromNs = process.hrtime.bigint() + BigInt(Math.round(options.warmUpMs * 1e6));
    await new Promise<void>((resolveSent) => {
      const tick = (): void => {
        const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * options.recordsPerSecond));
        if (due > sent) {
          const stamp = Buffer.from(process.hrtime.bigint().toString().padStart(STAMP_DIGITS, '0'), 'latin1');
          const values: Buffer[] = [];
          for (; sent < due; sent++) values.push(Buffer.concat([stamp, filler]));
          pending.push(session.send(values).catch((error: unknown) => void (failure ??= error)));
        }
        if (sent < total && failure === null) setTimeout(tick, 1);
        else resolveSent();
      };
      tick();
    });
    await Promise.all(pending);
    if (failure !== null) throw failure;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([allReceived, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${system.name}: consumer stalled at ${received}/${total} records`)), STALL_MS)))]);
    clearTimeout(timer);
  } finally {
    await session.close();
  }
  const sorted = latencies.subarray(0, samples).sort();
  return {
    samples,
    achievedRecordsPerSecond: samples / (options.measureMs / 1000),
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    maxMs: sorted[sorted.length - 1] ?? 0,
  };
}
