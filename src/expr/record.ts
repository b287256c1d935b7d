// Anonymous composite values (PostgreSQL's `record`), as set-returning functions with OUT
// parameters produce them (information_schema._pg_expandarray → (x, n)). The type is `record`
// with a typmod naming a registered row descriptor, like PostgreSQL's "blessed" record typmods,
// so `(expr).field` binds statically. Values are PgRecord; the text form is record_out's.

import type { SqlType } from '../sql/types.js';
import type { Value } from './value.js';

export class PgRecord {
  constructor(readonly fields: readonly Value[]) {}
}

export interface RecordDescriptor {
  names: string[];
  types: SqlType[];
}

const descriptors: RecordDescriptor[] = [];
const byKey = new Map<string, number>();

/** The typmod of the record type with these fields (registered once per distinct shape). */
export function recordTypmod(names: string[], types: SqlType[]): number {
  const key = JSON.stringify([names, types.map((t) => [t.id, t.typmod])]);
  let k = byKey.get(key);
  if (k === undefined) {
    k = descriptors.length;
    descriptors.push({ names, types });
    byKey.set(key, k);
  }
  return k;
}

export function recordDescriptor(t: SqlType): RecordDescriptor | undefined {
  return t.id === 'record' ? descriptors[t.typmod] : undefined;
}

/** record_out: `(a,"b c",)`: NULL is empty; quoted when empty or holding special characters. */
export function formatRecord(r: PgRecord, t: SqlType, formatField: (v: Value, t: SqlType) => string | null): string {
  const d = recordDescriptor(t);
  const parts = r.fields.map((v, i) => {
    const s = formatField(v, d ? d.types[i] : t);
    if (s === null) return '';
    if (s === '' || /[(),"\\\s]/.test(s)) return '"' + s.replace(/(["\\])/g, '$1$1') + '"';
    return s;
  });
  return `(${parts.join(',')})`;
}
