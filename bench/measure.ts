/**
 * Timing helpers for benchmarks: run an operation repeatedly for a time budget and report
 * throughput. Benchmarks print figures; they never assert on them (timings belong here, not in
 * tests).
 */

export interface BenchResult {
  /** Group, e.g. "codec". */
  suite: string;
  name: string;
  megabytesPerSecond: number;
  recordsPerSecond: number;
  /** Throughput relative to the suite's baseline measured in the same run (1 = as fast). */
  ratioToBaseline: number | null;
  baselineName: string | null;
  p50Ms?: number;
  p99Ms?: number;
}

export interface Throughput {
  megabytesPerSecond: number;
  recordsPerSecond: number;
}

export const MEGABYTE = 1_000_000;

/**
 * Calls `operation` until `budgetMs` has passed (after a short warm-up) and returns throughput,
 * counting `bytesPerCall` and `recordsPerCall` for each call.
 */
export function measureThroughput(operation: () => void, bytesPerCall: number, recordsPerCall: number, budgetMs: number): Throughput {
  const warmUpUntil = performance.now() + Math.min(100, budgetMs / 4);
  while (performance.now() < warmUpUntil) operation();
  let calls = 0;
  const start = performance.now();
  const deadline = start + budgetMs;
  let now = start;
  while (now < deadline) {
    for (let index = 0; index < 8; index++) operation();
    calls += 8;
    now = performance.now();
  }
  const seconds = (now - start) / 1000;
  return {
    megabytesPerSecond: (calls * bytesPerCall) / MEGABYTE / seconds,
    recordsPerSecond: (calls * recordsPerCall) / seconds,
  };
}

/** 1.23, 0.045, 0.0012: two decimals, or two significant digits below 0.1 (so small ratios do not print as 0.00). */
export function ratioText(ratio: number): string {
  return ratio >= 0.1 || ratio === 0 ? ratio.toFixed(2) : ratio.toPrecision(2);
}

/** Prints results as an aligned table; latency columns appear when some result has them. */
export function printTable(results: readonly BenchResult[]): void {
  const withLatency = results.some((result) => result.p50Ms !== undefined || result.p99Ms !== undefined);
  const milliseconds = (value: number | undefined): string => (value === undefined ? '-' : value < 10 ? value.toFixed(3) : value.toFixed(1));
  const rows = results.map((result) => [
    result.suite,
    result.name,
    result.megabytesPerSecond > 0 ? result.megabytesPerSecond.toFixed(1) : '-',
    result.recordsPerSecond >= 1 ? Math.round(result.recordsPerSecond).toLocaleString('en-US') : '-',
    ...(withLatency ? [milliseconds(result.p50Ms), milliseconds(result.p99Ms)] : []),
    result.ratioToBaseline === null ? '-' : `${ratioText(result.ratioToBaseline)}× ${result.baselineName}`,
  ]);
  const header = ['suite', 'benchmark', 'MB/s', 'records/s', ...(withLatency ? ['p50 ms', 'p99 ms'] : []), 'vs baseline (same run)'];
  const lastNumeric = header.length - 2;
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: readonly string[]): string => cells.map((cell, column) => (column >= 2 && column <= lastNumeric ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of rows) console.log(line(row));
}

/** Records and bytes moved in `seconds` (one timed round of a benchmark). */
export interface Transfer {
  records: number;
  bytes: number;
  seconds: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The `fraction` quantile (nearest rank) of ascending `sorted`. */
export function quantile(sorted: ArrayLike<number>, fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!;
}

/** The median throughput of several rounds. */
export function throughputOf(transfers: readonly Transfer[]): Throughput {
  return {
    megabytesPerSecond: median(transfers.map((transfer) => transfer.bytes / MEGABYTE / transfer.seconds)),
    recordsPerSecond: median(transfers.map((transfer) => transfer.records / transfer.seconds)),
  };
}

/** A count for a table cell: 1,234,567. */
export function count(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** Log-line-like values (ASCII, no newline): compressible, but not trivially. Shared by the suites. */
export function makeValues(valueBytes: number, valueCount: number): Buffer[] {
  const words = ['GET', 'POST', '/api/v1/orders', '/health', '200', '404', 'user=', 'latency_ms=', 'ok', 'error'];
  return Array.from({ length: valueCount }, (_, index) => {
    let text = `${new Date(1_700_000_000_000 + index).toISOString()} host-${index % 13} `;
    for (let word = index; text.length < valueBytes; word = (word * 31 + 7) % 9973) text += `${words[word % words.length]}${word} `;
    return Buffer.from(text.slice(0, valueBytes));
  });
}

/** A row of `suite`, its ratio taken on records per second against the same run's baseline. */
export function resultFor(suite: string) {
  return (name: string, throughput: Throughput, baseline: Throughput | null, baselineName: string | null, extra: Partial<BenchResult> = {}): BenchResult => ({
    suite,
    name,
    ...throughput,
    ratioToBaseline: baseline === null ? null : throughput.recordsPerSecond / baseline.recordsPerSecond,
    baselineName,
    ...extra,
  });
}
