import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32c, crc32cReference } from '../../src/codec/crc32c.js';

describe('CRC-32C', () => {
  it('gives the standard check value for "123456789"', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32cReference(Buffer.from('123456789'))).toBe(0xe3069283);
  });

  it('fast and reference implementations agree on random inputs at random offsets', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), fc.nat(64), fc.nat(64), (bytes, startCut, endCut) => {
        const buffer = Buffer.from(bytes);
        const start = Math.min(startCut, buffer.length);
        const end = Math.max(start, buffer.length - endCut);
        const view = buffer.subarray(start, end);
        expect(crc32c(view)).toBe(crc32cReference(view));
      }),
      { numRuns: 1000 },
    );
  });

  it('returns unsigned values', () => {
    expect(crc32c(Buffer.from([0xff, 0xff, 0xff, 0xff]))).toBeGreaterThanOrEqual(0);
    expect(crc32cReference(Buffer.from([0xff, 0xff, 0xff, 0xff]))).toBe(crc32c(Buffer.from([0xff, 0xff, 0xff, 0xff])));
  });
});
