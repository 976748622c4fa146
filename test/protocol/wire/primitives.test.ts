// WireReader / WireWriter: every primitive round-trips, known encodings match Kafka's, bad values
// are ProtocolEncodeError, short or bad input is ProtocolDecodeError.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolDecodeError, ProtocolEncodeError } from '../../../src/protocol/wire/errors.js';
import { WireReader } from '../../../src/protocol/wire/reader.js';
import { ZERO_UUID } from '../../../src/protocol/wire/schema.js';
import { RAW_REFERENCE_THRESHOLD, WireWriter } from '../../../src/protocol/wire/writer.js';

function written(write: (writer: WireWriter) => void, initialCapacity = 16): Buffer {
  const writer = new WireWriter(initialCapacity);
  write(writer);
  return writer.toBuffer();
}

function reader(bytes: Buffer | number[]): WireReader {
  return new WireReader(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes));
}

function decodeError(read: () => unknown): ProtocolDecodeError {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolDecodeError);
    return error as ProtocolDecodeError;
  }
  throw new Error('expected a ProtocolDecodeError');
}

describe('fixed-width values', () => {
  it('round-trip over their whole range', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -128, max: 127 }),
        fc.integer({ min: -32768, max: 32767 }),
        fc.integer({ min: 0, max: 65535 }),
        fc.integer(),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.maxSafeInteger(),
        fc.double(),
        fc.boolean(),
        (i8, i16, u16, i32, u32, i64, f64, bool) => {
          const bytes = written((writer) => {
            writer.writeInt8(i8);
            writer.writeInt16(i16);
            writer.writeUint16(u16);
            writer.writeInt32(i32);
            writer.writeUint32(u32);
            writer.writeInt64(i64);
            writer.writeFloat64(f64);
            writer.writeBoolean(bool);
          });
          expect(bytes.length).toBe(1 + 2 + 2 + 4 + 4 + 8 + 8 + 1);
          const r = reader(bytes);
          expect([r.readInt8(), r.readInt16(), r.readUint16(), r.readInt32(), r.readUint32(), r.readInt64(), r.readFloat64(), r.readBoolean()]).toEqual([
            i8,
            i16,
            u16,
            i32,
            u32,
            i64,
            f64,
            bool,
          ]);
          expect(r.remaining).toBe(0);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('int64 is big-endian two’s complement, as Java writes it', () => {
    expect(written((writer) => writer.writeInt64(-1)).toString('hex')).toBe('ffffffffffffffff');
    expect(written((writer) => writer.writeInt64(Number.MAX_SAFE_INTEGER)).toString('hex')).toBe('001fffffffffffff');
    expect(written((writer) => writer.writeInt64(Number.MIN_SAFE_INTEGER)).toString('hex')).toBe('ffe0000000000001');
    expect(written((writer) => writer.writeInt64(1_700_000_000_000)).toString('hex')).toBe('0000018bcfe56800');
    fc.assert(
      fc.property(fc.maxSafeInteger(), (value) => {
        const bytes = written((writer) => writer.writeInt64(value));
        expect(bytes.readBigInt64BE(0)).toBe(BigInt(value));
      }),
    );
  });

  it('int64 values beyond ±(2^53 - 1) are refused in both directions', () => {
    for (const hex of ['7fffffffffffffff', '8000000000000000', '0020000000000000', 'ffe0000000000000']) {
      const error = decodeError(() => reader(Buffer.from(hex, 'hex')).readInt64());
      expect(error.code).toBe('INT64_OUT_OF_RANGE');
    }
    for (const value of [2 ** 53, -(2 ** 53), 1.5, Number.NaN, Infinity]) {
      expect(() => written((writer) => writer.writeInt64(value))).toThrow(ProtocolEncodeError);
    }
  });

  it('out-of-range or non-integer values are ProtocolEncodeError, not RangeError', () => {
    const cases: [(writer: WireWriter, value: number) => void, number[]][] = [
      [(writer, value) => writer.writeInt8(value), [128, -129, 0.5, Number.NaN]],
      [(writer, value) => writer.writeInt16(value), [32768, -32769, 1.5]],
      [(writer, value) => writer.writeUint16(value), [-1, 65536]],
      [(writer, value) => writer.writeInt32(value), [2 ** 31, -(2 ** 31) - 1, 0.1]],
      [(writer, value) => writer.writeUint32(value), [-1, 2 ** 32]],
      [(writer, value) => writer.writeUnsignedVarint(value), [-1, 2 ** 32]],
      [(writer, value) => writer.writeVarint(value), [2 ** 31]],
    ];
    for (const [write, values] of cases) {
      for (const value of values) expect(() => written((writer) => write(writer, value))).toThrow(ProtocolEncodeError);
    }
    expect(() => written((writer) => writer.writeInt32('1' as unknown as number))).toThrow(ProtocolEncodeError);
    expect(() => written((writer) => writer.writeBoolean(1 as unknown as boolean))).toThrow(ProtocolEncodeError);
  });

  it('float64 keeps NaN, infinities and -0', () => {
    for (const value of [Number.NaN, Infinity, -Infinity, -0, Number.MIN_VALUE, Number.MAX_VALUE]) {
      expect(Object.is(reader(written((writer) => writer.writeFloat64(value))).readFloat64(), value)).toBe(true);
    }
  });

  it('booleans read any non-zero byte as true', () => {
    expect(reader([0, 1, 2, 0xff]).readBoolean()).toBe(false);
    const r = reader([1, 2, 0xff]);
    expect([r.readBoolean(), r.readBoolean(), r.readBoolean()]).toEqual([true, true, true]);
  });
});

