/**
 * The generic message codec: encodeMessage / decodeMessage walk a schema at one version (through
 * its cached per-version plan, see plan.ts) and turn plain objects into bytes and back.
 *
 * - Fields outside their versions are not on the wire; decoding gives them their default, encoding
 *   ignores whatever value they have.
 * - Flexible versions use compact strings, bytes and arrays (unless a field opts out, like
 *   RequestHeader.clientId) and end every struct, at every depth, with a tagged-field section.
 *   Tagged fields are written only when they differ from their default, in ascending tag order.
 *   Unknown tags are skipped on decode and kept, as raw bytes, in `_unknownTaggedFields` of the
 *   struct that held them; encoding writes them back (merged by tag).
 * - Encoding a missing (undefined) field writes its default; a null where the version does not
 *   allow one, or a value of the wrong type or range, is a ProtocolEncodeError naming the field.
 * - Decoding only ever throws ProtocolDecodeError, with the field path and byte offset.
 */

import { ProtocolDecodeError, ProtocolEncodeError } from './errors.js';
import {
  DEFAULT_VALUE,
  type FieldPlan,
  K_ARRAY,
  K_BOOL,
  K_BYTES,
  K_FLOAT64,
  K_INT16,
  K_INT32,
  K_INT64,
  K_INT8,
  K_STRING,
  K_STRUCT,
  K_UINT16,
  K_UINT32,
  K_UUID,
  MODE_REGULAR,
  MODE_TAGGED,
  type MessagePlan,
  type StructPlan,
  defaultOf,
  messagePlan,
} from './plan.js';
import { WireReader } from './reader.js';
import { type MessageInput, type MessageSchema, type RawTaggedField, isValidVersion } from './schema.js';
import { WireWriter } from './writer.js';

type Struct = Record<string, unknown>;

const UNKNOWN_TAGGED_FIELDS = '_unknownTaggedFields';

// ---------------------------------------------------------------------------------------------
// Public API

/**
 * Decodes one whole message: `buffer` from `offset` to its end must hold exactly the message at
 * `version` (left-over bytes are a TRAILING_BYTES error). bytes and records values are views into
 * `buffer`. Throws only ProtocolDecodeError.
 */
export function decodeMessage<T>(schema: MessageSchema<T>, version: number, buffer: Buffer, offset = 0): T {
  const reader = new WireReader(buffer, offset);
  const value = readMessage(reader, schema, version);
  if (reader.remaining !== 0) {
    throw new ProtocolDecodeError('TRAILING_BYTES', `${reader.remaining} bytes left over after the message`, reader.position).finish(
      context(schema, version),
    );
  }
  return value;
}

/** Reads one message at the reader's position (bytes after it are left for the caller). */
export function readMessage<T>(reader: WireReader, schema: MessageSchema<T>, version: number): T {
  if (!isValidVersion(schema, version)) {
    throw new ProtocolDecodeError(
      'UNSUPPORTED_VERSION',
      `version ${version} is not one of the valid versions ${formatRange(schema)}`,
      reader.position,
    ).finish(context(schema, version));
  }
  const plan = messagePlan(schema, version);
  try {
    return readStruct(reader, plan.root) as T;
  } catch (error) {
    throw toDecodeError(error, reader).finish(context(schema, version));
  }
}

/** Encodes one message at `version` into a single Buffer. Throws ProtocolEncodeError. */
export function encodeMessage<T>(schema: MessageSchema<T>, version: number, value: MessageInput<T>): Buffer {
  const writer = new WireWriter(schema.apiKey === 0 || schema.apiKey === 1 ? 1024 : 256);
  writeMessage(writer, schema, version, value);
  return writer.toBuffer();
}

/** Appends one message at `version` to `writer`. */
export function writeMessage<T>(writer: WireWriter, schema: MessageSchema<T>, version: number, value: MessageInput<T>): void {
  const plan = encodePlan(schema, version);
  try {
    if (value === null || typeof value !== 'object') throw new ProtocolEncodeError(`the message value must be an object, not ${value === null ? 'null' : typeof value}`);
    writeStruct(writer, plan.root, value as Struct);
  } catch (error) {
    throw toEncodeError(error).finish(context(schema, version));
  }
}

/** A fresh value of the message with every field at its default (for that version's plan). */
export function defaultMessage<T>(schema: MessageSchema<T>, version: number): T {
  const plan = encodePlan(schema, version);
  const value: Struct = {};
  for (const field of plan.root.fields) value[field.name] = defaultOf(field);
  return value as T;
}

