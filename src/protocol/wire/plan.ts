/**
 * Per-version field plans. A schema covers every version of a message; before the codec walks it,
 * the schema is compiled once per (schema, version) into a plan that has already answered every
 * version question: which fields are on the wire and in what order, which travel as tagged fields,
 * which are compact, which may be null, what each absent field defaults to, and the least number of
 * bytes one element of each array can take (to reject hostile counts before allocating). The codec
 * then runs a flat switch over small records, with no version checks and no closures per field.
 *
 * Plans are cached in a WeakMap keyed by the schema object, one slot per version.
 */

import {
  type FieldSchema,
  type MessageSchema,
  type PrimitiveTypeName,
  type StructType,
  ZERO_UUID,
  inVersionRange,
  isFlexibleVersion,
} from './schema.js';

// Field kinds: one per wire encoding the codec switches on.
export const K_BOOL = 0;
export const K_INT8 = 1;
export const K_INT16 = 2;
export const K_INT32 = 3;
export const K_INT64 = 4;
export const K_UINT16 = 5;
export const K_UINT32 = 6;
export const K_FLOAT64 = 7;
export const K_UUID = 8;
export const K_STRING = 9;
export const K_BYTES = 10;
export const K_STRUCT = 11;
export const K_ARRAY = 12;

// Where a field is at this version.
export const MODE_ABSENT = 0;
export const MODE_REGULAR = 1;
export const MODE_TAGGED = 2;

// How an absent field gets its value.
/** `defaultValue` as is (primitives, null, the empty Buffer). */
export const DEFAULT_VALUE = 0;
/** A fresh empty array. */
export const DEFAULT_EMPTY_ARRAY = 1;
/** A fresh struct of defaults. */
export const DEFAULT_STRUCT = 2;

export interface FieldPlan {
  readonly name: string;
  readonly mode: number;
  readonly kind: number;
  /** Null is allowed at this version. */
  readonly nullable: boolean;
  /** Compact lengths (flexible version, unless the field opts out). */
  readonly compact: boolean;
  /** The tag, when mode is MODE_TAGGED; -1 otherwise. */
  readonly tag: number;
  /** STRUCT fields and arrays of structs: the struct's plan at this version. */
  readonly struct: StructPlan | null;
  /** ARRAY fields: the element, as a field plan (regular, never nullable). */
  readonly element: FieldPlan | null;
  /** ARRAY fields: the fewest bytes one element takes on the wire. */
  readonly elementMinBytes: number;
  readonly defaultKind: number;
  readonly defaultValue: unknown;
  /** The fewest bytes this field takes on the wire as a regular field. */
  readonly minBytes: number;
  /** The type name, for error messages. */
  readonly typeName: string;
}

export interface StructPlan {
  readonly name: string;
  readonly flexible: boolean;
  /** Every field in schema order (absent ones included: they get defaults when decoding). */
  readonly fields: readonly FieldPlan[];
  /** The fields on the wire in order, then the tagged ones by ascending tag. */
  readonly regular: readonly FieldPlan[];
  readonly tagged: readonly FieldPlan[];
  readonly taggedByTag: ReadonlyMap<number, FieldPlan>;
  /** The fewest bytes the struct takes on the wire. */
  readonly minBytes: number;
}

export interface MessagePlan {
  readonly schema: MessageSchema;
  readonly version: number;
  readonly root: StructPlan;
}

const EMPTY_BUFFER = Buffer.alloc(0);
const cache = new WeakMap<MessageSchema, (MessagePlan | undefined)[]>();

/**
 * The plan of `schema` at `version`, compiled on first use. The caller checks that the version is
 * valid first. Throws a plain Error if the schema itself is inconsistent (a bug, not bad input).
 */
