// Random programs for the metamorphic properties (test/support/metamorphic.ts): tables, groups
// of queries related by TLP or NoREC (as materialized views created before, between and after
// data changes, and as ad-hoc reads), and transactions of data changes.

import { boolExpr, expr, floatExpr, ivlExpr, numExpr, someCat } from './expr.js';
import type { Program } from './program.js';
import { genFrom, keyExpr, type Cfg } from './query.js';
import { createTableSql, genDml, genTables } from './schema.js';
import { catOf, has, type Cat, type ColInfo, type E, type Env, type G, type Scope } from './types.js';
import { groupQueries, type MetaGroup } from '../support/metamorphic.js';

export interface MetaProgram extends Program {
  groups: Record<string, MetaGroup>;
}

export interface MetaCfg extends Cfg {
  /** groups of related queries */
  groups: [number, number];
}

const list = (es: { sql: string }[]) => es.map((e, i) => `${e.sql} AS c${i}`).join(', ');
const colsOf = (es: E[]): ColInfo[] => es.map((e, i) => ({ name: `c${i}`, ty: e.ty, scale: e.scale, inexact: e.inexact }));

/** A group of related queries, and the output columns of its Q (for views reading it). */
function genGroup(g: G, env: Env, cfg: MetaCfg): { m: MetaGroup; cols: ColInfo[] } {
  const r = g.r;
  const from = genFrom(g, env, cfg);
  const pred = (d: number) => {
    g.sub = cfg.subqueries ? env.tables : null;
    try {
      return boolExpr(g, from.scope, d).sql;
    } finally {
      g.sub = null;
    }
  };
  const where = r.bool(0.3) ? pred(1) : undefined;
  const p = pred(2);
  const scanOrdered = from.singleTable && !/\bSELECT\b/.test(`${where ?? ''} ${p}`);
  const kind = r.weighted([
    [3, 'proj'],
    [2, 'distinct'],
    [3, 'agg'],
    [3, 'norec'],
  ] as const);
  if (kind === 'proj' || kind === 'norec') {
    const es = Array.from({ length: r.int(1, 3) }, () => expr(g, from.scope, someCat(g, from.scope, [5, 3, 2]), r.int(0, 2)));
    return { m: { kind, list: list(es), from: from.sql, where, p, scanOrdered }, cols: colsOf(es) };
  }
  if (kind === 'distinct') {
    const es = Array.from({ length: r.int(1, 3) }, () => keyExpr(g, from.scope, 1));
    return { m: { kind, list: list(es), from: from.sql, where, p, scanOrdered }, cols: colsOf(es) };
  }
  // aggregates that combine over partitions: count, sum (exact: no inexact floats), min, max
  const keys = Array.from({ length: r.weighted([[2, 1], [1, 0], [1, 2]] as const) }, () => keyExpr(g, from.scope, 1));
  const items: E[] = [...keys];
  const combine: MetaGroup['combine'] = keys.map(() => 'key' as const);
  items.push({ sql: 'count(*)', ty: 'bigint', scale: 0 });
  combine.push('sum');
  const n = r.int(1, 3);
  for (let i = 0; i < n; i++) {
    const how = r.pick(['sum', 'min', 'max'] as const);
    const e = aggArg(g, from.scope, how === 'sum');
    items.push({ sql: `${how}(${e.sql})`, ty: how === 'sum' && (e.ty === 'int' || e.ty === 'smallint') ? 'bigint' : how === 'sum' && e.ty === 'bigint' ? 'numeric' : e.ty, scale: null });
    combine.push(how);
  }
  const groupBy = keys.length ? keys.map((k) => k.sql).join(', ') : undefined;
  return { m: { kind: 'agg', list: list(items), from: from.sql, where, p, groupBy, combine, scanOrdered }, cols: colsOf(items) };
}

function aggArg(g: G, scope: Scope, sum: boolean): E {
  const r = g.r;
  const has = (c: Cat) => scope.some((e) => catOf(e.ty) === c);
  const cat = r.weighted([
    [4, 'num'],
    [has('float') ? 3 : 0, 'float'],
    [has('ivl') ? 2 : 0, 'ivl'],
    [!sum && has('text') ? 2 : 0, 'text'],
  ] as const);
  for (let i = 0; i < 4; i++) {
    const d = r.int(0, 1);
    const e = cat === 'num' ? numExpr(g, scope, d) : cat === 'float' ? floatExpr(g, scope, d) : cat === 'ivl' ? ivlExpr(g, scope, d) : expr(g, scope, 'text', d);
    // partial float sums added again would round differently unless every sum is exact
    if (!sum || !e.inexact) return e;
  }
  return { sql: '1', ty: 'int', scale: 0 };
}

export function genMetaProgram(g: G, cfg: MetaCfg): MetaProgram {
  const r = g.r;
  const tables = genTables(g, r.int(2, 3), cfg.values);
  const env: Env = { tables, views: [] };
  const stmts = tables.map(createTableSql);
  const groups: Record<string, MetaGroup> = {};
  const nGroups = r.int(cfg.groups[0], cfg.groups[1]);
  const nTx = r.int(cfg.txns[0], cfg.txns[1]);
  const adhoc: string[] = [];
  const addGroup = (i: number) => {
    const name = `m${i}`;
    const { m, cols } = genGroup(g, env, cfg);
    groups[name] = m;
    if (has(g, 'metamorphicViews') && r.bool(0.7)) {
      for (const [k, sql] of Object.entries(groupQueries(m))) stmts.push(`CREATE MATERIALIZED VIEW ${name}_${k} AS ${sql}`);
      // later groups may read this one's Q
      if (m.kind !== 'norec' && cfg.viewsOnViews) env.views.push({ name: `${name}_q`, cols, deps: [], meta: { picks: [], ordered: false } });
    } else adhoc.push(name);
  };
  let made = 0;
  const early = r.int(0, nGroups);
  while (made < early) addGroup(made++);
  for (let i = 0; i < nTx; i++) {
    const n = r.int(1, 3);
    const body = Array.from({ length: n }, () => genDml(g, env));
    stmts.push(...(n > 1 && r.bool(0.5) ? ['BEGIN', ...body, r.bool(0.85) ? 'COMMIT' : 'ROLLBACK'] : body));
    if (made < nGroups && r.bool(0.3)) addGroup(made++);
    if (adhoc.length && r.bool(0.5)) stmts.push(`-- check ${r.pick(adhoc)}`);
  }
  while (made < nGroups) addGroup(made++);
  stmts.push(genDml(g, env), genDml(g, env));
  for (const a of adhoc) stmts.push(`-- check ${a}`);
  return { stmts, views: new Map(), groups };
}