describe('uuid', () => {
  it('round-trips canonical strings and writes the 16 bytes in order', () => {
    fc.assert(
      fc.property(fc.uuid(), (uuid) => {
        const bytes = written((writer) => writer.writeUuid(uuid));
        expect(bytes.toString('hex')).toBe(uuid.replace(/-/g, ''));
        expect(reader(bytes).readUuid()).toBe(uuid);
      }),
    );
  });

  it('the zero uuid, upper case input, and malformed strings', () => {
    expect(written((writer) => writer.writeUuid(ZERO_UUID)).equals(Buffer.alloc(16))).toBe(true);
    expect(reader(Buffer.alloc(16)).readUuid()).toBe(ZERO_UUID);
    const upper = 'A1B2C3D4-E5F6-4789-8ABC-DEF012345678';
    expect(reader(written((writer) => writer.writeUuid(upper))).readUuid()).toBe(upper.toLowerCase());
    for (const bad of ['', 'a1b2c3d4e5f647898abcdef012345678', 'g1b2c3d4-e5f6-4789-8abc-def012345678', 'AAAAAAAAAAAAAAAAAAAAAA']) {
      expect(() => written((writer) => writer.writeUuid(bad))).toThrow(ProtocolEncodeError);
    }
    expect(decodeError(() => reader(Buffer.alloc(15)).readUuid()).code).toBe('TRUNCATED');
  });
});

