// fast-check arbitraries built from a message schema at one version. Written against the schema
// format itself (not the codec's plans), so the round-trip tests check the codec independently.
import fc from 'fast-check';
import {
  type FieldSchema,
  type MessageSchema,
  type PrimitiveTypeName,
  type RawTaggedField,
  ZERO_UUID,
  inVersionRange,
  isFlexibleVersion,
} from '../../../src/protocol/wire/schema.js';

type Value = Record<string, unknown>;

const INTEGER_RANGES: Partial<Record<PrimitiveTypeName, [number, number]>> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint16: [0, 65535],
  uint32: [0, 2 ** 32 - 1],
};

function integer(min: number, max: number): fc.Arbitrary<number> {
  return fc.oneof({ arbitrary: fc.constantFrom(min, max, 0, Math.max(min, -1)), weight: 1 }, { arbitrary: fc.integer({ min, max }), weight: 4 });
}

const int64 = fc.oneof(
  { arbitrary: fc.constantFrom(-1, 0, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2 ** 32, -(2 ** 32)), weight: 1 },
  { arbitrary: fc.maxSafeInteger(), weight: 3 },
  { arbitrary: fc.integer(), weight: 2 },
);

const smallBytes = fc.uint8Array({ maxLength: 16 }).map((bytes) => Buffer.from(bytes));
/** Records: sometimes past the writer's reference threshold, so the chunked path is exercised. */
const recordBytes = fc.oneof(smallBytes, fc.uint8Array({ minLength: 1000, maxLength: 2500 }).map((bytes) => Buffer.from(bytes)));
const text = fc.string({ unit: 'grapheme', maxLength: 12 });

function primitive(type: PrimitiveTypeName): fc.Arbitrary<unknown> {
  const range = INTEGER_RANGES[type];
  if (range) return integer(range[0], range[1]);
  switch (type) {
    case 'bool':
      return fc.boolean();
    case 'int64':
      return int64;
    case 'float64':
      return fc.double();
    case 'uuid':
      return fc.oneof(fc.constant(ZERO_UUID), fc.uuid());
    case 'string':
      return text;
    case 'bytes':
      return smallBytes;
    case 'records':
      return recordBytes;
    default:
      throw new Error(`no arbitrary for ${type}`);
  }
}

/** The value a field has when it is not on the wire (what decoding must produce). */
export function expectedDefault(field: FieldSchema): unknown {
  const type = field.type;
  if (field.default !== undefined) return field.default;
  if (typeof type === 'string') {
    switch (type) {
      case 'bool':
        return false;
      case 'uuid':
        return ZERO_UUID;
      case 'string':
        return '';
      case 'bytes':
        return Buffer.alloc(0);
      case 'records':
        return field.nullableVersions ? null : Buffer.alloc(0);
      default:
        return 0;
    }
  }
  if ('array' in type) return [];
  return Object.fromEntries(type.fields.map((inner) => [inner.name, expectedDefault(inner)]));
}

export interface ArbitraryOptions {
  /** Add random unknown tagged fields (tags from 1000) to structs in flexible versions. */
  readonly unknownTags?: boolean;
  readonly maxArrayLength?: number;
}

/** Values of `schema` at `version`: every field present, absent ones at their defaults. */
export function messageArbitrary(schema: MessageSchema, version: number, options: ArbitraryOptions = {}): fc.Arbitrary<Value> {
  return structArbitrary(schema.fields, version, isFlexibleVersion(schema, version), options);
}

function structArbitrary(fields: readonly FieldSchema[], version: number, flexible: boolean, options: ArbitraryOptions): fc.Arbitrary<Value> {
  const shape: Record<string, fc.Arbitrary<unknown>> = {};
  for (const field of fields) shape[field.name] = fieldArbitrary(field, version, flexible, options);
  const record = fc.record(shape) as fc.Arbitrary<Value>;
  if (!flexible || !options.unknownTags) return record;
  const unknown = fc.uniqueArray(
    fc.record({ tag: fc.integer({ min: 1000, max: 100_000 }), data: smallBytes }),
    { maxLength: 2, selector: (entry) => entry.tag },
  );
  return fc.tuple(record, fc.option(unknown, { freq: 4, nil: undefined })).map(([value, extra]) => {
    if (extra === undefined || extra.length === 0) return value;
    const sorted: RawTaggedField[] = [...extra].sort((a, b) => a.tag - b.tag);
    return { ...value, _unknownTaggedFields: sorted };
  });
}

function fieldArbitrary(field: FieldSchema, version: number, flexible: boolean, options: ArbitraryOptions): fc.Arbitrary<unknown> {
  if (!inVersionRange(field.versions, version)) return fc.constant(null).map(() => expectedDefault(field));
  const type = field.type;
  let arbitrary: fc.Arbitrary<unknown>;
  if (typeof type === 'string') {
    arbitrary = primitive(type);
  } else if ('array' in type) {
    const element = typeof type.array === 'string' ? primitive(type.array) : structArbitrary(type.array.fields, version, flexible, options);
    arbitrary = fc.array(element, { maxLength: options.maxArrayLength ?? 3 });
  } else {
    arbitrary = structArbitrary(type.fields, version, flexible, options);
  }
  if (inVersionRange(field.nullableVersions, version)) arbitrary = fc.option(arbitrary, { nil: null, freq: 4 });
  const tagged = field.tag !== undefined && inVersionRange(field.taggedVersions, version);
  if (tagged) arbitrary = fc.oneof(fc.constant(null).map(() => expectedDefault(field)), arbitrary);
  return arbitrary;
}
