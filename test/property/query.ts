// Random SELECTs for materialized views and ad-hoc reads: projections, aggregates with
// GROUP BY/HAVING/FILTER, DISTINCT and set operations over 1-3 joined sources (tables, views,
// derived tables). Each comes with the metadata the differential check needs to compare
// representatives (`QueryMeta`, see test/support/differential.ts).

import { boolExpr, colOf, expr, keyFit, lit, numExpr, promoteNum, sameScale, someCat } from './expr.js';
import { catOf, has, isNum, multiRep, noErrs, withErrs, type Cat, type ColInfo, type E, type Env, type G, type QueryMeta, type Scope } from './types.js';

export interface Cfg {
  /** Weights of 1, 2, 3 sources in FROM. */
  sources: [number, number, number];
  viewsOnViews: boolean;
  subqueries: boolean;
  /** topk: `row_number() … WHERE rn <= n` and `ORDER BY … LIMIT` (default weight 0). */
  kinds: { proj: number; agg: number; distinct: number; union: number; topk?: number };
  views: [number, number];
  txns: [number, number];
  /** Drop views (sometimes with CASCADE) between transactions. */
  drops?: boolean;
  /** Derived tables in FROM (default: as `subqueries`). */
  derived?: boolean;
  /** Error-prone expressions in views, reads and writes (needs the `errors` feature). */
  errors?: boolean;
  /** Tables mostly of floats, intervals and numerics of mixed scales (with their features). */
  values?: boolean;
}

interface Source {
  sql: string;
  alias: string;
  cols: ColInfo[];
  isTable: boolean;
  /** picks of a view or derived table read here (their representatives show through) */
  picks: string[];
}

export interface Sel {
  sql: string;
  cols: ColInfo[];
  meta: QueryMeta;
  /** has error-prone expressions */
  err?: boolean;
}

export function relScope(alias: string, cols: ColInfo[], base = false): Scope {
  return cols.map((c) => ({ sql: `${alias}.${c.name}`, ty: c.ty, scale: c.scale, inexact: c.inexact, base }));
}

const outCols = (es: { ty: E['ty']; scale: number | null; inexact?: boolean }[]): ColInfo[] => es.map((e, i) => ({ name: `c${i}`, ty: e.ty, scale: e.scale, inexact: e.inexact }));
const list = (es: { sql: string }[]) => es.map((e, i) => `${e.sql} AS c${i}`).join(', ');

export function genSource(g: G, env: Env, cfg: Cfg, alias: string, d = 0): Source {
  const r = g.r;
  const what = r.weighted([
    [5, 'table'],
    [cfg.viewsOnViews && env.views.length ? 3 : 0, 'view'],
    [(cfg.derived ?? cfg.subqueries) && d === 0 ? 1 : 0, 'sub'],
    [(cfg.derived ?? cfg.subqueries) && d === 0 ? 1 : 0, 'subsel'],
  ] as const);
  if (what === 'subsel') {
    // any kind of query (aggregate, DISTINCT, UNION, join) as a FROM item
    const sel = noErrs(g, () => genSelect(g, env, { ...cfg, subqueries: false, sources: [3, 1, 0] }));
    return { sql: `(${sel.sql}) ${alias}`, alias, cols: sel.cols, isTable: false, picks: sel.meta.picks };
  }
  if (what === 'table') {
    const t = r.pick(env.tables);
    return { sql: `${t.name} ${alias}`, alias, cols: t.cols, isTable: true, picks: [] };
  }
  if (what === 'view') {
    const v = r.pick(env.views);
    // PostgreSQL inlines the (plain) view and may plan its picks differently inside this query
    return { sql: `${v.name} ${alias}`, alias, cols: v.cols, isTable: false, picks: v.meta.picks };
  }
  const inner = genSource(g, env, cfg, 'q', d + 1);
  const scope = relScope('q', inner.cols);
  const n = r.int(1, 3);
  const es: E[] = [];
  // keep a join key available most of the time
  const kc = scope.find((c) => c.sql === 'q.k');
  if (kc && r.bool(0.7)) es.push(kc);
  noErrs(g, () => {
    while (es.length < n) es.push(expr(g, scope, someCat(g, scope), 1));
  });
  const where = r.bool(0.5) ? ` WHERE ${noErrs(g, () => boolExpr(g, scope, 1)).sql}` : '';
  return { sql: `(SELECT ${list(es)} FROM ${inner.sql}${where}) ${alias}`, alias, cols: outCols(es), isTable: false, picks: inner.picks };
}

