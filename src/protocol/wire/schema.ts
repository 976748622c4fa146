/**
 * The declarative schema format for Kafka protocol messages. src/protocol/messages/ holds one
 * generated file per API (from Kafka's own JSON definitions) whose schemas use these types; the
 * generic codec (message-codec.ts) walks a schema at a given version.
 *
 * A schema describes every version of a message at once, as Kafka's JSON does: each field carries
 * the version range it exists in, the versions in which it may be null, and, for tagged fields, its
 * tag and the versions in which it travels in the tagged-field section. At a given version a field
 * is either absent (not on the wire; decodes to its default), a regular field (in schema order), or
 * a tagged field. Flexible versions use compact lengths and end every struct with a tagged-field
 * section.
 *
 * Values are plain objects whose keys are the field names (Kafka's PascalCase names with the first
 * letter lowercased). Value types by field type:
 *
 * | schema type              | value                                                       |
 * |--------------------------|-------------------------------------------------------------|
 * | bool                     | boolean                                                     |
 * | int8/16/32, uint16/32    | number (an integer in the type's range)                     |
 * | int64                    | number, a safe integer (see below)                          |
 * | float64                  | number                                                      |
 * | uuid                     | string, canonical lowercase 8-4-4-4-12 hex (ZERO_UUID = all zero) |
 * | string                   | string (UTF-8 on the wire), or null in nullable versions    |
 * | bytes                    | Buffer, or null in nullable versions                        |
 * | records                  | Buffer holding record batches, never decoded here, or null  |
 * | { array: T }             | T[] (or null in nullable versions)                          |
 * | { struct, fields }       | a nested plain object                                       |
 *
 * int64 is a JavaScript number, not a bigint: offsets, timestamps, producer ids (including -1 and
 * the other negative sentinels) and epochs are all far inside ±(2^53 - 1), numbers are what the
 * rest of Strata (codec, storage) uses for them, and they are much faster. An int64 on the wire
 * outside the safe range is rejected with a ProtocolDecodeError naming the field (never silently
 * rounded); encoding a number that is not a safe integer throws a ProtocolEncodeError.
 */

/** [min, max] inclusive; max null means "and every later version" (Kafka's "N+"). */
export type VersionRange = readonly [min: number, max: number | null];

export type PrimitiveTypeName =
  | 'bool'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint16'
  | 'uint32'
  | 'float64'
  | 'uuid'
  | 'string'
  | 'bytes'
  | 'records';

/** A nested struct: `struct` is its name in Kafka's definition. */
export interface StructType {
  readonly struct: string;
  readonly fields: readonly FieldSchema[];
}

/** An array of primitives or structs (Kafka's "[]T"). */
export interface ArrayType {
  readonly array: PrimitiveTypeName | StructType;
}

export type FieldType = PrimitiveTypeName | StructType | ArrayType;

export interface FieldSchema {
  /** camelCase value key. */
  readonly name: string;
  readonly type: FieldType;
  /** Versions in which the field exists. */
  readonly versions: VersionRange;
  /** Versions in which the value may be null (strings, bytes, records, arrays, structs). */
  readonly nullableVersions?: VersionRange;
  /** Tag number, when the field is tagged in `taggedVersions`. */
  readonly tag?: number;
  readonly taggedVersions?: VersionRange;
  /**
   * Overrides the message's flexible versions for this field's own encoding (compact or not):
   * null means never compact (RequestHeader.clientId). Absent: follow the message.
   */
  readonly flexibleVersions?: VersionRange | null;
  /**
   * The value when the field is absent (outside its versions, or an omitted tagged field).
   * When not given: 0, false, '', empty Buffer, ZERO_UUID, [] or a struct of defaults; records
   * default to null in nullable versions.
   */
  readonly default?: number | boolean | string | null;
  /** Kafka's "ignorable": a non-default value may be dropped when the version lacks the field. */
  readonly ignorable?: true;
  /** The field is the key of its array's entries (informational). */
  readonly mapKey?: true;
  /** What the value names: topicName, groupId, brokerId, producerId, … (informational). */
  readonly entityType?: string;
}

declare const valueType: unique symbol;

export interface MessageSchema<T = unknown> {
  /** Kafka's message name, e.g. "ProduceRequest". */
  readonly name: string;
  readonly type: 'request' | 'response' | 'header';
  /** The API key (null for headers). */
  readonly apiKey: number | null;
  /** Closed range of versions this schema describes. */
  readonly validVersions: VersionRange;
  /** Versions that use compact encodings and tagged fields; null if none. */
  readonly flexibleVersions: VersionRange | null;
  readonly fields: readonly FieldSchema[];
  /** Phantom: the value type of this message (never present at run time). */
  readonly [valueType]?: T;
}

/** The value type a schema describes. */
export type MessageValue<S> = S extends MessageSchema<infer T> ? T : never;

/** One tagged field the schema did not know at the decoded version, as raw bytes. */
export interface RawTaggedField {
  readonly tag: number;
  readonly data: Buffer;
}

/**
 * What encodeMessage accepts: the value type with every field optional, at every depth. A missing
 * (undefined) field is written as its default, the way Kafka's generated classes start from
 * defaults. Arrays may be readonly.
 */
export type MessageInput<T> = T extends Buffer
  ? T
  : T extends readonly (infer E)[]
    ? readonly MessageInput<E>[]
    : T extends object
      ? { [K in keyof T]?: MessageInput<T[K]> }
      : T;

/** One API: its key, name, and request and response schemas. */
export interface ApiMessages {
  readonly apiKey: number;
  readonly name: string;
  readonly request: MessageSchema;
  readonly response: MessageSchema;
}

/** The all-zero UUID (Kafka's Uuid.ZERO_UUID), the default of uuid fields. */
export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

export function inVersionRange(range: VersionRange | null | undefined, version: number): boolean {
  if (range === null || range === undefined) return false;
  return version >= range[0] && (range[1] === null || version <= range[1]);
}

/** True if `version` of this message is flexible (compact encodings, tagged fields). */
export function isFlexibleVersion(schema: MessageSchema, version: number): boolean {
  return inVersionRange(schema.flexibleVersions, version);
}

/** True if this schema describes `version`. */
export function isValidVersion(schema: MessageSchema, version: number): boolean {
  return Number.isInteger(version) && inVersionRange(schema.validVersions, version);
}
