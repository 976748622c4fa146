// fast-check generators of what a hostile or broken client may send to `strata serve`: one
// "session" is the bytes written on one connection. Kinds: random bodies; well-formed request
// headers (known and unknown API keys and versions) with random bodies; real requests of every
// served API and version (bodies built from the generated schemas) with mutations (bytes flipped,
// huge and negative int32 lengths and array counts written anywhere, bytes cut or inserted);
// hostile size prefixes (negative, just over the limit, huge); truncated frames.
import fc from 'fast-check';
import { encodeRecordBatch } from '../../src/codec/record-batch.js';
import { ALL_APIS } from '../../src/protocol/apis/index.js';
import { ApiVersionsRequest } from '../../src/protocol/messages/api-versions.js';
import { encodeRequest } from '../../src/protocol/wire/headers.js';
import { inVersionRange, type FieldSchema, type FieldType, type MessageSchema } from '../../src/protocol/wire/schema.js';

/** Frames `body` with its 4-byte size prefix, as a client sends a request. */
export function framed(body: Buffer): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeInt32BE(body.length);
  return Buffer.concat([prefix, body]);
}

export const FUZZ_TOPIC = 'fuzz';
/** Admin APIs that create or delete partitions are left out: a mutated count could legitimately
 * ask for 100,000 partitions (the broker's limit), which is a quota question, not a parser one. */
const EXCLUDED_API_KEYS = new Set([19, 20, 37]);
const MAX_REQUEST_BYTES = 100 * 1024 * 1024;

export interface FuzzSession {
  /** Bytes written on the connection, in order. */
  bytes: Buffer;
  /** Frames (complete or not) in `bytes`, for the count reported. */
  frames: number;
  /** The session ends in an incomplete frame: a probe request behind it would be swallowed. */
  open: boolean;
}

const BATCH = encodeRecordBatch([{ key: 'k', value: 'fuzz' }]);

/** A plausible value for the fields of a message at `version`: names that exist, one entry per array. */
function sampleStruct(fields: readonly FieldSchema[], version: number): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  for (const field of fields) {
    if (!inVersionRange(field.versions, version)) continue;
    const sample = sampleOf(field.type, field, version);
    if (sample !== undefined) value[field.name] = sample;
  }
  return value;
}

function sampleOf(type: FieldType, field: FieldSchema, version: number): unknown {
  if (typeof type === 'string') {
    if (type === 'string') return field.entityType === 'groupId' ? 'fuzz-group' : FUZZ_TOPIC;
    if (type === 'records') return BATCH;
    if (type === 'int32' && field.name === 'partitionMaxBytes') return 1 << 16;
    return undefined; // the schema default
  }
  if ('struct' in type) return sampleStruct(type.fields, version);
  return [sampleOf(type.array, field, version)].filter((entry) => entry !== undefined);
}

/** One well-formed request of every served API (minus the excluded) at every advertised version. */
export function validRequests(): Buffer[] {
  const requests: Buffer[] = [];
  for (const api of ALL_APIS) {
    const schema = api.request as MessageSchema;
    if (EXCLUDED_API_KEYS.has(schema.apiKey!)) continue;
    for (let version = api.minVersion; version <= api.maxVersion; version++) {
      requests.push(encodeRequest(schema, version, { correlationId: 1000 + version, clientId: 'fuzz' }, sampleStruct(schema.fields, version) as never));
    }
  }
  return requests;
}

/** ApiVersions v0: the probe sent behind a session to see whether the connection still serves. */
export const PROBE_CORRELATION_ID = 0x7eadbeef;
export const PROBE = framed(encodeRequest(ApiVersionsRequest, 0, { correlationId: PROBE_CORRELATION_ID, clientId: null }, {}));

const hostileInt32 = fc.oneof(
  fc.constantFrom(-1, -2, -(2 ** 31), 2 ** 31 - 1, 0x7fff, 0xffff, 65_536, 1 << 24, MAX_REQUEST_BYTES + 1),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
);

