// Random programs for the differential properties: tables, materialized views created before
// and between transactions (sometimes dropped and re-created), and transactions of data
// changes with the occasional ad-hoc read.

import type { ViewMeta } from '../support/differential.js';
import { genSelect, type Cfg } from './query.js';
import { createTableSql, genDml, genTables } from './schema.js';
import { has, type Env, type G } from './types.js';

export interface Program {
  stmts: string[];
  /** How each generated view or read picks representatives, by its statement. */
  views: Map<string, ViewMeta>;
}

function genTxn(g: G, env: Env, cfg: Cfg, views: Map<string, ViewMeta>): string[] {
  const r = g.r;
  const read = (inBlock = false) => {
    // an error-prone read of a view in a block would read the block's writes through the
    // view's plan (see differential.ts), so such reads take tables only
    const sel = genSelect(g, inBlock && cfg.errors ? { ...env, views: [] } : env, cfg);
    views.set(sel.sql, sel.meta);
    return sel.sql;
  };
  if (r.bool(0.08)) return [read()]; // an ad-hoc query
  const mode = r.weighted([
    [5, 'auto'],
    [4, 'commit'],
    [1, 'rollback'],
  ] as const);
  if (mode === 'auto') return [genDml(g, env)];
  const body = (n: number) => Array.from({ length: n }, () => (r.bool(0.05) ? read(true) : genDml(g, env)));
  if (!has(g, 'txnControl') || r.bool(0.5)) return ['BEGIN', ...body(r.int(1, 5)), mode === 'commit' ? 'COMMIT' : 'ROLLBACK'];
  // savepoints, chained blocks, read-only blocks (writes there fail with 25006; only ones that
  // cannot fail otherwise: which error a read-only write reports is a documented difference)
  if (r.bool(0.15)) {
    const t = r.pick(env.tables);
    return ['BEGIN READ ONLY', read(true), `DELETE FROM ${t.name} WHERE id = ${r.int(1, 5)}`, r.pick(['COMMIT', 'ROLLBACK'])];
  }
  const out = [r.pick(['BEGIN', 'START TRANSACTION']), ...body(r.int(0, 2))];
  if (r.bool(0.7)) {
    out.push('SAVEPOINT s1', ...body(r.int(1, 3)));
    out.push(r.bool(0.6) ? 'ROLLBACK TO SAVEPOINT s1' : 'RELEASE SAVEPOINT s1', ...body(r.int(0, 2)));
  }
  if (r.bool(0.3)) out.push(r.pick(['COMMIT AND CHAIN', 'ROLLBACK AND CHAIN']), ...body(r.int(1, 2)));
  out.push(mode === 'commit' ? 'COMMIT' : 'ROLLBACK');
  return out;
}

export function genProgram(g: G, cfg: Cfg): Program {
  const r = g.r;
  const tables = genTables(g, r.int(2, 3), cfg.values, cfg.errors);
  const env: Env = { tables, views: [] };
  const stmts = tables.map(createTableSql);
  const views = new Map<string, ViewMeta>();
  const nViews = r.int(cfg.views[0], cfg.views[1]);
  const nTx = r.int(cfg.txns[0], cfg.txns[1]);
  let created = 0;
  const dropped: string[] = [];
  const addView = () => {
    const name = dropped.length && r.bool(0.5) ? dropped.shift()! : `v${created}`;
    if (name === `v${created}`) created++;
    const sel = genSelect(g, env, cfg);
    const stmt = `CREATE MATERIALIZED VIEW ${name} AS ${sel.sql}`;
    stmts.push(stmt);
    views.set(stmt, sel.meta);
    env.views.push({ name, cols: sel.cols, deps: [...new Set(sel.sql.match(/\bv\d+\b/g) ?? [])], meta: sel.meta, err: sel.err });
  };
  const dropView = () => {
    const v = r.pick(env.views);
    const cascade = r.bool(0.6);
    stmts.push(`DROP MATERIALIZED VIEW ${v.name}${cascade ? ' CASCADE' : ''}`);
    const dependents = (name: string): string[] => env.views.filter((w) => w.deps.includes(name)).flatMap((w) => [w.name, ...dependents(w.name)]);
    const gone = new Set([v.name, ...dependents(v.name)]);
    if (gone.size > 1 && !cascade) return; // 2BP01 on both sides
    env.views = env.views.filter((w) => !gone.has(w.name));
    dropped.push(...gone);
  };
  const before = r.int(0, nViews);
  for (let i = 0; i < before; i++) addView();
  for (let i = 0; i < nTx; i++) {
    stmts.push(...genTxn(g, env, cfg, views));
    if (cfg.drops && env.views.length && r.bool(0.12)) dropView();
    if (env.views.length < nViews && (r.bool(0.3) || nTx - i - 1 <= nViews - env.views.length)) addView();
  }
  while (env.views.length < nViews) addView();
  // a final burst of changes so that late views are maintained too
  stmts.push(...genTxn(g, env, cfg, views), ...genTxn(g, env, cfg, views));
  return { stmts, views };
}
