// Random scalar expressions over a scope of columns, by category (exact numbers, floats,
// text, booleans, intervals). Expressions never raise errors unless the context gives them an
// error budget (`withErrs`): then a few error-prone nodes appear, each depending on a column so
// that no plan-time constant folding is involved (repros 12 and 20 are about folding).

import { has, isNum, multiRep, catOf, type Cat, type E, type G, type Scope, type Table, type Ty } from './types.js';

// ---- literals ------------------------------------------------------------------------------------

const NUM_LITS: E[] = [
  { sql: '1', ty: 'int', scale: 0 },
  { sql: '0', ty: 'int', scale: 0 },
  { sql: '2', ty: 'int', scale: 0 },
  { sql: '(-1)', ty: 'int', scale: 0 },
  { sql: '1.50', ty: 'numeric', scale: 2 },
  { sql: '3000000000', ty: 'bigint', scale: 0 },
];
/** With `scales`: literals equal to domain values but printed differently. */
const SCALE_LITS: E[] = [
  { sql: '1.5', ty: 'numeric', scale: 1 },
  { sql: '0.000', ty: 'numeric', scale: 3 },
  { sql: '2.0', ty: 'numeric', scale: 1 },
];
export const TEXT_LITS = ["'a'", "'b'", "''", "'ab'", "'B'", "'ba'"];
const NUMBERLIKE_TEXT_LITS = ["'1.5'", "'1.50'", "'0'", "'NaN'"];
const LIKE_PATTERNS = ["'a%'", "'%b'", "'_'", "'a_'", "'%'", "''", "'1.5%'"];
const FLOAT_LITS = ["CAST('-0' AS float8)", "CAST('Infinity' AS float8)", "CAST('-Infinity' AS float8)", "CAST('NaN' AS float8)", 'CAST(0.5 AS float8)', 'CAST(0 AS float8)', 'CAST(2 AS float8)'];
const IVL_LITS = ["CAST('1 day' AS interval)", "CAST('24 hours' AS interval)", "CAST('1 mon' AS interval)", "CAST('00:00:00' AS interval)", "CAST('-12:00:00' AS interval)"];

export function lit(g: G, cat: Cat): E {
  const r = g.r;
  switch (cat) {
    case 'num':
      return has(g, 'scales') && r.bool(0.25) ? r.pick(SCALE_LITS) : r.pick(NUM_LITS);
    case 'text':
      return { sql: has(g, 'textNumbers') && r.bool(0.3) ? r.pick(NUMBERLIKE_TEXT_LITS) : r.pick(TEXT_LITS), ty: 'text', scale: 0 };
    case 'bool':
      return { sql: r.pick(['true', 'false', 'NULL::boolean']), ty: 'bool', scale: 0 };
    case 'float':
      return { sql: r.pick(FLOAT_LITS), ty: 'float8', scale: null };
    case 'ivl':
      return { sql: r.pick(IVL_LITS), ty: 'interval', scale: null };
  }
}

// ---- helpers -------------------------------------------------------------------------------------

export function colOf(g: G, scope: Scope, cat: Cat): E | null {
  const cs = scope.filter((c) => catOf(c.ty) === cat);
  return cs.length ? g.r.pick(cs) : null;
}
const hasCat = (scope: Scope, cat: Cat) => scope.some((e) => catOf(e.ty) === cat);

/** A category to generate, weighted towards those that have columns in scope. */
export function someCat(g: G, scope: Scope, w: [number, number, number] = [6, 3, 1]): Cat {
  return g.r.weighted([
    [w[0], 'num'],
    [hasCat(scope, 'text') ? w[1] * 4 : 1, 'text'],
    [hasCat(scope, 'bool') ? w[2] * 4 : 1, 'bool'],
    [hasCat(scope, 'float') ? w[0] : 0, 'float'],
    [hasCat(scope, 'ivl') ? w[1] * 2 : 0, 'ivl'],
  ] as const);
}

const promote = (a: Ty, b: Ty): Ty =>
  a === 'numeric' || b === 'numeric' ? 'numeric' : a === 'bigint' || b === 'bigint' ? 'bigint' : a === 'smallint' && b === 'smallint' ? 'smallint' : 'int';
