// Untrusted bytes: truncated, mutated, random or hostile input only ever throws
// ProtocolDecodeError (with a message naming the field), never allocates for a count the bytes
// cannot hold, and never hangs. Unknown tagged fields are skipped and kept.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  API_MESSAGES,
  ApiVersionsRequest,
  FetchRequest,
  FetchResponse,
  MetadataRequest,
  ProduceRequest,
  RequestHeader,
} from '../../../src/protocol/messages/index.js';
import { ProtocolDecodeError } from '../../../src/protocol/wire/errors.js';
import { decodeMessage, encodeMessage } from '../../../src/protocol/wire/message-codec.js';
import type { MessageSchema } from '../../../src/protocol/wire/schema.js';
import { messageArbitrary } from './schema-arbitrary.js';

const schemas: MessageSchema[] = [...API_MESSAGES.flatMap((api) => [api.request, api.response]), RequestHeader];

/** Decodes, and returns the error if it threw; fails the test if it threw anything but ProtocolDecodeError. */
function decodeOutcome(schema: MessageSchema, version: number, bytes: Buffer): ProtocolDecodeError | 'ok' {
  try {
    decodeMessage(schema, version, bytes);
    return 'ok';
  } catch (error) {
    if (!(error instanceof ProtocolDecodeError)) throw new Error(`${schema.name} v${version} threw ${String(error)}`, { cause: error });
    expect(error.message).toMatch(new RegExp(`^${schema.name} v${version}: `));
    return error;
  }
}

function expectDecodeError(schema: MessageSchema, version: number, bytes: Buffer): ProtocolDecodeError {
  const outcome = decodeOutcome(schema, version, bytes);
  if (outcome === 'ok') throw new Error('expected a ProtocolDecodeError');
  return outcome;
}

/** A message, its version, and a valid encoding of a random value. */
const encodedMessage = fc
  .constantFrom(...schemas)
  .chain((schema) => {
    const [min, max] = schema.validVersions;
    return fc.integer({ min, max: max! }).map((version) => ({ schema, version }));
  })
  .chain(({ schema, version }) =>
    messageArbitrary(schema, version, { unknownTags: true }).map((value) => ({ schema, version, bytes: encodeMessage(schema, version, value) })),
  );

describe('truncated, mutated and random input', () => {
  it('every truncation of a valid message is a ProtocolDecodeError', () => {
    fc.assert(
      fc.property(encodedMessage, ({ schema, version, bytes }) => {
        if (bytes.length === 0) return;
        const step = Math.max(1, Math.floor(bytes.length / 40));
        for (let length = 0; length < bytes.length; length += step) expectDecodeError(schema, version, bytes.subarray(0, length));
        expectDecodeError(schema, version, bytes.subarray(0, bytes.length - 1));
      }),
      { numRuns: 300 },
    );
  });

  it('mutated messages decode or throw ProtocolDecodeError', () => {
    const mutation = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(encodedMessage, mutation, fc.boolean(), ({ schema, version, bytes }, changes, append) => {
        if (bytes.length === 0) return;
        const mutated = Buffer.from(bytes);
        for (const [position, byte] of changes) mutated[position % mutated.length] = byte;
        decodeOutcome(schema, version, append ? Buffer.concat([mutated, Buffer.from([0x7f, 0xff, 0xff, 0xff])]) : mutated);
      }),
      { numRuns: 1500 },
    );
  });

  it('random bytes decode or throw ProtocolDecodeError, at every version of every message', () => {
    for (const schema of schemas) {
      const [min, max] = schema.validVersions;
      for (let version = min; version <= max!; version++) {
        fc.assert(
          fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
            decodeOutcome(schema, version, Buffer.from(bytes));
          }),
          { numRuns: 30 },
        );
      }
    }
  });

  it('bytes past the end of a message are TRAILING_BYTES', () => {
    const bytes = Buffer.concat([encodeMessage(MetadataRequest, 1, { topics: null }), Buffer.from([0])]);
    expect(expectDecodeError(MetadataRequest, 1, bytes).code).toBe('TRAILING_BYTES');
  });

  it('a version the schema does not describe is UNSUPPORTED_VERSION', () => {
    expect(expectDecodeError(ApiVersionsRequest, 99, Buffer.alloc(0)).code).toBe('UNSUPPORTED_VERSION');
    expect(() => decodeMessage(ApiVersionsRequest, -1, Buffer.alloc(0))).toThrow(ProtocolDecodeError);
    expect(() => decodeMessage(ApiVersionsRequest, 1.5, Buffer.alloc(0))).toThrow(ProtocolDecodeError);
  });
});