export function messagePlan(schema: MessageSchema, version: number): MessagePlan {
  let plans = cache.get(schema);
  if (plans === undefined) {
    plans = [];
    cache.set(schema, plans);
  }
  let plan = plans[version];
  if (plan === undefined) {
    const flexible = isFlexibleVersion(schema, version);
    plan = { schema, version, root: compileStruct(schema.name, schema.fields, version, flexible, schema.name) };
    plans[version] = plan;
  }
  return plan;
}

function compileStruct(name: string, fields: readonly FieldSchema[], version: number, flexible: boolean, where: string): StructPlan {
  const all: FieldPlan[] = [];
  const regular: FieldPlan[] = [];
  const tagged: FieldPlan[] = [];
  const taggedByTag = new Map<number, FieldPlan>();
  let minBytes = flexible ? 1 : 0;
  for (const field of fields) {
    const plan = compileField(field, version, flexible, `${where}.${field.name}`);
    all.push(plan);
    if (plan.mode === MODE_REGULAR) {
      regular.push(plan);
      minBytes += plan.minBytes;
    } else if (plan.mode === MODE_TAGGED) {
      if (taggedByTag.has(plan.tag)) throw new Error(`${where}: tag ${plan.tag} is used twice at version ${version}`);
      tagged.push(plan);
      taggedByTag.set(plan.tag, plan);
    }
  }
  tagged.sort((a, b) => a.tag - b.tag);
  return { name, flexible, fields: all, regular, tagged, taggedByTag, minBytes };
}

const PRIMITIVE_KINDS: Record<PrimitiveTypeName, number> = {
  bool: K_BOOL,
  int8: K_INT8,
  int16: K_INT16,
  int32: K_INT32,
  int64: K_INT64,
  uint16: K_UINT16,
  uint32: K_UINT32,
  float64: K_FLOAT64,
  uuid: K_UUID,
  string: K_STRING,
  bytes: K_BYTES,
  records: K_BYTES,
};

const FIXED_SIZES: Partial<Record<PrimitiveTypeName, number>> = {
  bool: 1,
  int8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  float64: 8,
  uuid: 16,
};

const IMPLICIT_DEFAULTS: Partial<Record<PrimitiveTypeName, unknown>> = {
  bool: false,
  int8: 0,
  int16: 0,
  int32: 0,
  int64: 0,
  uint16: 0,
  uint32: 0,
  float64: 0,
  uuid: ZERO_UUID,
  string: '',
  bytes: EMPTY_BUFFER,
};