export const promoteNum = promote;
const maxScale = (a: E, b: E) => (a.scale === null || b.scale === null ? null : Math.max(a.scale, b.scale));
export const sameScale = (a: E, b: E) => (a.scale !== null && a.scale === b.scale ? a.scale : null);
const errOf = (...es: E[]) => es.some((e) => e.err);
const inexactOf = (...es: E[]) => es.some((e) => e.inexact || e.ty === 'numeric');
const F = (sql: string, inexact: boolean, err: boolean): E => ({ sql, ty: 'float8', scale: null, inexact, err });

export function expr(g: G, scope: Scope, cat: Cat, d: number): E {
  switch (cat) {
    case 'num':
      return numExpr(g, scope, d);
    case 'text':
      return textExpr(g, scope, d);
    case 'bool':
      return boolExpr(g, scope, d);
    case 'float':
      return floatExpr(g, scope, d);
    case 'ivl':
      return ivlExpr(g, scope, d);
  }
}

/** Take one unit of the error budget with probability p. */
function wantErr(g: G, scale = 1): boolean {
  if (g.errs <= 0 || !g.r.bool(g.errP * scale)) return false;
  g.errs--;
  g.made++;
  return true;
}

// ---- exact numbers -------------------------------------------------------------------------------

export function numExpr(g: G, scope: Scope, d: number): E {
  const r = g.r;
  if (wantErr(g)) {
    const e = numErr(g, scope);
    if (e) return e;
  }
  const hasCol = scope.some((c) => isNum(c.ty));
  const k = d > 0 ? 1 : 0;
  const what = r.weighted([
    [hasCol ? 10 : 0, 'col'],
    [2, 'lit'],
    [2 * k, 'add'],
    [1 * k, 'sub'],
    [1 * k, 'mul'],
    [1 * k, 'neg'],
    [1 * k, 'case'],
    [2 * k, 'coalesce'],
    [1 * k, 'nullif'],
    [1 * k, 'cast'],
    [has(g, 'scales') ? 1 * k : 0, 'rescale'],
    [hasCat(scope, 'float') ? 1 * k : 0, 'fromFloat'],
  ] as const);
  switch (what) {
    case 'col':
      return colOf(g, scope, 'num')!;
    case 'lit':
      return lit(g, 'num');
    case 'add':
    case 'sub': {
      const a = numExpr(g, scope, d - 1);
      const b = numExpr(g, scope, d - 1);
      return { sql: `(${a.sql} ${what === 'add' ? '+' : '-'} ${b.sql})`, ty: promote(a.ty, b.ty), scale: maxScale(a, b), err: errOf(a, b) };
    }
    case 'mul': {
      const a = numExpr(g, scope, d - 1);
      return { sql: `(${a.sql} * ${r.pick(['2', '3', '(-1)'])})`, ty: a.ty, scale: a.scale, err: a.err };
    }
    case 'neg': {
      const a = numExpr(g, scope, d - 1);
      return { sql: `(- ${a.sql})`, ty: a.ty, scale: a.scale, err: a.err };
    }
    case 'case': {
      const c = boolExpr(g, scope, d - 1);
      const a = numExpr(g, scope, d - 1);
      if (r.bool(0.3)) return { sql: `(CASE WHEN ${c.sql} THEN ${a.sql} END)`, ty: a.ty, scale: a.scale, err: errOf(c, a) };
      const b = numExpr(g, scope, d - 1);
      return { sql: `(CASE WHEN ${c.sql} THEN ${a.sql} ELSE ${b.sql} END)`, ty: promote(a.ty, b.ty), scale: sameScale(a, b), err: errOf(c, a, b) };
    }
    case 'coalesce': {
      const a = numExpr(g, scope, d - 1);
      const b = numExpr(g, scope, d - 1);
      return { sql: `COALESCE(${a.sql}, ${b.sql})`, ty: promote(a.ty, b.ty), scale: sameScale(a, b), err: errOf(a, b) };
    }
    case 'nullif': {
      const a = numExpr(g, scope, d - 1);
      return { sql: `NULLIF(${a.sql}, ${r.pick(['0', '1', '2'])})`, ty: a.ty, scale: a.scale, err: a.err };
    }
    case 'cast': {
      const a = numExpr(g, scope, d - 1);
      // numeric NaN and ±Infinity do not convert to bigint (0A000)
      const toBig = r.bool() && !(a.ty === 'numeric' && has(g, 'nonfinite'));
      return toBig
        ? { sql: `CAST(${a.sql} AS bigint)`, ty: 'bigint', scale: 0, err: a.err }
        : { sql: `(${a.sql})::numeric`, ty: 'numeric', scale: a.scale, err: a.err };
    }
    case 'rescale': {
      // the same value printed with another scale (1.5 + 0.00 = 1.50; trim_scale(1.50) = 1.5)
      const a = numExpr(g, scope, d - 1);
      const how = r.pick(['plus', 'trim', 'round'] as const);
      if (how === 'plus') return { sql: `(${a.sql} + 0.00)`, ty: 'numeric', scale: a.scale === null ? null : Math.max(a.scale, 2), err: a.err };
      if (how === 'trim') return { sql: `trim_scale(${a.sql})`, ty: 'numeric', scale: null, err: a.err };
      return { sql: `round(${a.sql}, 1)`, ty: 'numeric', scale: 1, err: a.err };
    }
    case 'fromFloat': {
      // float8 → numeric keeps NaN and ±Infinity (PostgreSQL 14 and later)
      const a = floatExpr(g, scope, d - 1);
      return { sql: `CAST(${a.sql} AS numeric)`, ty: 'numeric', scale: null, err: a.err };
    }
  }
}