function encodePlan(schema: MessageSchema, version: number): MessagePlan {
  if (!isValidVersion(schema, version)) {
    throw new ProtocolEncodeError(`version ${version} is not one of the valid versions ${formatRange(schema)}`).finish(context(schema, version));
  }
  return messagePlan(schema, version);
}

function context(schema: MessageSchema, version: number): string {
  return `${schema.name} v${version}`;
}

function formatRange(schema: MessageSchema): string {
  const [min, max] = schema.validVersions;
  return `${min}-${max ?? ''}`;
}

function toDecodeError(error: unknown, reader: WireReader): ProtocolDecodeError {
  if (error instanceof ProtocolDecodeError) return error;
  // Not expected: the reader checks every read. Still, bad bytes must never surface as anything else.
  const message = error instanceof Error ? error.message : String(error);
  return new ProtocolDecodeError('INVALID_VALUE', `unexpected failure: ${message}`, reader.position, { cause: error });
}

function toEncodeError(error: unknown): ProtocolEncodeError {
  if (error instanceof ProtocolEncodeError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ProtocolEncodeError(message, { cause: error });
}

// ---------------------------------------------------------------------------------------------
// Decoding

function readStruct(reader: WireReader, plan: StructPlan): Struct {
  const value: Struct = {};
  const fields = plan.fields;
  let index = 0;
  try {
    for (; index < fields.length; index++) {
      const field = fields[index]!;
      value[field.name] = field.mode === MODE_REGULAR ? readField(reader, field) : defaultOf(field);
    }
  } catch (error) {
    throw annotateDecode(error, reader, fields[index]!.name);
  }
  if (plan.flexible) readTaggedFields(reader, plan, value);
  return value;
}

function readField(reader: WireReader, field: FieldPlan): unknown {
  switch (field.kind) {
    case K_INT32:
      return reader.readInt32();
    case K_INT64:
      return reader.readInt64();
    case K_INT16:
      return reader.readInt16();
    case K_STRING:
      if (field.compact) return field.nullable ? reader.readCompactNullableString() : reader.readCompactString();
      return field.nullable ? reader.readNullableString() : reader.readString();
    case K_BYTES:
      if (field.compact) return field.nullable ? reader.readCompactNullableBytes() : reader.readCompactBytes();
      return field.nullable ? reader.readNullableBytes() : reader.readBytes();
    case K_ARRAY:
      return readArray(reader, field);
    case K_STRUCT:
      if (field.nullable) {
        const start = reader.position;
        const marker = reader.readInt8();
        if (marker < 0) return null;
        if (marker !== 1) throw new ProtocolDecodeError('INVALID_VALUE', `struct presence marker ${marker} is neither -1 nor 1`, start);
      }
      return readStruct(reader, field.struct!);
    case K_BOOL:
      return reader.readBoolean();
    case K_INT8:
      return reader.readInt8();
    case K_UUID:
      return reader.readUuid();
    case K_UINT16:
      return reader.readUint16();
    case K_UINT32:
      return reader.readUint32();
    case K_FLOAT64:
      return reader.readFloat64();
    default:
      throw new ProtocolDecodeError('INVALID_VALUE', `unknown field kind ${field.kind}`, reader.position);
  }
}

function readArray(reader: WireReader, field: FieldPlan): unknown[] | null {
  const start = reader.position;
  const count = reader.readArrayCount(field.compact, field.elementMinBytes);
  if (count < 0) {
    if (field.nullable) return null;
    throw new ProtocolDecodeError('UNEXPECTED_NULL', 'null array where the version does not allow null', start);
  }
  const element = field.element!;
  const values: unknown[] = [];
  let index = 0;
  try {
    if (element.kind === K_STRUCT) {
      const struct = element.struct!;
      for (; index < count; index++) values.push(readStruct(reader, struct));
    } else {
      for (; index < count; index++) values.push(readField(reader, element));
    }
  } catch (error) {
    throw annotateDecode(error, reader, `[${index}]`);
  }
  return values;
}

function readTaggedFields(reader: WireReader, plan: StructPlan, value: Struct): void {
  const sectionStart = reader.position;
  let count: number;
  try {
    count = reader.readUnsignedVarint();
  } catch (error) {
    throw annotateDecode(error, reader, '<tagged fields>');
  }
  // Each tagged field takes at least two bytes (its tag and its size).
  if (count * 2 > reader.remaining) {
    throw new ProtocolDecodeError('INVALID_LENGTH', `${count} tagged fields cannot fit in the ${reader.remaining} bytes left`, sectionStart).addPathSegment(
      '<tagged fields>',
    );
  }
  let unknown: RawTaggedField[] | undefined;
  for (let index = 0; index < count; index++) {
    const fieldStart = reader.position;
    let tag: number;
    let size: number;
    try {
      tag = reader.readUnsignedVarint();
      size = reader.readUnsignedVarint();
    } catch (error) {
      throw annotateDecode(error, reader, '<tagged fields>');
    }
    if (size > reader.remaining) {
      throw new ProtocolDecodeError('INVALID_LENGTH', `tagged field ${tag} of ${size} bytes exceeds the ${reader.remaining} bytes left`, fieldStart).addPathSegment(
        '<tagged fields>',
      );
    }
    const end = reader.position + size;
    const field = plan.taggedByTag.get(tag);
    if (field === undefined) {
      (unknown ??= []).push({ tag, data: reader.readRaw(size) });
      continue;
    }
    const outerEnd = reader.end;
    reader.end = end;
    try {
      value[field.name] = readField(reader, field);
    } catch (error) {
      throw annotateDecode(error, reader, field.name);
    } finally {
      reader.end = outerEnd;
    }
    // A newer writer may have appended to the field: skip what this version does not read.
    reader.position = end;
  }
  if (unknown !== undefined) value[UNKNOWN_TAGGED_FIELDS] = unknown;
}

function annotateDecode(error: unknown, reader: WireReader, segment: string): ProtocolDecodeError {
  return toDecodeError(error, reader).addPathSegment(segment);
}

// ---------------------------------------------------------------------------------------------
// Encoding

function writeStruct(writer: WireWriter, plan: StructPlan, value: Struct): void {
  const fields = plan.regular;
  let index = 0;
  try {
    for (; index < fields.length; index++) {
      const field = fields[index]!;
      const fieldValue = value[field.name];
      writeField(writer, field, fieldValue === undefined ? defaultOf(field) : fieldValue);
    }
  } catch (error) {
    throw toEncodeError(error).addPathSegment(fields[index]!.name);
  }
  if (plan.flexible) writeTaggedFields(writer, plan, value);
}

function writeField(writer: WireWriter, field: FieldPlan, value: unknown): void {
  switch (field.kind) {
    case K_INT32:
      writer.writeInt32(value as number);
      return;
    case K_INT64:
      writer.writeInt64(value as number);
      return;
    case K_INT16:
      writer.writeInt16(value as number);
      return;
    case K_STRING:
      if (value === null) {
        if (!field.nullable) throw unexpectedNull('string');
        if (field.compact) writer.writeUnsignedVarint(0);
        else writer.writeInt16(-1);
        return;
      }
      if (field.compact) writer.writeCompactString(value as string);
      else writer.writeString(value as string);
      return;
    case K_BYTES:
      if (value === null) {
        if (!field.nullable) throw unexpectedNull(field.typeName);
        if (field.compact) writer.writeUnsignedVarint(0);
        else writer.writeInt32(-1);
        return;
      }
      if (field.compact) writer.writeCompactBytes(value as Uint8Array);
      else writer.writeBytes(value as Uint8Array);
      return;
    case K_ARRAY:
      writeArray(writer, field, value);
      return;
    case K_STRUCT:
      if (value === null) {
        if (!field.nullable) throw unexpectedNull('struct');
        writer.writeInt8(-1);
        return;
      }
      if (typeof value !== 'object' || Array.isArray(value) || Buffer.isBuffer(value)) {
        throw new ProtocolEncodeError(`expected an object for struct ${field.typeName}`);
      }
      if (field.nullable) writer.writeInt8(1);
      writeStruct(writer, field.struct!, value as Struct);
      return;
    case K_BOOL:
      writer.writeBoolean(value as boolean);
      return;
    case K_INT8:
      writer.writeInt8(value as number);
      return;
    case K_UUID:
      writer.writeUuid(value as string);
      return;
    case K_UINT16:
      writer.writeUint16(value as number);
      return;
    case K_UINT32:
      writer.writeUint32(value as number);
      return;
    case K_FLOAT64:
      writer.writeFloat64(value as number);
      return;
    default:
      throw new ProtocolEncodeError(`unknown field kind ${field.kind}`);
  }
}

function writeArray(writer: WireWriter, field: FieldPlan, value: unknown): void {
  if (value === null) {
    if (!field.nullable) throw unexpectedNull('array');
    writer.writeArrayCount(null, field.compact);
    return;
  }
  if (!Array.isArray(value)) throw new ProtocolEncodeError(`expected an array for ${field.typeName}`);
  const count = value.length;
  writer.writeArrayCount(count, field.compact);
  const element = field.element!;
  let index = 0;
  try {
    if (element.kind === K_STRUCT) {
      const struct = element.struct!;
      for (; index < count; index++) {
        const item: unknown = value[index];
        if (item === null || typeof item !== 'object' || Array.isArray(item)) {
          throw new ProtocolEncodeError(`expected an object for struct ${struct.name}`);
        }
        writeStruct(writer, struct, item as Struct);
      }
    } else {
      for (; index < count; index++) {
        const item: unknown = value[index];
        if (item === undefined || item === null) throw new ProtocolEncodeError(`array elements of ${field.typeName} cannot be ${String(item)}`);
        writeField(writer, element, item);
      }
    }
  } catch (error) {
    throw toEncodeError(error).addPathSegment(`[${index}]`);
  }
}

function unexpectedNull(what: string): ProtocolEncodeError {
  return new ProtocolEncodeError(`null ${what} where the version does not allow null`);
}

/** One entry of a tagged-field section about to be written. */
interface PendingTag {
  readonly tag: number;
  readonly field: FieldPlan | null;
  readonly value: unknown;
}

function writeTaggedFields(writer: WireWriter, plan: StructPlan, value: Struct): void {
  const tagged = plan.tagged;
  const unknown = value[UNKNOWN_TAGGED_FIELDS] as readonly RawTaggedField[] | undefined;
  const hasUnknown = unknown !== undefined && unknown !== null && unknown.length > 0;
  if (tagged.length === 0 && !hasUnknown) {
    writer.writeUnsignedVarint(0);
    return;
  }
  const pending: PendingTag[] = [];
  for (const field of tagged) {
    const fieldValue = value[field.name];
    if (fieldValue !== undefined && !isDefault(field, fieldValue)) pending.push({ tag: field.tag, field, value: fieldValue });
  }
  if (hasUnknown) {
    if (!Array.isArray(unknown)) throw new ProtocolEncodeError('_unknownTaggedFields must be an array').addPathSegment(UNKNOWN_TAGGED_FIELDS);
    for (const raw of unknown) {
      if (raw === null || typeof raw !== 'object' || !Number.isInteger(raw.tag) || raw.tag < 0 || raw.tag > 0xffffffff || !(raw.data instanceof Uint8Array)) {
        throw new ProtocolEncodeError('each unknown tagged field needs an integer tag and a Buffer of data').addPathSegment(UNKNOWN_TAGGED_FIELDS);
      }
      if (plan.taggedByTag.has(raw.tag)) {
        throw new ProtocolEncodeError(`tag ${raw.tag} is both a known field and an unknown tagged field`).addPathSegment(UNKNOWN_TAGGED_FIELDS);
      }
      pending.push({ tag: raw.tag, field: null, value: raw.data });
    }
    pending.sort((a, b) => a.tag - b.tag);
    for (let index = 1; index < pending.length; index++) {
      if (pending[index]!.tag === pending[index - 1]!.tag) {
        throw new ProtocolEncodeError(`unknown tagged field ${pending[index]!.tag} appears twice`).addPathSegment(UNKNOWN_TAGGED_FIELDS);
      }
    }
  }
  writer.writeUnsignedVarint(pending.length);
  for (const entry of pending) {
    writer.writeUnsignedVarint(entry.tag);
    if (entry.field === null) {
      const data = entry.value as Uint8Array;
      writer.writeUnsignedVarint(data.length);
      writer.writeRaw(data);
      continue;
    }
    const scratch = new WireWriter(64);
    try {
      writeField(scratch, entry.field, entry.value);
    } catch (error) {
      throw toEncodeError(error).addPathSegment(entry.field.name);
    }
    const bytes = scratch.toBuffer();
    writer.writeUnsignedVarint(bytes.length);
    writer.writeRaw(bytes);
  }
}

/** True if a tagged field's value equals its default, so it can be left off the wire. */
function isDefault(field: FieldPlan, value: unknown): boolean {
  if (field.defaultKind === DEFAULT_VALUE && field.defaultValue === null) return value === null;
  switch (field.kind) {
    case K_BYTES:
      return value instanceof Uint8Array && value.length === 0;
    case K_ARRAY:
      return Array.isArray(value) && value.length === 0;
    case K_STRUCT:
      return value !== null && typeof value === 'object' && structIsDefault(field.struct!, value as Struct);
    default:
      return value === field.defaultValue;
  }
}

function structIsDefault(plan: StructPlan, value: Struct): boolean {
  for (const field of plan.fields) {
    if (field.mode !== MODE_REGULAR && field.mode !== MODE_TAGGED) continue;
    const fieldValue = value[field.name];
    if (fieldValue !== undefined && !isDefault(field, fieldValue)) return false;
  }
  const unknown = value[UNKNOWN_TAGGED_FIELDS];
  return !(Array.isArray(unknown) && unknown.length > 0);
}
