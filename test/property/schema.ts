// Random tables, their values, and data changes (INSERT, UPDATE, DELETE, INSERT … SELECT).
//
// The value domains are small so that equal values meet often: with the `scales`, `float` and
// `interval` features most classes of equal values have several printed forms (1.5/1.50/1.500,
// 0/-0, '1 day'/'24 hours'), and UPDATEs rewrite a value into an equal but differently printed
// one (n + 0.00, trim_scale(n), -f, justify_hours(iv)) or touch a row without changing it (a new
// row version, hence a new creation order).

import { boolExpr, floatExpr, numExpr } from './expr.js';
import { has, isInt, withErrs, type Env, type G, type Scope, type Table, type Ty, SQL_TYPE } from './types.js';

const PREFIX: Record<Ty, string> = { int: 'i', smallint: 'h', bigint: 'b', numeric: 'n', text: 's', varchar: 'w', bool: 'f', float8: 'd', real: 'r', interval: 'iv' };

/**
 * `values`: mostly columns whose equal values print differently (when their features are on).
 * `nullable`: no PRIMARY KEY or NOT NULL, for error-prone programs: PostgreSQL 17 and later
 * fold `x IS NOT NULL` on a NOT NULL column to true (and then `e OR true` without evaluating
 * e), PostgreSQL 15 does not.
 */
export function genTables(g: G, n: number, values = false, nullable = false): Table[] {
  const r = g.r;
  const out: Table[] = [];
  const v = values ? 4 : 1;
  for (let t = 0; t < n; t++) {
    const pk = !nullable && r.bool(0.5);
    const cols: Table['cols'] = [
      { name: 'id', ty: 'int', scale: 0, notNull: pk },
      { name: 'k', ty: 'int', scale: 0, notNull: false },
    ];
    const extras = r.int(1, 3);
    for (let j = 0; j < extras; j++) {
      const ty = r.weighted([
        [3, 'int'],
        [has(g, 'scales') || has(g, 'nonfinite') ? 2 * v : 2, 'numeric'],
        [has(g, 'textNumbers') ? 2 * v : 2, 'text'],
        [2, 'bigint'],
        [1, 'bool'],
        [1, 'smallint'],
        [1, 'varchar'],
        [has(g, 'float') ? 3 * v : 0, 'float8'],
        [has(g, 'float') ? 1 * v : 0, 'real'],
        [has(g, 'interval') ? 2 * v : 0, 'interval'],
      ] as const);
      const scale = ty === 'numeric' ? (has(g, 'scales') || has(g, 'nonfinite') ? null : 2) : ty === 'float8' || ty === 'real' || ty === 'interval' ? null : 0;
      cols.push({ name: `${PREFIX[ty]}${j + 2}`, ty, scale, notNull: !nullable && r.bool(0.12) });
    }
    out.push({ name: `t${t}`, cols, pk });
  }
  return out;
}

export function createTableSql(t: Table): string {
  const cols = t.cols.map((c) => {
    let s = `${c.name} ${SQL_TYPE[c.ty]}`;
    if (c.name === 'id' && t.pk) s += ' PRIMARY KEY';
    else if (c.notNull) s += ' NOT NULL';
    return s;
  });
  return `CREATE TABLE ${t.name} (${cols.join(', ')})`;
}

const DOMAIN: Record<Ty, string[]> = {
  int: ['1', '0', '2', '(-1)', '5', '100', '(-7)'],
  bigint: ['1', '0', '42', '(-1)', '3000000000', '(-3000000000)'],
  numeric: ['1.50', '0.00', '(-2.25)', '3.00', '10.01', '0.10', '12345678.91', '(-0.01)'],
  smallint: ['1', '0', '2', '(-1)', '5', '100', '(-7)'],
  text: ["'a'", "'b'", "''", "'ab'", "'B'", "'ba'", "'abc'", "'é'", "'ｱ'", "'😀'", "'a b'"],
  varchar: ["'a'", "'b'", "''", "'ab'", "'B'", "'abc'", "'abcd'"],
  bool: ['true', 'false'],
  // sums of these are exact in any order of addition (no float rounding gray area)
  float8: ["'-0'", '0', '1', '(-1)', '0.5', '2.25', '(-0.75)', '100', "'Infinity'", "'-Infinity'", "'NaN'"],
  real: ["'-0'", '0', '1', '0.5', '(-2.25)', "'Infinity'", "'NaN'"],
  interval: ["'1 day'", "'24 hours'", "'1 mon'", "'30 days'", "'-1 day'", "'12:00:00'", "'00:00:00'", "'0 days'", "'1 day 02:00:00'", "'26 hours'"],
};
/** With `scales`: few classes of equal values, each printed several ways. */
const NUMERIC_SCALES = ['1.5', '1.50', '1.500', '0', '0.00', '(-0.0)', '2', '2.0', '(-2.25)', '12345678.91', '0.10', '0.1'];
const NUMERIC_NONFINITE = ["'NaN'", "'Infinity'", "'-Infinity'"];
/** With `textNumbers`: text that reads as numbers, so CAST(n AS text) finds matches. */
const TEXT_NUMBERS = ["'1.5'", "'1.50'", "'0'", "'-0'", "'NaN'", "'Infinity'", "'24:00:00'"];
/** With `errors`: text that casts to int, so casts succeed on some rows. */
const TEXT_INTS = ["'1'", "'-2'", "' 3'", "'t'"];