/** An exact-number expression that raises an error on some column values. */
function numErr(g: G, all: Scope): E | null {
  const r = g.r;
  // base-table columns only: a view's column may be a constant PostgreSQL folds when it
  // inlines the view (an error at plan time)
  const scope = all.filter((c) => c.base);
  const nums = scope.filter((c) => isNum(c.ty));
  const texts = scope.filter((c) => catOf(c.ty) === 'text');
  const floats = scope.filter((c) => catOf(c.ty) === 'float');
  const what = r.weightedOrNull([
    [nums.length ? 4 : 0, 'div'],
    [nums.length ? 1 : 0, 'mod'],
    [nums.length ? 4 : 0, 'overflow'],
    [texts.length ? 2 : 0, 'textCast'],
    [floats.length ? 2 : 0, 'floatCast'],
    [g.scalar && scope.some((c) => /\.k$/.test(c.sql)) && has(g, 'errorsSubquery') ? 2 : 0, 'scalarSub'],
  ] as const);
  if (!what) return null;
  const base = () => noErrExpr(g, () => numExpr(g, all, 0));
  switch (what) {
    case 'div':
    case 'mod': {
      const a = base();
      const c = r.pick(nums);
      const b = `(${c.sql} - ${r.pick(['0', '1', '2'])})`;
      const ty = promote(a.ty, c.ty);
      return { sql: `(${a.sql} ${what === 'div' ? '/' : '%'} ${b})`, ty, scale: ty === 'numeric' ? null : 0, err: true };
    }
    case 'overflow': {
      const c = r.pick(nums);
      if (c.ty === 'int') return { sql: `(${c.sql} * 100000000)`, ty: 'int', scale: 0, err: true };
      if (c.ty === 'smallint') return { sql: `(${c.sql} * CAST(400 AS smallint))`, ty: 'smallint', scale: 0, err: true };
      if (c.ty === 'bigint') return r.bool() ? { sql: `(${c.sql} * 4000000000)`, ty: 'bigint', scale: 0, err: true } : { sql: `CAST(${c.sql} AS int)`, ty: 'int', scale: 0, err: true };
      return r.bool() ? { sql: `CAST(${c.sql} * 1000 AS int)`, ty: 'int', scale: 0, err: true } : { sql: `CAST(${c.sql} AS numeric(5,2))`, ty: 'numeric', scale: 2, err: true };
    }
    case 'textCast': {
      const c = r.pick(texts);
      return r.bool(0.7) ? { sql: `CAST(${c.sql} AS int)`, ty: 'int', scale: 0, err: true } : { sql: `CAST(${c.sql} AS numeric)`, ty: 'numeric', scale: null, err: true };
    }
    case 'floatCast': {
      const c = r.pick(floats);
      return { sql: `CAST(${c.sql} AS int)`, ty: 'int', scale: 0, err: true };
    }
    case 'scalarSub':
      return scalarSubquery(g, scope);
  }
}

