// Kafka Connect's JsonConverter envelope ({"schema": …, "payload": …}) and what a field's
// schema says about how its value is encoded (Debezium's and Connect's logical types).

import { isRecord, type Json, type JsonRecord } from './json_text.js';

/** A message value with its Connect schema, when it came wrapped in one. */
export interface Unwrapped {
  payload: Json;
  schema: JsonRecord | null;
}

/** The envelope is an object with exactly the fields schema and payload. */
export function unwrap(v: Json): Unwrapped {
  if (isRecord(v) && 'payload' in v && 'schema' in v) {
    let n = 0;
    for (const _ in v) if (++n > 2) return { payload: v, schema: null };
    return { payload: v.payload, schema: isRecord(v.schema) ? v.schema : null };
  }
  return { payload: v, schema: null };
}

/** How a value is encoded, beyond its JSON type, when its schema says so. */
export type Encoding =
  /** An integer count of days, or of a unit since 1970-01-01 00:00 UTC. */
  | { kind: 'epoch'; unit: 'days' | 'millis' | 'micros' | 'nanos' }
  /** An integer count of a unit since midnight (a time of day). */
  | { kind: 'time'; unit: 'millis' | 'micros' | 'nanos' }
  /** org.apache.kafka.connect.data.Decimal: base64 of the big-endian two's-complement unscaled value. */
  | { kind: 'decimal'; scale: number }
  /** io.debezium.data.VariableScaleDecimal: {scale, value: base64}. */
  | { kind: 'variable_decimal' }
  /** A string holding JSON text (io.debezium.data.Json). */
  | { kind: 'json_text' }
  /** A plain string (decimal text in decimal.handling.mode=string; a jsonb string value). */
  | { kind: 'string' }
  /** io.debezium.time.MicroDuration: microseconds with 30.4375-day months, not exact. */
  | { kind: 'approximate_duration' }
  | { kind: 'array'; items: Encoding | null };

const EPOCH_NAMES: Record<string, Encoding> = {
  'io.debezium.time.Date': { kind: 'epoch', unit: 'days' },
  'org.apache.kafka.connect.data.Date': { kind: 'epoch', unit: 'days' },
  'io.debezium.time.Timestamp': { kind: 'epoch', unit: 'millis' },
  'org.apache.kafka.connect.data.Timestamp': { kind: 'epoch', unit: 'millis' },
  'io.debezium.time.MicroTimestamp': { kind: 'epoch', unit: 'micros' },
  'io.debezium.time.NanoTimestamp': { kind: 'epoch', unit: 'nanos' },
  'io.debezium.time.Time': { kind: 'time', unit: 'millis' },
  'org.apache.kafka.connect.data.Time': { kind: 'time', unit: 'millis' },
  'io.debezium.time.MicroTime': { kind: 'time', unit: 'micros' },
  'io.debezium.time.NanoTime': { kind: 'time', unit: 'nanos' },
  'io.debezium.data.VariableScaleDecimal': { kind: 'variable_decimal' },
  'io.debezium.data.Json': { kind: 'json_text' },
  'io.debezium.time.MicroDuration': { kind: 'approximate_duration' },
};
const STRING: Encoding = { kind: 'string' };

/**
 * The encoding a field schema declares, with a key naming it (equal keys, equal encodings),
 * or null when the field's JSON type says all (plain numbers, booleans, structs, …).
 */
export function fieldEncoding(schema: JsonRecord): { key: string; encoding: Encoding } | null {
  const name = schema.name;
  if (typeof name === 'string') {
    if (name === 'org.apache.kafka.connect.data.Decimal') {
      const params = schema.parameters;
      const scale = isRecord(params) ? Number(params.scale) : NaN;
      // a schema without a usable scale leaves the value to the column's own rules
      if (!Number.isInteger(scale)) return null;
      return { key: `${name}/${scale}`, encoding: { kind: 'decimal', scale } };
    }
    const e = EPOCH_NAMES[name];
    if (e !== undefined && Object.prototype.hasOwnProperty.call(EPOCH_NAMES, name)) return { key: name, encoding: e };
  }
  if (schema.type === 'string') return { key: 'string', encoding: STRING };
  if (schema.type === 'array' && isRecord(schema.items)) {
    const items = fieldEncoding(schema.items);
    return { key: `array<${items?.key ?? ''}>`, encoding: { kind: 'array', items: items?.encoding ?? null } };
  }
  return null;
}

/** The fields of a struct schema, or null when it is not one. */
export function structFields(schema: JsonRecord | null): JsonRecord[] | null {
  if (schema === null || !Array.isArray(schema.fields)) return null;
  return schema.fields.filter(isRecord);
}

/** The struct schema of field `name` of a struct schema (Debezium's before/after). */
export function fieldStruct(schema: JsonRecord | null, ...names: string[]): JsonRecord | null {
  const fields = structFields(schema);
  if (fields === null) return null;
  for (const name of names) {
    for (const f of fields) if (f.field === name && Array.isArray(f.fields)) return f;
  }
  return null;
}