function domain(g: G, ty: Ty): string[] {
  if (ty === 'numeric') {
    const base = has(g, 'scales') ? NUMERIC_SCALES : DOMAIN.numeric;
    return has(g, 'nonfinite') ? base.concat(NUMERIC_NONFINITE) : base;
  }
  if (ty === 'text') {
    let d = DOMAIN.text;
    if (has(g, 'textNumbers')) d = d.concat(TEXT_NUMBERS);
    if (has(g, 'errors')) d = d.concat(TEXT_INTS);
    return d;
  }
  return DOMAIN[ty];
}

export function value(g: G, t: Table, c: Table['cols'][number]): string {
  const r = g.r;
  if (c.name === 'id') return t.pk ? String(r.int(1, 8)) : r.bool(0.15) ? 'NULL' : String(r.int(1, 5));
  if (c.name === 'k') return r.bool(0.15) ? 'NULL' : String(r.int(0, 3));
  if (r.bool(c.notNull ? 0.01 : 0.2)) return 'NULL';
  return r.pick(domain(g, c.ty));
}

export function tableScope(t: Table): Scope {
  return t.cols.map((c) => ({ sql: c.name, ty: c.ty, scale: c.scale, base: true }));
}

function genWhere(g: G, t: Table): string {
  const r = g.r;
  const w = r.weighted([
    [5, 'expr'],
    [3, 'id'],
    [1, 'none'],
  ] as const);
  if (w === 'none') return '';
  if (w === 'id') return ` WHERE id = ${r.int(1, t.pk ? 8 : 5)}`;
  return ` WHERE ${boolExpr(g, tableScope(t), 1).sql}`;
}

/** A new value for column c in an UPDATE: a constant, or an expression of the old value. */
function updateValue(g: G, t: Table, c: Table['cols'][number]): string {
  const r = g.r;
  if (c.name === 'id' && t.pk && has(g, 'pkUpdates') && r.bool(0.5)) return r.pick(['id + 1', 'id - 1', '- id', '9 - id']);
  if (c.name === 'id' || !r.bool(0.4)) return value(g, t, c);
  if (has(g, 'errors') && r.bool(0.3)) {
    // error-prone (overflow, division by zero): the whole statement fails on both sides
    const e = withErrs(g, 1, () => (c.ty === 'float8' ? floatExpr(g, tableScope(t), 1) : numExpr(g, tableScope(t), 1)));
    if (e.err && (isInt(c.ty) || c.ty === 'numeric' || c.ty === 'float8')) return e.sql;
  }
  switch (c.ty) {
    case 'int':
    case 'bigint':
    case 'smallint':
      return r.pick([`${c.name} + 1`, c.name]);
    case 'bool':
      return `NOT ${c.name}`;
    case 'numeric':
      // equal but differently printed (with `scales`), or a plain change
      return has(g, 'scales') ? r.pick([`${c.name} + 0.00`, `trim_scale(${c.name})`, `${c.name} * 2`, c.name]) : `${c.name} * 2`;
    case 'float8':
    case 'real':
      return r.pick([`- ${c.name}`, `${c.name} * 0`, `${c.name} + 1`, c.name]);
    case 'interval':
      return r.pick([`justify_hours(${c.name})`, `${c.name} + '1 hour'`, `${c.name} - '24 hours'`, c.name]);
    default:
      return r.bool() ? c.name : value(g, t, c);
  }
}

export function genDml(g: G, env: Env): string {
  const r = g.r;
  const t = r.pick(env.tables);
  const what = r.weighted([
    [8, 'insert'],
    [3, 'update'],
    [2, 'delete'],
    [1, 'insertSelect'],
    [1, 'insertCols'],
  ] as const);
  switch (what) {
    case 'insert': {
      const rows: string[] = [];
      const n = r.int(1, 6);
      const ids = new Set<string>();
      for (let i = 0; i < n; i++) {
        if (i > 0 && !t.pk && r.bool(0.2)) {
          rows.push(rows[i - 1]);
          continue;
        }
        const vals = t.cols.map((c) => value(g, t, c));
        // distinct keys within one INSERT (collisions with existing rows still happen)
        if (t.pk && ids.has(vals[0]) && !r.bool(0.05)) continue;
        ids.add(vals[0]);
        rows.push(`(${vals.join(', ')})`);
      }
      return `INSERT INTO ${t.name} VALUES ${rows.join(', ')}`;
    }
    case 'insertCols': {
      if (t.cols.some((c) => c.notNull && c.name !== 'id')) return `DELETE FROM ${t.name}${genWhere(g, t)}`;
      return `INSERT INTO ${t.name} (id, k) VALUES (${value(g, t, t.cols[0])}, ${value(g, t, t.cols[1])})`;
    }
    case 'insertSelect': {
      const src = r.pick(env.tables);
      if (t.cols.some((c) => c.notNull && c.name !== 'id')) return `DELETE FROM ${t.name}${genWhere(g, t)}`;
      if (src === t) return `INSERT INTO ${t.name} SELECT * FROM ${t.name}${genWhere(g, t)}`;
      return `INSERT INTO ${t.name} (id, k) SELECT ${t.pk ? 'id' : 'k'}, k FROM ${src.name}${genWhere(g, src)}`;
    }
    case 'update': {
      const sets: string[] = [];
      const n = r.int(1, 2);
      const cols = t.cols.filter((c) => c.name !== 'id' || r.bool(0.2));
      const used = new Set<string>();
      for (let i = 0; i < n; i++) {
        const c = r.pick(cols);
        if (used.has(c.name)) continue;
        used.add(c.name);
        sets.push(`${c.name} = ${updateValue(g, t, c)}`);
      }
      return `UPDATE ${t.name} SET ${sets.join(', ')}${genWhere(g, t)}`;
    }
    case 'delete':
      return `DELETE FROM ${t.name}${genWhere(g, t)}`;
  }
}