describe('hostile lengths and counts', () => {
  const int32 = (value: number) => {
    const buffer = Buffer.alloc(4);
    buffer.writeInt32BE(value);
    return buffer;
  };

  it('an int32 array count larger than the bytes is rejected before allocating, naming the field', () => {
    const started = performance.now();
    const error = expectDecodeError(MetadataRequest, 0, Buffer.concat([int32(0x7fffffff), Buffer.alloc(10)]));
    expect(performance.now() - started).toBeLessThan(100);
    expect(error.code).toBe('INVALID_LENGTH');
    expect(error.fieldPath).toBe('topics');
    expect(error.message).toMatch(/^MetadataRequest v0: array count 2147483647 .* in field topics \(at byte 0\)$/);
  });

  it('the least element size is taken into account (8 bytes per fetch partition at least)', () => {
    // FetchRequest v4: replicaId, maxWaitMs, minBytes, maxBytes, isolationLevel, then 1 topic "t" with 100 partitions in 100 bytes.
    const head = Buffer.concat([int32(-1), int32(0), int32(0), int32(0), Buffer.from([0]), int32(1), Buffer.from([0, 1, 0x74])]);
    const error = expectDecodeError(FetchRequest, 4, Buffer.concat([head, int32(100), Buffer.alloc(100)]));
    expect(error.code).toBe('INVALID_LENGTH');
    expect(error.fieldPath).toBe('topics[0].partitions');
  });

  it('compact counts and lengths: huge varints are rejected, over-long varints are malformed', () => {
    // ApiVersionsRequest v3: clientSoftwareName is a compact string.
    const huge = expectDecodeError(ApiVersionsRequest, 3, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x61]));
    expect(huge.code).toBe('INVALID_LENGTH');
    expect(huge.fieldPath).toBe('clientSoftwareName');
    const malformed = expectDecodeError(ApiVersionsRequest, 3, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]));
    expect(malformed.code).toBe('MALFORMED_VARINT');
    // MetadataRequest v9: topics is a compact nullable array.
    const count = expectDecodeError(MetadataRequest, 9, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x00]));
    expect(count.code).toBe('INVALID_LENGTH');
    expect(count.fieldPath).toBe('topics');
  });

  it('string and bytes lengths larger than the input are rejected', () => {
    const string = expectDecodeError(MetadataRequest, 0, Buffer.concat([int32(1), Buffer.from([0x7f, 0xff, 0x61])]));
    expect(string.code).toBe('INVALID_LENGTH');
    expect(string.fieldPath).toBe('topics[0].name');
    // ProduceRequest v3: transactionalId null, acks, timeout, 1 topic "t", 1 partition 0, records of 2^31-1 bytes.
    const produce = Buffer.concat([Buffer.from([0xff, 0xff, 0, 1]), int32(1000), int32(1), Buffer.from([0, 1, 0x74]), int32(1), int32(0), int32(0x7fffffff), Buffer.alloc(8)]);
    const records = expectDecodeError(ProduceRequest, 3, produce);
    expect(records.code).toBe('INVALID_LENGTH');
    expect(records.fieldPath).toBe('topicData[0].partitionData[0].records');
    const negative = expectDecodeError(ProduceRequest, 3, Buffer.concat([produce.subarray(0, produce.length - 12), int32(-2)]));
    expect(negative.code).toBe('INVALID_LENGTH');
  });

  it('null where the version does not allow it is UNEXPECTED_NULL', () => {
    // MetadataRequest topics become nullable in v1.
    expect(expectDecodeError(MetadataRequest, 0, int32(-1)).code).toBe('UNEXPECTED_NULL');
    expect(decodeMessage(MetadataRequest, 1, int32(-1)).topics).toBeNull();
    const name = expectDecodeError(MetadataRequest, 1, Buffer.concat([int32(1), Buffer.from([0xff, 0xff])]));
    expect(name.code).toBe('UNEXPECTED_NULL');
    expect(name.fieldPath).toBe('topics[0].name');
  });

  it('an int64 beyond the safe integer range is INT64_OUT_OF_RANGE, naming the field', () => {
    const head = Buffer.concat([int32(-1), int32(0), int32(0), int32(0), Buffer.from([0]), int32(1), Buffer.from([0, 1, 0x74]), int32(1), int32(0)]);
    const offset = Buffer.from([0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    const error = expectDecodeError(FetchRequest, 4, Buffer.concat([head, offset, int32(0)]));
    expect(error.code).toBe('INT64_OUT_OF_RANGE');
    expect(error.message).toContain('9223372036854775807');
    expect(error.fieldPath).toBe('topics[0].partitions[0].fetchOffset');
  });

  it('a zero-width element type cannot make a huge array from a few bytes', () => {
    // A struct with no fields on the wire (non-flexible): each element takes 0 bytes, still counted as 1.
    const schema: MessageSchema = {
      name: 'Hollow',
      type: 'request',
      apiKey: 1000,
      validVersions: [0, 1],
      flexibleVersions: null,
      fields: [
        { name: 'items', type: { array: { struct: 'Empty', fields: [{ name: 'late', type: 'int32', versions: [1, null] }] } }, versions: [0, null] },
        { name: 'a', type: 'int8', versions: [0, null] },
        { name: 'b', type: 'int8', versions: [0, null] },
      ],
    };
    const started = performance.now();
    expect(expectDecodeError(schema, 0, Buffer.concat([int32(0x7fffffff), Buffer.alloc(64)])).code).toBe('INVALID_LENGTH');
    expect(performance.now() - started).toBeLessThan(100);
    expect(decodeMessage(schema, 0, Buffer.concat([int32(2), Buffer.from([1, 2])]))).toEqual({ items: [{ late: 0 }, { late: 0 }], a: 1, b: 2 });
  });

  it('a tagged-field count larger than the bytes is rejected', () => {
    // ApiVersionsRequest v3: two empty compact strings, then 2^32-1 tagged fields.
    const error = expectDecodeError(ApiVersionsRequest, 3, Buffer.from([1, 1, 0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0]));
    expect(error.code).toBe('INVALID_LENGTH');
  });
});

