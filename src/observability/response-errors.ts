/**
 * The non-zero Kafka error codes in a response body: every `errorCode` field, at any depth (a
 * Produce or Fetch answer has one per partition, a group API one per group or member). Record
 * bytes (Buffers) are not entered, so the walk costs one step per response field, not per record.
 * It runs once per request on the hot path: no allocation unless an error is found.
 */

/** Response nesting is shallow (Kafka's deepest is 4 levels); this bounds the walk. */
const MAX_DEPTH = 8;
const NO_CODES: readonly number[] = Object.freeze([]);

export function errorCodesIn(response: unknown): readonly number[] {
  return isWalkable(response) ? collect(response, 0, NO_CODES) : NO_CODES;
}

function isWalkable(value: unknown): value is object {
  return value !== null && typeof value === 'object' && !Buffer.isBuffer(value);
}

function collect(value: object, depth: number, found: readonly number[]): readonly number[] {
  let codes = found;
  if (Array.isArray(value)) {
    for (const item of value) if (isWalkable(item) && depth < MAX_DEPTH) codes = collect(item, depth + 1, codes);
    return codes;
  }
  const fields = value as Record<string, unknown>;
  for (const key in fields) {
    const field = fields[key];
    if (key === 'errorCode') {
      if (typeof field === 'number' && field !== 0) codes = codes === NO_CODES ? [field] : [...codes, field];
    } else if (isWalkable(field) && depth < MAX_DEPTH) {
      codes = collect(field, depth + 1, codes);
    }
  }
  return codes;
}
