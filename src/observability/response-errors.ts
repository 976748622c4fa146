/**
 * The non-zero Kafka error codes in a response body: every `errorCode` field, at any depth (a
 * Produce or Fetch answer has one per partition, a group API one per group or member). Record
 * bytes (Buffers) are not entered, so the walk costs one step per response field, not per record.
 */

/** Response nesting is shallow (Kafka's deepest is 4 levels); this bounds the walk. */
const MAX_DEPTH = 8;

export function errorCodesIn(response: unknown): number[] {
  const codes: number[] = [];
  collect(response, 0, codes);
  return codes;
}

function collect(value: unknown, depth: number, codes: number[]): void {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return;
  if (Array.isArray(value)) {
    for (const item of value) collect(item, depth + 1, codes);
    return;
  }
  for (const [key, field] of Object.entries(value)) {
    if (key === 'errorCode') {
      if (typeof field === 'number' && field !== 0) codes.push(field);
    } else if (typeof field === 'object') {
      collect(field, depth + 1, codes);
    }
  }
}