describe('tagged fields', () => {
  it('skips unknown tags, keeps them, and writes them back in tag order', () => {
    // ApiVersionsRequest v3: name "a", version "1", then tags 7 (3 bytes) and 9 (0 bytes).
    const bytes = Buffer.from([2, 0x61, 2, 0x31, 2, 7, 3, 1, 2, 3, 9, 0]);
    const value = decodeMessage(ApiVersionsRequest, 3, bytes);
    expect(value.clientSoftwareName).toBe('a');
    expect(value.clientSoftwareVersion).toBe('1');
    expect(value._unknownTaggedFields).toEqual([
      { tag: 7, data: Buffer.from([1, 2, 3]) },
      { tag: 9, data: Buffer.alloc(0) },
    ]);
    expect(encodeMessage(ApiVersionsRequest, 3, value).equals(bytes)).toBe(true);
    // Dropping them is just leaving the property out.
    expect(encodeMessage(ApiVersionsRequest, 3, { clientSoftwareName: 'a', clientSoftwareVersion: '1' }).equals(Buffer.from([2, 0x61, 2, 0x31, 0]))).toBe(true);
  });

  it('reads known tags in nested structs, skipping bytes a newer writer appended to them', () => {
    // FetchResponse v12 partition with currentLeader (tag 1) sent with 4 extra bytes.
    const value = {
      responses: [
        {
          topic: 't',
          partitions: [{ partitionIndex: 0, errorCode: 0, highWatermark: 10, currentLeader: { leaderId: 3, leaderEpoch: 7 }, records: null }],
        },
      ],
    };
    const bytes = encodeMessage(FetchResponse, 12, value);
    const decoded = decodeMessage(FetchResponse, 12, bytes);
    expect(decoded.responses[0]!.partitions[0]!.currentLeader).toEqual({ leaderId: 3, leaderEpoch: 7 });
    expect(decoded.responses[0]!.partitions[0]!.divergingEpoch).toEqual({ epoch: -1, endOffset: -1 });
    // Find the tagged section of the partition: [count=1][tag=1][size=9][leaderId][leaderEpoch][struct tags=0].
    const section = Buffer.from([1, 1, 9, 0, 0, 0, 3, 0, 0, 0, 7, 0]);
    const at = bytes.indexOf(section);
    expect(at).toBeGreaterThan(0);
    const widened = Buffer.concat([bytes.subarray(0, at), Buffer.from([1, 1, 13, 0, 0, 0, 3, 0, 0, 0, 7, 0, 0xde, 0xad, 0xbe, 0xef]), bytes.subarray(at + section.length)]);
    expect(decodeMessage(FetchResponse, 12, widened).responses[0]!.partitions[0]!.currentLeader).toEqual({ leaderId: 3, leaderEpoch: 7 });
  });

  it('a known tag whose size is too small for its value is a ProtocolDecodeError', () => {
    // ApiVersionsResponse v3: errorCode, no apiKeys, throttle, then tag 1 (finalizedFeaturesEpoch, int64) of 2 bytes.
    const bytes = Buffer.from([0, 0, 1, 0, 0, 0, 0, 1, 1, 2, 0, 0]);
    const error = expectDecodeError(API_MESSAGES.find((api) => api.apiKey === 18)!.response, 3, bytes);
    expect(error.code).toBe('TRUNCATED');
    expect(error.fieldPath).toBe('finalizedFeaturesEpoch');
  });

  it('writes tagged fields only when they differ from their default', () => {
    const schema = API_MESSAGES.find((api) => api.apiKey === 18)!.response;
    const plain = encodeMessage(schema, 3, { errorCode: 0, apiKeys: [], throttleTimeMs: 0, finalizedFeaturesEpoch: -1, zkMigrationReady: false });
    expect(plain.equals(Buffer.from([0, 0, 1, 0, 0, 0, 0, 0]))).toBe(true);
    const tagged = encodeMessage(schema, 3, { errorCode: 0, apiKeys: [], throttleTimeMs: 0, finalizedFeaturesEpoch: 5, zkMigrationReady: true });
    expect(tagged.toString('hex')).toBe(Buffer.from([0, 0, 1, 0, 0, 0, 0, 2, 1, 8, 0, 0, 0, 0, 0, 0, 0, 5, 3, 1, 1]).toString('hex'));
  });
});