describe('varints', () => {
  it('match the known encodings', () => {
    const unsigned = (value: number) => written((writer) => writer.writeUnsignedVarint(value)).toString('hex');
    expect(unsigned(0)).toBe('00');
    expect(unsigned(1)).toBe('01');
    expect(unsigned(127)).toBe('7f');
    expect(unsigned(128)).toBe('8001');
    expect(unsigned(300)).toBe('ac02');
    expect(unsigned(2 ** 32 - 1)).toBe('ffffffff0f');
    const zigzag = (value: number) => written((writer) => writer.writeVarint(value)).toString('hex');
    expect(zigzag(0)).toBe('00');
    expect(zigzag(-1)).toBe('01');
    expect(zigzag(1)).toBe('02');
    expect(zigzag(-64)).toBe('7f');
    expect(zigzag(2 ** 31 - 1)).toBe('feffffff0f');
    expect(zigzag(-(2 ** 31))).toBe('ffffffff0f');
    expect(written((writer) => writer.writeVarlong(-1)).toString('hex')).toBe('01');
    expect(written((writer) => writer.writeUnsignedVarlong(Number.MAX_SAFE_INTEGER)).toString('hex')).toBe('ffffffffffffff0f');
  });

  it('round-trip', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer(), fc.maxSafeInteger(), fc.integer({ min: -(2 ** 52) + 1, max: 2 ** 52 - 1 }), (u32, i32, u64, i64) => {
        const bytes = written((writer) => {
          writer.writeUnsignedVarint(u32);
          writer.writeVarint(i32);
          writer.writeUnsignedVarlong(Math.abs(u64));
          writer.writeVarlong(i64);
        });
        const r = reader(bytes);
        expect([r.readUnsignedVarint(), r.readVarint(), r.readUnsignedVarlong(), r.readVarlong()]).toEqual([u32, i32, Math.abs(u64), i64]);
        expect(r.remaining).toBe(0);
      }),
      { numRuns: 500 },
    );
  });

  it('too long, too large or cut short is a ProtocolDecodeError', () => {
    expect(decodeError(() => reader([0xff, 0xff, 0xff, 0xff, 0x10]).readUnsignedVarint()).code).toBe('MALFORMED_VARINT');
    expect(decodeError(() => reader([0x80, 0x80, 0x80, 0x80, 0x80, 0x00]).readUnsignedVarint()).code).toBe('MALFORMED_VARINT');
    expect(decodeError(() => reader([0x80, 0x80]).readUnsignedVarint()).code).toBe('TRUNCATED');
    expect(decodeError(() => reader(Array(11).fill(0x80)).readUnsignedVarlong()).code).toBe('MALFORMED_VARINT');
    expect(decodeError(() => reader([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]).readUnsignedVarlong()).code).toBe('INT64_OUT_OF_RANGE');
  });
});