interface From {
  sql: string;
  scope: Scope;
  /** a single base table: PostgreSQL reads it in creation order */
  singleTable: boolean;
  picks: string[];
}

/** FROM clause with 1-3 sources joined; returns its SQL and the scope of visible columns. */
export function genFrom(g: G, env: Env, cfg: Cfg): From {
  const r = g.r;
  const n = r.weighted([
    [cfg.sources[0], 1],
    [cfg.sources[1], 2],
    [cfg.sources[2], 3],
  ] as const);
  const aliases = ['a', 'b', 'c'];
  const first = genSource(g, env, cfg, 'a');
  let sql = first.sql;
  let scope = relScope('a', first.cols, first.isTable);
  const picks = [...first.picks];
  for (let i = 1; i < n; i++) {
    const s = genSource(g, env, cfg, aliases[i]);
    picks.push(...s.picks);
    const right = relScope(s.alias, s.cols, s.isTable);
    const kind = r.weighted([
      [3, 'JOIN'],
      [3, 'LEFT JOIN'],
      [2, 'RIGHT JOIN'],
      [3, 'FULL JOIN'],
      [1, 'CROSS JOIN'],
    ] as const);
    if (kind === 'CROSS JOIN') {
      sql += ` CROSS JOIN ${s.sql}`;
      scope = scope.concat(right);
      continue;
    }
    // equality on a same-typed pair, preferring the k columns
    const pairs: [E, E][] = [];
    for (const l of scope) for (const rr of right) if (l.ty === rr.ty && l.ty !== 'bool') pairs.push([l, rr]);
    const kPairs = pairs.filter(([l, rr]) => /\.k$/.test(l.sql) && /\.k$/.test(rr.sql));
    if (pairs.length === 0) {
      sql += ` CROSS JOIN ${s.sql}`;
      scope = scope.concat(right);
      continue;
    }
    if (n === 2 && first.isTable && s.isTable && r.bool(0.2)) {
      sql += ` ${kind} ${s.sql} USING (k)`;
      scope = scope.concat(right, [{ sql: 'k', ty: 'int', scale: 0 }]);
      continue;
    }
    const [l, rr] = kPairs.length && r.bool(0.7) ? r.pick(kPairs) : r.pick(pairs);
    let on = `${l.sql} = ${rr.sql}`;
    if (r.bool(0.3)) on += ` AND ${noErrs(g, () => boolExpr(g, scope.concat(right), 1)).sql}`;
    sql += ` ${kind} ${s.sql} ON ${on}`;
    scope = scope.concat(right);
  }
  return { sql, scope, singleTable: n === 1 && first.isTable, picks };
}

interface Agg {
  sql: string;
  out: E;
  /** the argument a representative is picked from (min/max, DISTINCT aggregates) */
  pick?: { arg: E; filter: string };
  distinct?: boolean;
}