function compileField(field: FieldSchema, version: number, flexible: boolean, where: string): FieldPlan {
  let mode = MODE_ABSENT;
  if (inVersionRange(field.versions, version)) {
    mode = field.tag !== undefined && inVersionRange(field.taggedVersions, version) ? MODE_TAGGED : MODE_REGULAR;
  }
  if (mode === MODE_TAGGED && !flexible) throw new Error(`${where}: tagged at version ${version}, which is not flexible`);
  const nullable = mode !== MODE_ABSENT && inVersionRange(field.nullableVersions, version);
  const compact = flexible && (field.flexibleVersions === undefined || inVersionRange(field.flexibleVersions, version));
  const everNullable = field.nullableVersions !== undefined;
  const type = field.type;

  if (typeof type === 'string') {
    const kind = PRIMITIVE_KINDS[type];
    if (kind === undefined) throw new Error(`${where}: unknown type ${String(type)}`);
    if (everNullable && kind !== K_STRING && kind !== K_BYTES) throw new Error(`${where}: ${type} cannot be nullable`);
    let defaultValue: unknown;
    if (field.default !== undefined) defaultValue = field.default;
    else if (type === 'records') defaultValue = everNullable ? null : EMPTY_BUFFER;
    else defaultValue = IMPLICIT_DEFAULTS[type];
    checkDefault(defaultValue, type, everNullable, where);
    const fixed = FIXED_SIZES[type];
    const minBytes = fixed ?? (compact ? 1 : kind === K_STRING ? 2 : 4);
    return {
      name: field.name,
      mode,
      kind,
      nullable,
      compact,
      tag: mode === MODE_TAGGED ? field.tag! : -1,
      struct: null,
      element: null,
      elementMinBytes: 0,
      defaultKind: DEFAULT_VALUE,
      defaultValue,
      minBytes,
      typeName: type,
    };
  }

  if (field.default !== undefined && field.default !== null) {
    throw new Error(`${where}: arrays and structs only take the default null`);
  }
  if (field.default === null && !everNullable) throw new Error(`${where}: default null on a field that is never nullable`);
  const defaultKind = field.default === null ? DEFAULT_VALUE : 'array' in type ? DEFAULT_EMPTY_ARRAY : DEFAULT_STRUCT;

  if ('array' in type) {
    const elementType = type.array;
    let element: FieldPlan;
    if (typeof elementType === 'string') {
      if (elementType === 'records') throw new Error(`${where}: arrays of records are not supported`);
      element = compileField({ name: '', type: elementType, versions: [0, null] }, version, flexible, `${where}[]`);
      element = { ...element, compact, typeName: elementType };
    } else {
      const struct = compileStruct(elementType.struct, elementType.fields, version, flexible, `${where}[]`);
      element = structElement(struct, compact);
    }
    return {
      name: field.name,
      mode,
      kind: K_ARRAY,
      nullable,
      compact,
      tag: mode === MODE_TAGGED ? field.tag! : -1,
      struct: element.struct,
      element,
      elementMinBytes: Math.max(1, element.minBytes),
      defaultKind,
      defaultValue: null,
      minBytes: compact ? 1 : 4,
      typeName: `[]${typeof elementType === 'string' ? elementType : elementType.struct}`,
    };
  }

  const struct = compileStruct((type as StructType).struct, (type as StructType).fields, version, flexible, where);
  return {
    name: field.name,
    mode,
    kind: K_STRUCT,
    nullable,
    compact,
    tag: mode === MODE_TAGGED ? field.tag! : -1,
    struct,
    element: null,
    elementMinBytes: 0,
    defaultKind,
    defaultValue: null,
    // A nullable struct starts with an int8 presence marker (-1 null, 1 present).
    minBytes: nullable ? 1 : struct.minBytes,
    typeName: struct.name,
  };
}

function structElement(struct: StructPlan, compact: boolean): FieldPlan {
  return {
    name: '',
    mode: MODE_REGULAR,
    kind: K_STRUCT,
    nullable: false,
    compact,
    tag: -1,
    struct,
    element: null,
    elementMinBytes: 0,
    defaultKind: DEFAULT_STRUCT,
    defaultValue: null,
    minBytes: struct.minBytes,
    typeName: struct.name,
  };
}

function checkDefault(value: unknown, type: PrimitiveTypeName, nullable: boolean, where: string): void {
  if (value === null) {
    if (!nullable) throw new Error(`${where}: default null on a field that is never nullable`);
    return;
  }
  const ok =
    type === 'bool'
      ? typeof value === 'boolean'
      : type === 'string' || type === 'uuid'
        ? typeof value === 'string'
        : type === 'bytes' || type === 'records'
          ? Buffer.isBuffer(value)
          : typeof value === 'number';
  if (!ok) throw new Error(`${where}: default ${String(value)} does not fit type ${type}`);
}

/** A field's value when it is not on the wire (fresh arrays and structs each time). */
export function defaultOf(field: FieldPlan): unknown {
  if (field.defaultKind === DEFAULT_VALUE) return field.defaultValue;
  if (field.defaultKind === DEFAULT_EMPTY_ARRAY) return [];
  return defaultStruct(field.struct!);
}

export function defaultStruct(struct: StructPlan): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  const fields = struct.fields;
  for (let index = 0; index < fields.length; index++) {
    const field = fields[index]!;
    value[field.name] = defaultOf(field);
  }
  return value;
}
