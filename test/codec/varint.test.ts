import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteReader, readInt64, writeInt64 } from '../../src/codec/byte-reader.js';
import { CodecError } from '../../src/codec/codec-error.js';
import { varintSize, varlongSize, writeVarint, writeVarlong } from '../../src/codec/varint.js';

/** Protobuf zig-zag varlong by the book, with BigInt: the independent encoder to compare with. */
function referenceVarlong(value: bigint): Buffer {
  let raw = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
  const bytes: number[] = [];
  while (raw >= 0x80n) {
    bytes.push(Number(raw & 0x7fn) | 0x80);
    raw >>= 7n;
  }
  bytes.push(Number(raw));
  return Buffer.from(bytes);
}

describe('varint', () => {
  it('round-trips every 32-bit integer and matches the reference bytes', () => {
    fc.assert(
      fc.property(fc.integer({ min: -0x80000000, max: 0x7fffffff }), (value) => {
        const buffer = Buffer.alloc(varintSize(value));
        expect(writeVarint(buffer, 0, value)).toBe(buffer.length);
        expect(buffer).toEqual(referenceVarlong(BigInt(value)));
        const reader = new ByteReader(buffer);
        expect(reader.readVarint()).toBe(value);
        expect(reader.remaining).toBe(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('encodes known values as Kafka does', () => {
    const encode = (value: number): number[] => {
      const buffer = Buffer.alloc(varintSize(value));
      writeVarint(buffer, 0, value);
      return [...buffer];
    };
    expect(encode(0)).toEqual([0]);
    expect(encode(-1)).toEqual([1]);
    expect(encode(1)).toEqual([2]);
    expect(encode(63)).toEqual([0x7e]);
    expect(encode(-64)).toEqual([0x7f]);
    expect(encode(64)).toEqual([0x80, 0x01]);
    expect(encode(0x7fffffff)).toEqual([0xfe, 0xff, 0xff, 0xff, 0x0f]);
    expect(encode(-0x80000000)).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
  });

  it('rejects values that are not 32-bit integers', () => {
    expect(() => writeVarint(Buffer.alloc(8), 0, 2 ** 31)).toThrow(CodecError);
    expect(() => writeVarint(Buffer.alloc(8), 0, 1.5)).toThrow(CodecError);
  });

  it('rejects over-long and truncated varints with a typed error', () => {
    expect(() => new ByteReader(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])).readVarint()).toThrow(
      expect.objectContaining({ code: 'MALFORMED_VARINT' }),
    );
    expect(() => new ByteReader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x1f])).readVarint()).toThrow(
      expect.objectContaining({ code: 'MALFORMED_VARINT' }),
    );
    expect(() => new ByteReader(Buffer.from([0x80, 0x80])).readVarint()).toThrow(expect.objectContaining({ code: 'TRUNCATED' }));
  });

  it('reads back to back varints of every width inside a reader\'s bounds, never past its end', () => {
    const widths = fc.oneof(fc.integer({ min: -64, max: 63 }), fc.integer({ min: -8192, max: 8191 }), fc.integer({ min: -0x80000000, max: 0x7fffffff }));
    fc.assert(
      fc.property(fc.array(widths, { minLength: 1, maxLength: 8 }), fc.uint8Array({ minLength: 2, maxLength: 4 }), (values, after) => {
        const sizes = values.map(varintSize);
        const length = sizes.reduce((sum, size) => sum + size, 0);
        const buffer = Buffer.concat([Buffer.alloc(length), after]); // bytes past `end` that a reader must not use
        let position = 0;
        for (const value of values) position = writeVarint(buffer, position, value);
        const reader = new ByteReader(buffer, 0, length);
        for (const value of values) expect(reader.readVarint()).toBe(value);
        expect(reader.remaining).toBe(0);
        // The last varint cut short by `end`, its continuation bytes still in the buffer: truncated.
        const last = sizes[sizes.length - 1]!;
        if (last > 1) {
          const cut = new ByteReader(buffer, length - last, length - 1);
          expect(() => cut.readVarint()).toThrow(expect.objectContaining({ code: 'TRUNCATED' }));
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('varlong', () => {
  it('round-trips every safe integer and matches the reference bytes', () => {
    const values = fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.constantFrom(Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2 ** 31, -(2 ** 31) - 1, 2 ** 52, -(2 ** 52)));
    fc.assert(
      fc.property(values, (value) => {
        const buffer = Buffer.alloc(varlongSize(value));
        expect(writeVarlong(buffer, 0, value)).toBe(buffer.length);
        expect(buffer).toEqual(referenceVarlong(BigInt(value)));
        const reader = new ByteReader(buffer);
        expect(reader.readVarlong()).toBe(value);
        expect(reader.remaining).toBe(0);
      }),
      { numRuns: 3000 },
    );
  });

  it('reports 64-bit values beyond the safe range as INT64_OUT_OF_RANGE', () => {
    const reader = new ByteReader(referenceVarlong(2n ** 60n));
    expect(() => reader.readVarlong()).toThrow(expect.objectContaining({ code: 'INT64_OUT_OF_RANGE' }));
    expect(() => new ByteReader(Buffer.alloc(11, 0x80)).readVarlong()).toThrow(expect.objectContaining({ code: 'MALFORMED_VARINT' }));
  });

  it('decoding arbitrary bytes only ever throws CodecError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 12 }), (bytes) => {
        const reader = new ByteReader(Buffer.from(bytes));
        try {
          reader.readVarlong();
        } catch (error) {
          expect(error).toBeInstanceOf(CodecError);
        }
      }),
    );
  });
});

describe('int64', () => {
  it('round-trips safe integers and rejects the rest', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (value) => {
        const buffer = Buffer.alloc(8);
        writeInt64(buffer, 0, value);
        expect(buffer.readBigInt64BE(0)).toBe(BigInt(value));
        expect(readInt64(buffer, 0)).toBe(value);
      }),
    );
    const big = Buffer.alloc(8);
    big.writeBigInt64BE(2n ** 62n);
    expect(() => readInt64(big, 0)).toThrow(expect.objectContaining({ code: 'INT64_OUT_OF_RANGE' }));
  });
});
