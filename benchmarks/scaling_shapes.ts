// The view shapes of benchmarks/scaling.ts: each creates its tables and view, bulk-loads rows,
// hands out the next single-row change as SQL, and checks the view against what it tracked.
import type { Database } from '../src/index.js';
import { assert, fmtInt } from './common.js';

export type Op = 'insert' | 'update' | 'delete';

export interface Shape {
  name: string;
  /** Rows of state per unit of size (the join has two tables). */
  tables: number;
  setup(db: Database): Promise<void>;
  load(db: Database, from: number, to: number): void;
  /** The next change as SQL (untimed: it may read the view, as the topk shape does). */
  next(db: Database, i: number): Promise<{ op: Op; sql: string; params: unknown[] }>;
  check(db: Database): Promise<string>;
}

// v values of the topk shape: a bijection on uint32 (odd multiplier), so values are distinct and
// the row holding a value is found from the value (ownerOf[unscramble(v)]).
const A = 2654435761 | 0;
const A_INV = (() => {
  let x = A;
  for (let i = 0; i < 5; i++) x = Math.imul(x, 2 - Math.imul(A, x));
  return x;
})();
const scramble = (c: number) => Math.imul(c, A) >>> 0;
const unscramble = (v: number) => Math.imul(v, A_INV) >>> 0;

/** A random live row among the first `loaded`. */
function pickLive(alive: Uint8Array, loaded: number, rand: () => number): number {
  for (;;) {
    const id = Math.floor(rand() * loaded);
    if (alive[id]) return id;
  }
}

export function aggregateShape(cap: number, rand: () => number): Shape {
  const v = new Float64Array(cap);
  const alive = new Uint8Array(cap);
  let loaded = 0;
  let lastDeleted = -1;
  const pick = () => pickLive(alive, loaded, rand);
  return {
    name: 'aggregate',
    tables: 1,
    async setup(db) {
      await db.query('CREATE TABLE t (id int PRIMARY KEY, k int, v bigint)');
      await db.query('CREATE MATERIALIZED VIEW g AS SELECT k, sum(v), count(*) FROM t GROUP BY k');
    },
    load(db, from, to) {
      const rows: number[][] = [];
      for (let id = from; id < to; id++) {
        v[id] = id % 1000;
        alive[id] = 1;
        rows.push([id, id, id % 1000]);
      }
      db.insert('t', rows);
      loaded = to;
    },
    async next(_db, i) {
      const step = i % 3;
      if (step === 0) {
        const id = pick();
        alive[id] = 0;
        lastDeleted = id;
        return { op: 'delete', sql: 'DELETE FROM t WHERE id = $1', params: [id] };
      }
      if (step === 1) {
        const id = pick();
        v[id] = Math.floor(rand() * 1000);
        return { op: 'update', sql: 'UPDATE t SET v = $2 WHERE id = $1', params: [id, v[id]] };
      }
      const id = lastDeleted;
      alive[id] = 1;
      v[id] = Math.floor(rand() * 1000);
      return { op: 'insert', sql: 'INSERT INTO t VALUES ($1, $2, $3)', params: [id, id, v[id]] };
    },
    async check(db) {
      let n = 0;
      let s = 0;
      for (let id = 0; id < loaded; id++) if (alive[id]) (n++, (s += v[id]));
      const r = (await db.query<{ g: unknown; s: unknown; c: unknown }>('SELECT count(*) AS g, sum(sum) AS s, sum(count) AS c FROM g')).rows[0];
      assert(String(r.g) === String(n) && String(r.c) === String(n) && String(r.s) === String(s), `aggregate: view has ${r.g} groups, count ${r.c}, sum ${r.s}; expected ${n}, ${n}, ${s}`);
      return `aggregate: ${fmtInt(n)} groups, sum(count) and sum(sum) match`;
    },
  };
}