describe('strings and bytes', () => {
  it('classic and compact, nullable or not', () => {
    const bytes = written((writer) => {
      writer.writeString('héllo');
      writer.writeNullableString(null);
      writer.writeCompactString('');
      writer.writeCompactNullableString(null);
      writer.writeCompactString('日本');
      writer.writeBytes(Buffer.from([1, 2]));
      writer.writeNullableBytes(null);
      writer.writeCompactBytes(Buffer.alloc(0));
      writer.writeCompactNullableBytes(null);
    });
    expect(bytes.toString('hex')).toBe('000668c3a96c6c6f' + 'ffff' + '01' + '00' + '07e697a5e69cac' + '000000020102' + 'ffffffff' + '01' + '00');
    const r = reader(bytes);
    expect(r.readString()).toBe('héllo');
    expect(r.readNullableString()).toBeNull();
    expect(r.readCompactString()).toBe('');
    expect(r.readCompactNullableString()).toBeNull();
    expect(r.readCompactString()).toBe('日本');
    expect(r.readBytes()).toEqual(Buffer.from([1, 2]));
    expect(r.readNullableBytes()).toBeNull();
    expect(r.readCompactBytes()).toEqual(Buffer.alloc(0));
    expect(r.readCompactNullableBytes()).toBeNull();
    expect(r.remaining).toBe(0);
  });

  it('strings are limited to 32767 bytes of UTF-8', () => {
    const longest = 'x'.repeat(0x7fff);
    expect(reader(written((writer) => writer.writeString(longest))).readString()).toBe(longest);
    expect(() => written((writer) => writer.writeString(`${longest}x`))).toThrow(ProtocolEncodeError);
    expect(() => written((writer) => writer.writeCompactString('é'.repeat(0x4000)))).toThrow(/longer than 32767 bytes/);
  });

  it('null where not allowed, negative and oversized lengths', () => {
    expect(decodeError(() => reader([0xff, 0xff]).readString()).code).toBe('UNEXPECTED_NULL');
    expect(decodeError(() => reader([0x00]).readCompactString()).code).toBe('UNEXPECTED_NULL');
    expect(decodeError(() => reader([0xff, 0xfe]).readNullableString()).code).toBe('INVALID_LENGTH');
    expect(decodeError(() => reader([0x00, 0x05, 0x61]).readString()).code).toBe('INVALID_LENGTH');
    expect(decodeError(() => reader([0xff, 0xff, 0xff, 0xff]).readBytes()).code).toBe('UNEXPECTED_NULL');
    expect(decodeError(() => reader([0x80, 0x00, 0x00, 0x00]).readNullableBytes()).code).toBe('INVALID_LENGTH');
    expect(decodeError(() => reader([0x03, 0x61]).readCompactBytes()).code).toBe('INVALID_LENGTH');
  });

  it('bytes are views into the input, not copies', () => {
    const input = Buffer.from([0, 0, 0, 2, 7, 8]);
    const view = reader(input).readBytes();
    expect(view.buffer).toBe(input.buffer);
    expect(view.byteOffset).toBe(input.byteOffset + 4);
  });

  it('array counts are checked against the bytes left', () => {
    expect(reader([0xff, 0xff, 0xff, 0xff]).readArrayCount(false, 4)).toBe(-1);
    expect(reader([0x00]).readArrayCount(true, 4)).toBe(-1);
    expect(reader([0x00, 0x00, 0x00, 0x02, 1, 2, 3, 4, 5, 6, 7, 8]).readArrayCount(false, 4)).toBe(2);
    expect(decodeError(() => reader([0x00, 0x00, 0x00, 0x03, 1, 2, 3, 4, 5, 6, 7, 8]).readArrayCount(false, 4)).code).toBe('INVALID_LENGTH');
    expect(decodeError(() => reader([0xff, 0xff, 0xff, 0xfe]).readArrayCount(false, 1)).code).toBe('INVALID_LENGTH');
    expect(decodeError(() => reader([0x03, 0x01]).readArrayCount(true, 0)).code).toBe('INVALID_LENGTH');
  });
});

describe('reader bounds and writer chunks', () => {
  it('a reader cannot be placed outside its buffer', () => {
    expect(() => new WireReader(Buffer.alloc(4), 5)).toThrow(ProtocolDecodeError);
    expect(() => new WireReader(Buffer.alloc(4), 0, 5)).toThrow(ProtocolDecodeError);
    expect(decodeError(() => new WireReader(Buffer.alloc(8), 0, 3).readInt32()).code).toBe('TRUNCATED');
  });

  it('grows from a tiny buffer without losing bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 3000 }), { maxLength: 20 }), (pieces) => {
        const writer = new WireWriter(16);
        for (const piece of pieces) {
          writer.writeInt32(piece.length);
          writer.writeRaw(piece);
        }
        const expected = Buffer.concat(pieces.flatMap((piece) => [Buffer.from([0, 0, piece.length >> 8, piece.length & 0xff]), Buffer.from(piece)]));
        expect(writer.length).toBe(expected.length);
        expect(writer.toBuffer().equals(expected)).toBe(true);
        expect(Buffer.concat(writer.toChunks()).equals(expected)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('references large byte runs instead of copying them', () => {
    const big = Buffer.alloc(RAW_REFERENCE_THRESHOLD, 9);
    const small = Buffer.alloc(RAW_REFERENCE_THRESHOLD - 1, 8);
    const writer = new WireWriter();
    writer.writeInt8(1);
    writer.writeRaw(big);
    writer.writeRaw(small);
    writer.writeInt8(2);
    const chunks = writer.toChunks();
    expect(chunks[1]).toBe(big);
    expect(chunks.filter((chunk) => chunk.buffer === big.buffer)).toHaveLength(1);
    expect(writer.toBuffer().equals(Buffer.concat([Buffer.from([1]), big, small, Buffer.from([2])]))).toBe(true);
  });
});