type Mutation = (bytes: Buffer) => Buffer;

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([at, value]): Mutation => (bytes) => {
    const out = Buffer.from(bytes);
    if (out.length > 0) out[at % out.length] = value;
    return out;
  }),
  fc.tuple(fc.nat(), hostileInt32).map(([at, value]): Mutation => (bytes) => {
    const out = Buffer.from(bytes);
    if (out.length >= 4) out.writeInt32BE(value, at % (out.length - 3)); // lengths and array counts
    return out;
  }),
  fc.tuple(fc.nat(), fc.constantFrom(0xff, 0x80, 0x7f)).map(([at, value]): Mutation => (bytes) => {
    const out = Buffer.from(bytes);
    for (let index = at % Math.max(1, out.length); index < Math.min(out.length, (at % Math.max(1, out.length)) + 5); index++) out[index] = value; // endless varints
    return out;
  }),
  fc.nat().map((at): Mutation => (bytes) => bytes.subarray(0, at % (bytes.length + 1))),
  fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 16 })).map(([at, inserted]): Mutation => (bytes) => {
    const where = at % (bytes.length + 1);
    return Buffer.concat([bytes.subarray(0, where), Buffer.from(inserted), bytes.subarray(where)]);
  }),
);

function header(apiKey: number, version: number, correlationId: number): Buffer {
  const bytes = Buffer.alloc(12);
  bytes.writeInt16BE(apiKey, 0);
  bytes.writeInt16BE(version, 2);
  bytes.writeInt32BE(correlationId, 4);
  bytes.writeInt16BE(4, 8); // client id length
  return Buffer.concat([bytes, Buffer.from('fuzz')]);
}

interface Piece {
  bytes: Buffer;
  open: boolean;
}

function pieceArbitrary(requests: readonly Buffer[]): fc.Arbitrary<Piece> {
  const apiKeys = ALL_APIS.map((api) => (api.request as MessageSchema).apiKey!);
  const complete = (body: Buffer): Piece => ({ bytes: framed(body), open: false });
  return fc.oneof(
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 256 }).map((body) => complete(Buffer.from(body))) },
    {
      weight: 3,
      arbitrary: fc
        .tuple(fc.oneof(fc.constantFrom(...apiKeys), fc.constantFrom(-1, 57, 99, 1000, 32_767, -32_768)), fc.oneof(fc.integer({ min: -1, max: 20 }), fc.constantFrom(32_767, -32_768)), fc.integer(), fc.uint8Array({ maxLength: 128 }))
        .map(([apiKey, version, correlationId, rest]) => complete(Buffer.concat([header(apiKey, version, correlationId), Buffer.from(rest)]))),
    },
    {
      weight: 6,
      arbitrary: fc.tuple(fc.constantFrom(...requests), fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([request, mutations]) => complete(mutations.reduce((bytes, mutate) => mutate(bytes), request))),
    },
    { weight: 1, arbitrary: fc.constantFrom(...requests).map(complete) },
    {
      weight: 1,
      arbitrary: fc.tuple(hostileInt32, fc.uint8Array({ maxLength: 32 })).map(([size, rest]) => {
        const prefix = Buffer.alloc(4);
        prefix.writeInt32BE(size);
        // A size the server accepts leaves it waiting for bytes that never come.
        return { bytes: Buffer.concat([prefix, Buffer.from(rest)]), open: size >= rest.length && size <= MAX_REQUEST_BYTES };
      }),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom(...requests), fc.nat()).map(([request, cut]) => {
        const whole = framed(request);
        return { bytes: whole.subarray(0, cut % whole.length), open: true };
      }),
    },
  );
}

/** Sessions of 1 to 8 pieces; an open (incomplete) piece ends its session. */
export function sessionArbitrary(requests: readonly Buffer[] = validRequests()): fc.Arbitrary<FuzzSession> {
  return fc.array(pieceArbitrary(requests), { minLength: 1, maxLength: 8 }).map((pieces) => {
    const firstOpen = pieces.findIndex((piece) => piece.open);
    const kept = firstOpen < 0 ? pieces : pieces.slice(0, firstOpen + 1);
    return { bytes: Buffer.concat(kept.map((piece) => piece.bytes)), frames: kept.length, open: firstOpen >= 0 };
  });
}