function genAgg(g: G, scope: Scope): Agg {
  const r = g.r;
  const floats = scope.some((c) => catOf(c.ty) === 'float');
  const ivls = scope.some((c) => catOf(c.ty) === 'ivl');
  const what = r.weighted([
    [3, 'count*'],
    [2, 'count'],
    [2, 'countd'],
    [3, 'sum'],
    [1, 'sumd'],
    [2, 'avg'],
    [1, 'avgd'],
    [3, 'min'],
    [3, 'max'],
    [1, 'bool'],
  ] as const);
  let filterSql = '';
  const filter = () => {
    if (!r.bool(0.1)) return '';
    filterSql = noErrs(g, () => boolExpr(g, scope, 1)).sql;
    return ` FILTER (WHERE ${filterSql})`;
  };
  const big: E = { sql: '', ty: 'bigint', scale: 0 };
  const argOf = (cat: Cat, key: boolean): E => {
    for (let i = 0; i < 4; i++) {
      const e = expr(g, scope, cat, r.bool(0.3) ? 1 : 0);
      // float sums must be exact in any order (see the header of property.test.ts)
      if ((!key || keyFit(g, e)) && !e.inexact) return e;
    }
    const c = colOf(g, scope, cat);
    return c && (!key || keyFit(g, c)) ? c : lit(g, cat === 'float' || cat === 'ivl' ? 'num' : cat);
  };
  /** The category of a sum/avg argument: exact numbers, floats or intervals. */
  const sumCat = (): Cat =>
    r.weighted([
      [4, 'num'],
      [floats ? 3 : 0, 'float'],
      [ivls ? 2 : 0, 'ivl'],
    ] as const);
  switch (what) {
    case 'count*':
      return { sql: `count(*)${filter()}`, out: big };
    case 'count':
    case 'countd': {
      const e = expr(g, scope, someCat(g, scope), r.bool(0.3) ? 1 : 0);
      return { sql: `count(${what === 'countd' ? 'DISTINCT ' : ''}${e.sql})${filter()}`, out: big, distinct: what === 'countd' };
    }
    case 'sum':
    case 'sumd':
    case 'avg':
    case 'avgd': {
      const distinct = what === 'sumd' || what === 'avgd';
      const e = argOf(sumCat(), distinct);
      const sum = what === 'sum' || what === 'sumd';
      const f = filter();
      const sql = `${sum ? 'sum' : 'avg'}(${distinct ? 'DISTINCT ' : ''}${e.sql})${f}`;
      let out: E;
      if (e.ty === 'interval') out = { sql: '', ty: 'interval', scale: null };
      // a float average divides: inexact (sums over it would depend on the order)
      else if (e.ty === 'float8' || e.ty === 'real') out = { sql: '', ty: sum ? e.ty : 'float8', scale: null, inexact: !sum };
      else if (!sum) out = { sql: '', ty: 'numeric', scale: null };
      else out = e.ty === 'int' || e.ty === 'smallint' ? big : { sql: '', ty: 'numeric', scale: e.ty === 'bigint' ? 0 : e.scale };
      return { sql, out, distinct, pick: distinct && multiRep(e) ? { arg: e, filter: filterSql } : undefined };
    }
    case 'min':
    case 'max': {
      const cat: Cat = r.weighted([
        [4, 'num'],
        [scope.some((c) => catOf(c.ty) === 'text') ? 2 : 0, 'text'],
        [floats ? 3 : 0, 'float'],
        [ivls ? 2 : 0, 'ivl'],
      ] as const);
      let e = argOf(cat, true);
      // min/max of a constant with errors about: PostgreSQL plans it as `LIMIT 1` over the
      // input (planagg.c) and stops evaluating the WHERE at the first row that passes
      if (has(g, 'errors') && !/[a-z]\w*\.\w+/.test(e.sql)) {
        const cols = scope.filter((c) => keyFit(g, c) && c.ty !== 'bool');
        if (cols.length) e = r.pick(cols);
      }
      const f = filter();
      return { sql: `${what}(${e.sql})${f}`, out: { sql: '', ty: e.ty, scale: e.scale }, pick: multiRep(e) ? { arg: e, filter: filterSql } : undefined };
    }
    case 'bool': {
      const e = boolExpr(g, scope, 1);
      return { sql: `${r.pick(['bool_or', 'bool_and'])}(${e.sql})${filter()}`, out: { sql: '', ty: 'bool', scale: 0 } };
    }
  }
}

/** A key expression that references a column (GROUP BY rejects constants). */
export function keyExpr(g: G, scope: Scope, d: number): E {
  const r = g.r;
  for (let i = 0; i < 4; i++) {
    const cat = someCat(g, scope, [5, 3, 1]);
    const e = r.bool(0.3) ? expr(g, scope, cat, d) : colOf(g, scope, cat);
    if (e && keyFit(g, e) && /[a-z]\w*\.\w+|\bk\b/.test(e.sql) && !/^'/.test(e.sql) && !/^CAST\('/.test(e.sql)) return e;
  }
  return scope.find((e) => keyFit(g, e)) ?? scope[0];
}