export function joinShape(cap: number, rand: () => number): Shape {
  // per side: each row's key and value, and per key: rows and sum of values
  const side = () => ({ k: new Int32Array(cap), val: new Int32Array(cap), alive: new Uint8Array(cap), n: new Int32Array(cap), sum: new Float64Array(cap) });
  const a = side();
  const b = side();
  let loaded = 0;
  const lastDeleted = [-1, -1];
  const pick = (s: typeof a) => pickLive(s.alive, loaded, rand);
  const put = (s: typeof a, id: number, k: number, val: number) => {
    s.k[id] = k;
    s.val[id] = val;
    s.alive[id] = 1;
    s.n[k]++;
    s.sum[k] += val;
  };
  const drop = (s: typeof a, id: number) => {
    s.alive[id] = 0;
    s.n[s.k[id]]--;
    s.sum[s.k[id]] -= s.val[id];
  };
  return {
    name: 'join',
    tables: 2,
    async setup(db) {
      await db.query('CREATE TABLE a (id int PRIMARY KEY, k int, x int)');
      await db.query('CREATE TABLE b (id int PRIMARY KEY, k int, y int)');
      await db.query('CREATE MATERIALIZED VIEW j AS SELECT a.id AS aid, b.id AS bid, a.x, b.y FROM a JOIN b ON a.k = b.k');
    },
    load(db, from, to) {
      const ra: number[][] = [];
      const rb: number[][] = [];
      for (let id = from; id < to; id++) {
        put(a, id, id, id % 1000);
        put(b, id, id, id % 997);
        ra.push([id, id, id % 1000]);
        rb.push([id, id, id % 997]);
      }
      db.insert('a', ra);
      db.insert('b', rb);
      loaded = to;
    },
    async next(_db, i) {
      // delete, update, insert on a, then the same on b
      const which = Math.floor(i / 3) % 2;
      const s = which === 0 ? a : b;
      const t = which === 0 ? 'a' : 'b';
      const col = which === 0 ? 'x' : 'y';
      const step = i % 3;
      if (step === 0) {
        const id = pick(s);
        drop(s, id);
        lastDeleted[which] = id;
        return { op: 'delete', sql: `DELETE FROM ${t} WHERE id = $1`, params: [id] };
      }
      if (step === 1) {
        const id = pick(s);
        const k = s.k[id];
        drop(s, id);
        put(s, id, k, Math.floor(rand() * 1000));
        return { op: 'update', sql: `UPDATE ${t} SET ${col} = $2 WHERE id = $1`, params: [id, s.val[id]] };
      }
      // put the deleted row back under a random existing key: some keys get two rows a side
      const id = lastDeleted[which];
      put(s, id, Math.floor(rand() * loaded), Math.floor(rand() * 1000));
      return { op: 'insert', sql: `INSERT INTO ${t} VALUES ($1, $2, $3)`, params: [id, s.k[id], s.val[id]] };
    },
    async check(db) {
      let n = 0;
      let sx = 0;
      let sy = 0;
      for (let k = 0; k < loaded; k++) {
        n += a.n[k] * b.n[k];
        sx += a.sum[k] * b.n[k];
        sy += b.sum[k] * a.n[k];
      }
      const r = (await db.query<{ n: unknown; sx: unknown; sy: unknown }>('SELECT count(*) AS n, sum(x) AS sx, sum(y) AS sy FROM j')).rows[0];
      assert(String(r.n) === String(n) && String(r.sx) === String(sx) && String(r.sy) === String(sy), `join: view has count ${r.n}, sum(x) ${r.sx}, sum(y) ${r.sy}; expected ${n}, ${sx}, ${sy}`);
      return `join: ${fmtInt(n)} view rows, sum(x) and sum(y) match`;
    },
  };
}

export function topKShape(cap: number, changes: number, rand: () => number): Shape {
  const v = new Float64Array(cap);
  const alive = new Uint8Array(cap);
  // ownerOf[c]: the row holding value scramble(c); counters past cap are fresh values of changes
  const ownerOf = new Int32Array(cap + changes).fill(-1);
  let fresh = cap;
  let loaded = 0;
  let lastDeleted = -1;
  const pick = () => pickLive(alive, loaded, rand);
  const setValue = (id: number) => {
    if (v[id] >= 0 && ownerOf[unscramble(v[id])] === id) ownerOf[unscramble(v[id])] = -1;
    const c = fresh++;
    v[id] = scramble(c);
    ownerOf[c] = id;
  };
  return {
    name: 'topk',
    tables: 1,
    async setup(db) {
      await db.query('CREATE TABLE t (id int PRIMARY KEY, v bigint)');
      await db.query('CREATE MATERIALIZED VIEW tk AS SELECT id, v FROM t ORDER BY v DESC LIMIT 10');
    },
    load(db, from, to) {
      const rows: number[][] = [];
      for (let id = from; id < to; id++) {
        v[id] = scramble(id);
        ownerOf[id] = id;
        alive[id] = 1;
        rows.push([id, v[id]]);
      }
      db.insert('t', rows);
      loaded = to;
    },
    async next(db, i) {
      const step = i % 3;
      if (step === 0) {
        let id: number;
        if (i % 9 === 0) {
          // the first of the top 10, read from the view (untimed)
          const top = Number((await db.query<{ v: unknown }>('SELECT v FROM tk ORDER BY v DESC LIMIT 1')).rows[0].v);
          id = ownerOf[unscramble(top)];
          assert(id >= 0 && alive[id] === 1, `topk: no live row holds the view's first value ${top}`);
        } else id = pick();
        alive[id] = 0;
        lastDeleted = id;
        return { op: 'delete', sql: 'DELETE FROM t WHERE id = $1', params: [id] };
      }
      if (step === 1) {
        const id = pick();
        setValue(id);
        return { op: 'update', sql: 'UPDATE t SET v = $2 WHERE id = $1', params: [id, v[id]] };
      }
      const id = lastDeleted;
      alive[id] = 1;
      setValue(id);
      return { op: 'insert', sql: 'INSERT INTO t VALUES ($1, $2)', params: [id, v[id]] };
    },
    async check(db) {
      const live: number[] = [];
      for (let id = 0; id < loaded; id++) if (alive[id]) live.push(v[id]);
      const want = live.sort((a, b) => b - a).slice(0, 10).join(',');
      const got = (await db.query<{ v: unknown }>('SELECT v FROM tk ORDER BY v DESC')).rows.map((r) => String(r.v)).join(',');
      assert(got === want, `topk: view has ${got}; expected ${want}`);
      return `topk: the 10 highest of ${fmtInt(live.length)} rows match`;
    },
  };
}