function noErrExpr(g: G, f: () => E): E {
  const old = g.errs;
  g.errs = 0;
  try {
    return f();
  } finally {
    g.errs = old;
  }
}

/** (SELECT sq.x FROM t sq WHERE sq.k = a.k): 21000 when two rows match. */
function scalarSubquery(g: G, scope: Scope): E | null {
  const tables = g.scalar!;
  const t = g.r.pick(tables);
  const cols = t.cols.filter((c) => isNum(c.ty) && c.name !== 'k');
  const outer = g.r.pick(scope.filter((c) => /\.k$/.test(c.sql)));
  if (!cols.length) return null;
  const c = g.r.pick(cols);
  return { sql: `(SELECT sq.${c.name} FROM ${t.name} sq WHERE sq.k = ${outer.sql})`, ty: c.ty, scale: c.scale, err: true };
}

// ---- floats --------------------------------------------------------------------------------------

export function floatExpr(g: G, scope: Scope, d: number): E {
  const r = g.r;
  if (wantErr(g)) {
    const e = floatErr(g, scope);
    if (e) return e;
  }
  const hasCol = hasCat(scope, 'float');
  const k = d > 0 ? 1 : 0;
  const what = r.weighted([
    [hasCol ? 10 : 0, 'col'],
    [hasCol ? 2 : 4, 'lit'],
    [2 * k, 'add'],
    [1 * k, 'sub'],
    [2 * k, 'mul'],
    [1 * k, 'neg'],
    [1 * k, 'abs'],
    [1 * k, 'case'],
    [1 * k, 'coalesce'],
    [1 * k, 'nullif'],
    [1 * k, 'fromNum'],
  ] as const);
  switch (what) {
    case 'col':
      return colOf(g, scope, 'float')!;
    case 'lit':
      return lit(g, 'float');
    case 'add':
    case 'sub': {
      const a = floatExpr(g, scope, d - 1);
      const b = r.bool(0.7) ? floatExpr(g, scope, d - 1) : numExpr(g, scope, 0);
      return F(`(${a.sql} ${what === 'add' ? '+' : '-'} ${b.sql})`, inexactOf(a, b), errOf(a, b));
    }
    case 'mul': {
      // by 0 gives -0 for negative values and NaN for infinities
      const a = floatExpr(g, scope, d - 1);
      return F(`(${a.sql} * ${r.pick(['2', '(-1)', '0.5', '0'])})`, !!a.inexact, !!a.err);
    }
    case 'neg': {
      const a = floatExpr(g, scope, d - 1);
      return F(`(- ${a.sql})`, !!a.inexact, !!a.err);
    }
    case 'abs': {
      const a = floatExpr(g, scope, d - 1);
      return F(`abs(${a.sql})`, !!a.inexact, !!a.err);
    }
    case 'case': {
      const c = boolExpr(g, scope, d - 1);
      const a = floatExpr(g, scope, d - 1);
      const b = floatExpr(g, scope, d - 1);
      return F(`(CASE WHEN ${c.sql} THEN ${a.sql} ELSE ${b.sql} END)`, inexactOf(a, b), errOf(c, a, b));
    }
    case 'coalesce': {
      const a = floatExpr(g, scope, d - 1);
      const b = floatExpr(g, scope, d - 1);
      return F(`COALESCE(${a.sql}, ${b.sql})`, inexactOf(a, b), errOf(a, b));
    }
    case 'nullif': {
      const a = floatExpr(g, scope, d - 1);
      return F(`NULLIF(${a.sql}, ${r.pick(['0', "'NaN'", "'-Infinity'"])})`, !!a.inexact, !!a.err);
    }
    case 'fromNum': {
      const a = numExpr(g, scope, d - 1);
      return F(`CAST(${a.sql} AS float8)`, a.ty === 'numeric', !!a.err);
    }
  }
}

