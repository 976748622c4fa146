/**
 * The comparison's workload: `records` records of `valueBytes` (100 B or 1 KiB) log-line-like
 * values, 1,000 distinct ones cycled, written by one producer and then read back by one consumer.
 * MB/s counts value bytes (the payload) for every system, so rows of one shape count the same bytes.
 */

import { makeValues, type Transfer } from '../measure.js';

export const KIB = 1024;
export const MIB = 1024 * KIB;
export const DISTINCT_VALUES = 1000;

export interface Workload {
  valueBytes: number;
  records: number;
  /** DISTINCT_VALUES values of valueBytes each; record i carries values[i % DISTINCT_VALUES]. */
  values: Buffer[];
  /** "1 M × 100 B" */
  label: string;
}

export function makeWorkload(valueBytes: number, records: number): Workload {
  if (records % DISTINCT_VALUES !== 0) throw new Error(`records (${records}) must be a multiple of ${DISTINCT_VALUES}`);
  return { valueBytes, records, values: makeValues(valueBytes, DISTINCT_VALUES), label: `${short(records)} × ${valueBytes >= KIB ? `${valueBytes / KIB} KiB` : `${valueBytes} B`}` };
}

export function short(records: number): string {
  if (records >= 1_000_000 && records % 1_000_000 === 0) return `${records / 1_000_000} M`;
  if (records >= 1000 && records % 1000 === 0) return `${records / 1000} k`;
  return String(records);
}

export function transferOf(workload: Workload, seconds: number): Transfer {
  return { records: workload.records, bytes: workload.records * workload.valueBytes, seconds };
}

/** Seconds since `start` (a performance.now() value). */
export function secondsSince(start: number): number {
  return (performance.now() - start) / 1000;
}

/** Throws unless the reader saw exactly the workload: every record, every value byte. */
export function checkReadBack(system: string, workload: Workload, records: number, bytes: number): void {
  if (records !== workload.records || bytes !== workload.records * workload.valueBytes) {
    throw new Error(`${system} read back ${records} records / ${bytes} B, expected ${workload.records} / ${workload.records * workload.valueBytes}`);
  }
}
