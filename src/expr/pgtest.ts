// Test support: build an expression once, get both its SQL text (run on PGlite, which is
// real PostgreSQL) and its evaluation through our registry, casts and output functions.

import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll } from 'vitest';
import { formatType, type as mkType, typeOid, type SqlType, type TypeId } from '../sql/types.js';
import type { Value } from './value.js';
import { castFn, commonType } from './cast.js';
import { formatValue } from './format.js';
import { resolveFunction, resolveOperator } from './functions/registry.js';
import { SqlError } from '../errors.js';

export interface Built {
  type: SqlType;
  run: () => Value;
}

export interface Node {
  sql: string;
  build: () => Built;
}

function ty(t: TypeId | SqlType): SqlType {
  return typeof t === 'string' ? mkType(t) : t;
}

/** Type name for SQL text: bare bpchar must not read as character(1). */
function sqlType(t: SqlType): string {
  return t.id === 'bpchar' && t.typmod < 0 ? 'bpchar' : formatType(t);
}

function quote(s: string): string {
  return "'" + s.replace(/'/g, "''") + "'";
}

/** Typed literal 'text'::type. */
export function L(text: string, t: TypeId | SqlType): Node {
  const st = ty(t);
  return {
    sql: `${quote(text)}::${sqlType(st)}`,
    build: () => {
      const v = castFn(mkType('unknown'), st, true)(text);
      return { type: st, run: () => v };
    },
  };
}

/** Untyped literal 'text'. */
export function U(text: string): Node {
  return { sql: quote(text), build: () => ({ type: mkType('unknown'), run: () => text }) };
}

export function NULL(t: TypeId): Node {
  return { sql: `NULL::${sqlType(mkType(t))}`, build: () => ({ type: mkType(t), run: () => null }) };
}

function coerce(b: Built, to: SqlType): () => Value {
  if (b.type.id === to.id && (to.typmod < 0 || b.type.typmod === to.typmod)) return b.run;
  const f = castFn(b.type, to, false);
  return () => {
    const v = b.run();
    return v === null ? null : f(v);
  };
}

function call(impl: { strict: boolean; eval: (a: Value[]) => Value }, args: (() => Value)[]): () => Value {
  return () => {
    const vs = args.map((a) => a());
    if (impl.strict && vs.some((v) => v === null)) return null;
    return impl.eval(vs);
  };
}

/** Operator: O('+', a, b) or prefix O('-', a). */
export function O(op: string, a: Node, b?: Node): Node {
  const sql = b ? `(${a.sql} ${op} ${b.sql})` : `(${op} ${a.sql})`;
  return {
    sql,
    build: () => {
      const ba = a.build();
      const bb = b?.build();
      const r = bb ? resolveOperator(op, ba.type, bb.type) : resolveOperator(op, null, ba.type);
      const args = bb ? [coerce(ba, r.argTypes[0]), coerce(bb, r.argTypes[1])] : [coerce(ba, r.argTypes[0])];
      return { type: r.returnType, run: call(r.impl, args) };
    },
  };
}

const KEYWORD_FNS = new Set(['extract', 'position', 'substring', 'trim', 'overlay']);

export function F(name: string, ...args: Node[]): Node {
  return {
    sql: `${KEYWORD_FNS.has(name) ? 'pg_catalog.' : ''}${name}(${args.map((a) => a.sql).join(', ')})`,
    build: () => {
      const bs = args.map((a) => a.build());
      const r = resolveFunction(name, bs.map((b) => b.type));
      return { type: r.returnType, run: call(r.impl, bs.map((b, i) => coerce(b, r.argTypes[i]))) };
    },
  };
}

/** Explicit cast a::t. */
export function C(a: Node, t: TypeId | SqlType): Node {
  const st = ty(t);
  return {
    sql: `(${a.sql})::${sqlType(st)}`,
    build: () => {
      const b = a.build();
      const f = castFn(b.type, st, true);
      return {
        type: st,
        run: () => {
          const v = b.run();
          return v === null ? null : f(v);
        },
      };
    },
  };
}

/** COALESCE-like common type check: returns the common type's name. */
export function commonTypeName(types: TypeId[], context: string): string {
  return formatType(commonType(types.map((t) => mkType(t)), context));
}

export interface Outcome {
  text?: string | null;
  type?: string;
  error?: string;
}

export function runOurs(n: Node): Outcome {
  try {
    const b = n.build();
    const v = b.run();
    return { text: formatValue(v, b.type), type: String(typeOid(b.type)) };
  } catch (e) {
    if (e instanceof SqlError) return { error: `${e.code} ${e.message}` };
    throw e;
  }
}

const RAW_OIDS = [16, 20, 21, 23, 25, 700, 701, 1042, 1043, 1082, 1114, 1184, 1186, 1700, 3802, 705, 1007, 1009];
const raw: Record<number, (x: string) => string> = {};
for (const o of RAW_OIDS) raw[o] = (x) => x;

export async function runPg(db: PGlite, sql: string): Promise<Outcome> {
  try {
    const r = await db.query<unknown[]>(`SELECT ${sql}`, [], { rowMode: 'array', parsers: raw });
    const v = r.rows[0][0];
    return { text: v === null ? null : String(v), type: String(r.fields[0].dataTypeID) };
  } catch (e) {
    const err = e as { code?: string; message: string };
    return { error: `${err.code} ${err.message}` };
  }
}

/** One PGlite per test file (cold start is seconds): returns a getter valid inside tests. */
export function usePglite(): () => PGlite {
  let db: PGlite | undefined;
  beforeAll(async () => {
    db = new PGlite();
    await db.query('SELECT 1');
  }, 60_000);
  afterAll(async () => {
    await db?.close();
  });
  return () => db!;
}