function floatErr(g: G, all: Scope): E | null {
  const r = g.r;
  const scope = all.filter((c) => c.base);
  const nums = scope.filter((c) => isNum(c.ty));
  const floats = scope.filter((c) => catOf(c.ty) === 'float');
  const texts = scope.filter((c) => catOf(c.ty) === 'text');
  const what = r.weightedOrNull([
    [nums.length ? 3 : 0, 'div'],
    [floats.length ? 3 : 0, 'overflow'],
    [floats.length ? 2 : 0, 'sqrt'],
    [texts.length ? 1 : 0, 'textCast'],
  ] as const);
  if (!what) return null;
  switch (what) {
    case 'div': {
      const a = noErrExpr(g, () => floatExpr(g, all, 0));
      return F(`(${a.sql} / (${r.pick(nums).sql} - ${r.pick(['0', '1'])}))`, true, true);
    }
    case 'overflow':
      // 22003 for finite values above 1.8; infinite inputs are allowed to give infinity
      return F(`(${r.pick(floats).sql} * CAST('1e308' AS float8))`, true, true);
    case 'sqrt':
      // 2201F for negative values; sqrt(-0) is -0, sqrt(NaN) NaN
      return F(`${r.pick(['sqrt', 'ln'])}(${r.pick(floats).sql})`, true, true);
    case 'textCast':
      return F(`CAST(${r.pick(texts).sql} AS float8)`, true, true);
  }
}

// ---- intervals -----------------------------------------------------------------------------------

export function ivlExpr(g: G, scope: Scope, d: number): E {
  const r = g.r;
  const I = (sql: string, err: boolean): E => ({ sql, ty: 'interval', scale: null, err });
  const nums = scope.filter((c) => c.base && isNum(c.ty) && /\.k$|^k$/.test(c.sql));
  if (nums.length && wantErr(g)) {
    const a = noErrExpr(g, () => ivlExpr(g, scope, 0));
    return I(`(${a.sql} / (${r.pick(nums).sql} - 1))`, true);
  }
  const hasCol = hasCat(scope, 'ivl');
  const k = d > 0 ? 1 : 0;
  const what = r.weighted([
    [hasCol ? 10 : 0, 'col'],
    [hasCol ? 2 : 4, 'lit'],
    [2 * k, 'add'],
    [1 * k, 'sub'],
    [1 * k, 'neg'],
    [1 * k, 'mul'],
    [2 * k, 'justify'],
    [1 * k, 'case'],
    [1 * k, 'coalesce'],
  ] as const);
  switch (what) {
    case 'col':
      return colOf(g, scope, 'ivl')!;
    case 'lit':
      return lit(g, 'ivl');
    case 'add':
    case 'sub': {
      const a = ivlExpr(g, scope, d - 1);
      const b = ivlExpr(g, scope, d - 1);
      return I(`(${a.sql} ${what === 'add' ? '+' : '-'} ${b.sql})`, errOf(a, b));
    }
    case 'neg': {
      const a = ivlExpr(g, scope, d - 1);
      return I(`(- ${a.sql})`, !!a.err);
    }
    case 'mul': {
      const a = ivlExpr(g, scope, d - 1);
      return I(`(${a.sql} * ${r.pick(['2', '(-1)', '0'])})`, !!a.err);
    }
    case 'justify': {
      const a = ivlExpr(g, scope, d - 1);
      return I(`${r.pick(['justify_hours', 'justify_days'])}(${a.sql})`, !!a.err);
    }
    case 'case': {
      const c = boolExpr(g, scope, d - 1);
      const a = ivlExpr(g, scope, d - 1);
      const b = ivlExpr(g, scope, d - 1);
      return I(`(CASE WHEN ${c.sql} THEN ${a.sql} ELSE ${b.sql} END)`, errOf(c, a, b));
    }
    case 'coalesce': {
      const a = ivlExpr(g, scope, d - 1);
      const b = ivlExpr(g, scope, d - 1);
      return I(`COALESCE(${a.sql}, ${b.sql})`, errOf(a, b));
    }
  }
}

// ---- text ----------------------------------------------------------------------------------------