/** An aggregate-level expression that can fail (22003, 22012) once groups reach some size. */
function aggErr(g: G): { sql: string; out: E } {
  const r = g.r;
  return r.pick([
    { sql: '(10 / (count(*) - 2))', out: { sql: '', ty: 'bigint' as const, scale: 0 } },
    { sql: 'CAST(count(*) * 10000 AS smallint)', out: { sql: '', ty: 'smallint' as const, scale: 0 } },
    { sql: '(count(*) * 4000000000000000000)', out: { sql: '', ty: 'bigint' as const, scale: 0 } },
  ]);
}

export function genSelect(g: G, env: Env, cfg: Cfg): Sel {
  const made = g.made;
  const sel = genSelectIn(g, { ...env, views: env.views.filter((v) => !v.err) }, cfg);
  return { ...sel, err: g.made > made };
}

function genSelectIn(g: G, env: Env, cfg: Cfg): Sel {
  const r = g.r;
  // one error-prone node per query: with two, which error PostgreSQL meets first depends on
  // the order it reads rows in
  const errs = cfg.errors && has(g, 'errors') ? 1 : 0;
  if (errs) g.errP = 0.5;
  const kind = r.weighted([
    [cfg.kinds.agg, 'agg'],
    [cfg.kinds.proj, 'proj'],
    [cfg.kinds.distinct, 'distinct'],
    [cfg.kinds.union, 'union'],
    [cfg.kinds.topk ?? 0, 'topk'],
  ] as const);
  if (kind === 'union') return genSetOp(g, env, cfg, errs);
  if (kind === 'topk') return genTopK(g, env, cfg);
  const from = genFrom(g, env, cfg);
  // A WHERE may raise errors only over a single table (PostgreSQL pushes conditions into join
  // inputs it may never read) and, without `errorsQuals`, as one predicate (no AND, OR or NOT
  // at its top: PostgreSQL runs top-level conjuncts cheapest first, a NULL constant first).
  const whereErrs = from.singleTable && r.bool(0.5) ? errs : 0;
  const hasWhere = r.bool(0.5);
  // no subquery beside an error-prone condition: PostgreSQL turns a top-level IN/EXISTS into
  // a semi-join and does not read the outer side when the subquery is empty
  g.sub = whereErrs ? null : env.tables;
  let whereE: E | null = null;
  try {
    if (hasWhere) whereE = withErrs(g, whereErrs, () => boolExpr(g, from.scope, whereErrs && !has(g, 'errorsQuals') ? 0 : 2));
  } finally {
    g.sub = null;
  }
  const where = whereE ? ` WHERE ${whereE.sql}` : '';
  const subqueryInWhere = /\bSELECT\b/.test(where);
  const errsLeft = whereE?.err ? 0 : errs;
  const input = `FROM ${from.sql}${where}`;
  const pickOf = (e: E, filter = '') => `SELECT ${e.sql} AS x ${input}${filter ? (where ? ` AND (${filter})` : ` WHERE ${filter}`) : ''}`;
  const ordered = from.singleTable && !subqueryInWhere && has(g, 'repsOrdered');
  if (kind === 'proj') {
    const es = withErrs(g, errsLeft, () => {
      g.scalar = has(g, 'errorsSubquery') ? env.tables : null;
      try {
        return Array.from({ length: r.int(1, 4) }, () => expr(g, from.scope, someCat(g, from.scope, [5, 3, 2]), r.int(0, 2)));
      } finally {
        g.scalar = null;
      }
    });
    return { sql: `SELECT ${list(es)} ${input}`, cols: outCols(es), meta: { picks: from.picks, ordered: false } };
  }
  if (kind === 'distinct') {
    const es = withErrs(g, errsLeft, () => Array.from({ length: r.int(1, 3) }, () => keyExpr(g, from.scope, 1)));
    const picks = from.picks.concat(es.filter(multiRep).map((e) => pickOf(e)));
    return { sql: `SELECT DISTINCT ${list(es)} ${input}`, cols: outCols(es), meta: { picks, ordered: ordered && !from.picks.length } };
  }
  // aggregate
  return withErrs(g, errsLeft, () => {
    const keys = Array.from({ length: r.weighted([[2, 1], [1, 0], [1, 2]] as const) }, () => keyExpr(g, from.scope, 1));
    const aggs = Array.from({ length: r.int(1, 3) }, () => genAgg(g, from.scope));
    const items: { sql: string; out: E }[] = [...keys.map((k) => ({ sql: k.sql, out: k })), ...aggs];
    if (g.errs > 0 && r.bool(0.3)) {
      items.push(aggErr(g));
      g.errs--;
      g.made++;
    }
    const ordinal = r.bool(0.3);
    const groupBy = keys.length ? ` GROUP BY ${keys.map((k, i) => (ordinal ? String(i + 1) : k.sql)).join(', ')}` : '';
    let having = '';
    if (r.bool(0.25)) {
      const h = r.pick(['count(*) > 1', 'count(*) < 3', 'count(*) = 1']);
      having = ` HAVING ${h}`;
      if (r.bool(0.4)) {
        const a = genAgg(g, from.scope);
        if (isNum(a.out.ty)) having = ` HAVING ${a.sql} > ${r.pick(['0', '1', '2'])}`;
        else having = ` HAVING ${a.sql} IS NOT NULL`;
      }
    }
    const picks = from.picks.concat(
      keys.filter(multiRep).map((k) => pickOf(k)),
      aggs.flatMap((a) => (a.pick ? [pickOf(a.pick.arg, a.pick.filter)] : [])),
    );
    // DISTINCT aggregates sort their input (and make GROUP BY sort): an unstable order
    const sorted = aggs.some((a) => a.distinct) || /\b(count|sum|avg)\(DISTINCT/.test(having);
    return {
      sql: `SELECT ${list(items)} ${input}${groupBy}${having}`,
      cols: outCols(items.map((it) => it.out)),
      meta: { picks, ordered: ordered && !sorted && !from.picks.length },
    };
  });
}

/** UNION / INTERSECT / EXCEPT [ALL] of two single-source branches. */
function genSetOp(g: G, env: Env, cfg: Cfg, errs: number): Sel {
  const r = g.r;
  const n = r.int(1, 3);
  const cats = Array.from({ length: n }, () =>
    r.weighted([
      [5, 'num'],
      [3, 'text'],
      [1, 'bool'],
      [has(g, 'float') ? 2 : 0, 'float'],
      [has(g, 'interval') ? 1 : 0, 'ivl'],
    ] as const),
  );
  const all = r.bool(0.6);
  const setOp = r.weighted([[3, 'UNION'], [1, 'INTERSECT'], [1, 'EXCEPT']] as const);
  // set operations other than UNION ALL pick one representative of equal values
  const picking = !all || setOp !== 'UNION';
  const branch = (left: boolean) => {
    const s = genSource(g, env, cfg, 'a');
    const scope = relScope('a', s.cols, s.isTable);
    // PostgreSQL may skip an input of INTERSECT when the other is empty (it reads first the
    // one with fewer estimated groups), and (from 18 on) EXCEPT's right input when the left is
    const branchErrs = setOp === 'UNION' || (setOp === 'EXCEPT' && left) ? errs : 0;
    const es = withErrs(g, branchErrs, () =>
      cats.map((c) => {
        let e = expr(g, scope, c, r.bool(0.3) ? 1 : 0);
        // without `reps`, values that may print differently are compared as their text where
        // a representative is picked (in both inputs: their scales may differ too)
        if (picking && !has(g, 'reps') && c !== 'text' && c !== 'bool') e = { sql: `CAST(${e.sql} AS text)`, ty: 'text', scale: 0, err: e.err };
        return e;
      }),
    );
    const where = r.bool(0.5) ? ` WHERE ${noErrs(g, () => boolExpr(g, scope, 1)).sql}` : '';
    return { sql: `SELECT ${list(es)} FROM ${s.sql}${where}`, es, source: s };
  };
  const b1 = branch(true);
  const b2 = branch(false);
  const out = b1.es.map((e, i) => {
    const f = b2.es[i];
    if (isNum(e.ty) && isNum(f.ty)) return { ty: promoteNum(e.ty, f.ty), scale: sameScale(e, f) };
    if (e.ty !== f.ty && catOf(e.ty) === 'float') return { ty: 'float8' as const, scale: null };
    return { ty: e.ty, scale: e.scale };
  });
  const sql = `${b1.sql} ${setOp} ${all ? 'ALL ' : ''}${b2.sql}`;
  const inherited = b1.source.picks.concat(b2.source.picks);
  const picks = picking ? out.flatMap((c, i) => (multiRep(c) ? [`SELECT c${i} AS x FROM (${b1.sql} UNION ALL ${b2.sql}) p`] : [])) : [];
  return {
    sql,
    cols: outCols(out),
    // INTERSECT may read its right input first (PostgreSQL puts the input with fewer
    // estimated groups first), so only UNION and EXCEPT follow creation order
    meta: { picks: inherited.concat(picks), ordered: b1.source.isTable && b2.source.isTable && setOp !== 'INTERSECT' && has(g, 'repsOrdered') },
  };
}

/**
 * A top-k: the first rows of each partition by `row_number()` or DISTINCT ON, or of all rows
 * by ORDER BY … LIMIT. The order is by every selected expression, so rows it does not tell apart are equal
 * (PostgreSQL would otherwise pick among ties as it reads them); an expression whose equal
 * values may print differently is ordered and shown as its text.
 */
function genTopK(g: G, env: Env, cfg: Cfg): Sel {
  const r = g.r;
  const from = genFrom(g, env, cfg);
  const where = r.bool(0.4) ? ` WHERE ${noErrs(g, () => boolExpr(g, from.scope, 1)).sql}` : '';
  const es = noErrs(g, () =>
    Array.from({ length: r.int(1, 3) }, (): E => {
      const e = expr(g, from.scope, someCat(g, from.scope, [5, 3, 2]), r.int(0, 1));
      return multiRep(e) ? { sql: `CAST(${e.sql} AS text)`, ty: 'text', scale: 0 } : e;
    }),
  );
  const dirs = es.map(() => r.pick(['', ' DESC', ' ASC NULLS FIRST', ' DESC NULLS LAST']));
  const n = r.int(0, 4);
  if (r.bool(0.4)) {
    const order = es.map((_, i) => `${r.bool(0.5) ? `c${i}` : String(i + 1)}${dirs[i]}`);
    const offset = r.bool(0.3) ? ` OFFSET ${r.int(0, 2)}` : '';
    return { sql: `SELECT ${list(es)} FROM ${from.sql}${where} ORDER BY ${order.join(', ')} LIMIT ${n}${offset}`, cols: outCols(es), meta: { picks: from.picks, ordered: false } };
  }
  if (r.bool(0.25)) {
    // DISTINCT ON: its items lead the ORDER BY, every other column follows
    const on = es.map((_, i) => i).filter((i) => i === 0 || r.bool(0.3));
    const rest = es.map((_, i) => i).filter((i) => !on.includes(i));
    const order = [...on, ...rest].map((i) => `c${i}${dirs[i]}`);
    return {
      sql: `SELECT DISTINCT ON (${on.map((i) => `c${i}`).join(', ')}) ${list(es)} FROM ${from.sql}${where} ORDER BY ${order.join(', ')}`,
      cols: outCols(es),
      meta: { picks: from.picks, ordered: false },
    };
  }
  // a window's PARTITION BY and ORDER BY read the input's columns, not the output's names
  const parts = es.flatMap((e) => (r.bool(0.4) ? [e.sql] : []));
  const partition = parts.length ? `PARTITION BY ${parts.join(', ')} ` : '';
  const over = es.map((e, i) => `${e.sql}${dirs[i]}`);
  const bound = r.pick([`rn <= ${n}`, `rn < ${n + 1}`, `rn = ${Math.max(1, n)}`, `${n} >= rn`, `rn <= ${n + 1} AND rn > 1`, `rn BETWEEN 2 AND ${n + 2}`]);
  const withRn = r.bool(0.5);
  const inner = `SELECT ${list(es)}, row_number() OVER (${partition}ORDER BY ${over.join(', ')}) AS rn FROM ${from.sql}${where}`;
  const outs = es.map((_, i) => `t.c${i} AS c${i}`).concat(withRn ? [`t.rn AS c${es.length}`] : []);
  const extra = r.bool(0.2) ? ` AND ${es[0] ? `t.c0 IS NOT NULL` : 'true'}` : '';
  return {
    sql: `SELECT ${outs.join(', ')} FROM (${inner}) t WHERE ${bound}${extra}`,
    cols: outCols(withRn ? [...es, { sql: '', ty: 'bigint', scale: 0 }] : es),
    meta: { picks: from.picks, ordered: false },
  };
}