export function textExpr(g: G, scope: Scope, d: number): E {
  const r = g.r;
  const hasCol = hasCat(scope, 'text');
  const k = d > 0 ? 1 : 0;
  const what = r.weighted([
    [hasCol ? 6 : 0, 'col'],
    [2, 'lit'],
    [2 * k, 'coalesce'],
    [1 * k, 'nullif'],
    [1 * k, 'case'],
    [1 * k, 'concat'],
    [1 * k, 'cast'],
  ] as const);
  const T = (sql: string, ...es: E[]): E => ({ sql, ty: 'text', scale: 0, err: errOf(...es) });
  switch (what) {
    case 'col':
      return colOf(g, scope, 'text')!;
    case 'lit':
      return lit(g, 'text');
    case 'coalesce': {
      const a = textExpr(g, scope, d - 1);
      const b = textExpr(g, scope, d - 1);
      return T(`COALESCE(${a.sql}, ${b.sql})`, a, b);
    }
    case 'nullif': {
      const a = textExpr(g, scope, d - 1);
      return T(`NULLIF(${a.sql}, ${r.pick(TEXT_LITS)})`, a);
    }
    case 'case': {
      const c = boolExpr(g, scope, d - 1);
      const a = textExpr(g, scope, d - 1);
      const b = textExpr(g, scope, d - 1);
      return T(`(CASE WHEN ${c.sql} THEN ${a.sql} ELSE ${b.sql} END)`, c, a, b);
    }
    case 'concat': {
      const a = textExpr(g, scope, d - 1);
      const b = textExpr(g, scope, d - 1);
      return T(`(${a.sql} || ${b.sql})`, a, b);
    }
    case 'cast': {
      // the text of a value shows its representation (1.50, -0, 24:00:00)
      const cat = r.weighted([
        [3, 'num'],
        [1, 'bool'],
        [hasCat(scope, 'float') ? 2 : 0, 'float'],
        [hasCat(scope, 'ivl') ? 2 : 0, 'ivl'],
      ] as const);
      const a = expr(g, scope, cat, d - 1);
      return T(`CAST(${a.sql} AS text)`, a);
    }
  }
}

// ---- booleans ------------------------------------------------------------------------------------

export function boolExpr(g: G, scope: Scope, d: number): E {
  const r = g.r;
  const texts = scope.filter((c) => catOf(c.ty) === 'text');
  const baseTexts = texts.filter((c) => c.base);
  if (baseTexts.length && wantErr(g, 0.5)) return { sql: `CAST(${r.pick(baseTexts).sql} AS boolean)`, ty: 'bool', scale: 0, err: true };
  const hasCol = scope.some((c) => c.ty === 'bool');
  const k = d > 0 ? 1 : 0;
  const what = r.weighted([
    [4, 'cmp'],
    [hasCol ? 3 : 0, 'col'],
    [2, 'isnull'],
    [2 * k, 'and'],
    [2 * k, 'or'],
    [1 * k, 'not'],
    [1, 'in'],
    [1, 'between'],
    [texts.length ? 2 : 0, 'like'],
    [1, 'distinct'],
    [1, 'lit'],
    [1 * k, 'istrue'],
    [g.sub ? 2 : 0, 'subquery'],
  ] as const);
  const B = (sql: string, ...es: E[]): E => ({ sql, ty: 'bool', scale: 0, err: errOf(...es) });
  const sub = () => Math.max(0, d - 1);
  switch (what) {
    case 'cmp': {
      const cat = someCat(g, scope);
      const a = expr(g, scope, cat, sub());
      const b = r.bool(0.5) ? lit(g, cat) : expr(g, scope, cat, sub());
      const op = cat === 'bool' ? r.pick(['=', '<>']) : r.pick(['=', '<', '>', '<>', '<=', '>=']);
      return B(`(${a.sql} ${op} ${b.sql})`, a, b);
    }
    case 'col':
      return colOf(g, scope, 'bool')!;
    case 'isnull': {
      const a = expr(g, scope, someCat(g, scope), sub());
      return B(`(${a.sql} IS ${r.bool() ? 'NOT ' : ''}NULL)`, a);
    }
    case 'and':
    case 'or': {
      const a = boolExpr(g, scope, d - 1);
      const b = boolExpr(g, scope, d - 1);
      return B(`(${a.sql} ${what === 'and' ? 'AND' : 'OR'} ${b.sql})`, a, b);
    }
    case 'not': {
      const a = boolExpr(g, scope, d - 1);
      return B(`(NOT ${a.sql})`, a);
    }
    case 'in': {
      if (texts.length && r.bool(0.3)) {
        const a = textExpr(g, scope, sub());
        return B(`(${a.sql} ${r.bool(0.3) ? 'NOT ' : ''}IN ('a', 'b'${r.bool(0.3) ? ', NULL' : ''}))`, a);
      }
      if (hasCat(scope, 'float') && r.bool(0.3)) {
        const a = floatExpr(g, scope, sub());
        return B(`(${a.sql} ${r.bool(0.3) ? 'NOT ' : ''}IN (0, 'NaN', 'Infinity'${r.bool(0.3) ? ', NULL' : ''}))`, a);
      }
      const a = numExpr(g, scope, sub());
      return B(`(${a.sql} ${r.bool(0.3) ? 'NOT ' : ''}IN (0, 1, 2${r.bool(0.3) ? ', NULL' : ''}))`, a);
    }
    case 'between': {
      const a = numExpr(g, scope, sub());
      return B(`(${a.sql} ${r.bool(0.2) ? 'NOT ' : ''}BETWEEN ${r.pick(['0', '(-1)', '1'])} AND ${r.pick(['2', '5', '1.50'])})`, a);
    }
    case 'like': {
      const a = textExpr(g, scope, sub());
      return B(`(${a.sql} ${r.bool(0.2) ? 'NOT ' : ''}LIKE ${r.pick(LIKE_PATTERNS)})`, a);
    }
    case 'distinct': {
      const cat = someCat(g, scope);
      const a = expr(g, scope, cat, sub());
      const b = r.bool(0.5) ? expr(g, scope, cat, sub()) : lit(g, cat);
      return B(`(${a.sql} IS ${r.bool() ? 'NOT ' : ''}DISTINCT FROM ${b.sql})`, a, b);
    }
    case 'lit':
      return lit(g, 'bool');
    case 'istrue': {
      const a = boolExpr(g, scope, d - 1);
      return B(`(${a.sql} IS ${r.pick(['TRUE', 'NOT TRUE', 'FALSE', 'NOT FALSE', 'UNKNOWN'])})`, a);
    }
    case 'subquery':
      return subqueryPred(g, scope);
  }
}

/** x [NOT] IN (SELECT …) or [NOT] EXISTS (SELECT …), sometimes correlated with the outer row. */
function subqueryPred(g: G, scope: Scope): E {
  const tables = g.sub!;
  // one level only: Tributary refuses (0A000) a subquery nested in a correlated one
  g.sub = null;
  try {
    return noErrExpr(g, () => subqueryPredIn(g, scope, tables));
  } finally {
    g.sub = tables;
  }
}

function subqueryPredIn(g: G, scope: Scope, tables: Table[]): E {
  const r = g.r;
  const t = r.pick(tables);
  const inner: Scope = t.cols.map((c) => ({ sql: `sq.${c.name}`, ty: c.ty, scale: c.scale }));
  const conds: string[] = [];
  if (r.bool(0.6)) {
    // correlate on a column category both sides have
    const cats = (['num', 'text', 'bool', 'float', 'ivl'] as Cat[]).filter((c) => hasCat(scope, c) && hasCat(inner, c));
    const numOuter = scope.filter((e) => e.ty === 'numeric' || catOf(e.ty) === 'float');
    if (has(g, 'textNumbers') && hasCat(inner, 'text') && numOuter.length && r.bool(0.3)) {
      // repro 05: the subquery sees the outer value's representation
      conds.push(`${colOf(g, inner, 'text')!.sql} = CAST(${r.pick(numOuter).sql} AS text)`);
    } else if (cats.length) {
      const cat = r.pick(cats);
      conds.push(`${colOf(g, inner, cat)!.sql} ${r.pick(['=', '=', '<', '<>'])} ${colOf(g, scope, cat)!.sql}`);
    }
  }
  if (r.bool(0.4)) conds.push(boolExpr(g, inner, 0).sql);
  const where = conds.length ? ` WHERE ${conds.join(' AND ')}` : '';
  const not = r.bool(0.3) ? 'NOT ' : '';
  const numIn = inner.filter((e) => isNum(e.ty));
  if (r.bool(0.5) && numIn.length) {
    const x = numExpr(g, scope, 0);
    return { sql: `(${x.sql} ${not}IN (SELECT ${r.pick(numIn).sql} FROM ${t.name} sq${where}))`, ty: 'bool', scale: 0 };
  }
  return { sql: `(${not}EXISTS (SELECT 1 FROM ${t.name} sq${where}))`, ty: 'bool', scale: 0 };
}

/** Expressions fit for a position that picks a representative of equal values. */
export const keyFit = (g: G, e: E) => has(g, 'reps') || !multiRep(e);
