// Memory of stream tables: Nexmark events from the built-in generator through one query at a
// time, each in its own process, with the resident set size sampled as the events flow. The
// stream tables are append-only (they keep no rows); stateless queries are subscriptions
// without a snapshot (nothing is kept), stateful ones materialized views (they keep their
// state). Usage: npx tsx benchmarks/stream_memory.ts [events] [query ...]

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Database } from '../src/index.js';
import { parseSql } from '../src/sql/parser.js';
import { bindMaintainedQuery } from '../src/engine/ddl.js';
import { JoinOp } from '../src/dataflow/operators/join.js';
import { NEXMARK, NEXMARK_COLUMNS, type NexmarkQuery } from './nexmark_queries.js';

/** `stateless` ones are subscribed to without a snapshot; the others are materialized views. */
interface Query extends NexmarkQuery {
  /** The watermark (docs/event-time.md) of each of its tables, if any. */
  watermark?: string;
  /** The view emits on window close (and releases closed windows' state). */
  emit?: boolean;
  /** The clock follows the events: the latest bid time seen (the watermark's column), as a replay. */
  eventClock?: boolean;
}

const WATERMARK = "date_time - INTERVAL ''4'' SECOND";

const QUERIES: Record<string, Query> = {
  // the queries over the stream tables alone (q13's side table is not made here)
  ...Object.fromEntries(Object.entries(NEXMARK).filter(([, q]) => !q.setup)),
  // the windowed forms (issue 20), as RisingWave writes q5 and q7, over a bid table with a watermark
  q5w: {
    sql: `WITH c AS (SELECT auction, window_start, count(*) AS n FROM hop(bid, date_time, INTERVAL '2' SECOND, INTERVAL '10' SECOND) GROUP BY 1, 2)
          SELECT c.auction, c.window_start, c.n FROM c JOIN (SELECT window_start, max(n) AS m FROM c GROUP BY window_start) top ON c.window_start = top.window_start AND c.n = top.m`,
    stateless: false,
    tables: ['bid'],
    watermark: WATERMARK,
  },
  q7w: {
    sql: `SELECT window_start, max(price) AS top, count(*) AS bids FROM tumble(bid, date_time, INTERVAL '10' SECOND) GROUP BY window_start`,
    stateless: false,
    tables: ['bid'],
    watermark: WATERMARK,
  },
  q7c: {
    sql: `SELECT window_start, max(price) AS top, count(*) AS bids FROM tumble(bid, date_time, INTERVAL '10' SECOND) GROUP BY window_start`,
    stateless: false,
    tables: ['bid'],
    watermark: WATERMARK,
    emit: true,
  },
  q8w: {
    sql: `SELECT p.id, p.name, p.window_start FROM tumble(person, date_time, INTERVAL '10' SECOND) p
          JOIN tumble(auction, date_time, INTERVAL '10' SECOND) a ON p.id = a.seller AND p.window_start = a.window_start`,
    stateless: false,
    tables: ['person', 'auction'],
    watermark: WATERMARK,
  },
  // a sliding window as a temporal filter: bids per auction in the last 10 seconds, with the
  // clock at the latest bid's time; rows leave as the clock passes them
  q5t: {
    sql: `SELECT auction, count(*) AS bids, max(price) AS top FROM bid WHERE date_time + INTERVAL '10' SECOND > now() GROUP BY auction`,
    stateless: false,
    tables: ['bid'],
    watermark: 'date_time',
    eventClock: true,
  },
  // the soak: a tumbling-window aggregate whose state per window is constant
  soak: {
    sql: `SELECT window_start, count(*) AS bids, sum(price) AS volume, avg(price) AS mean FROM tumble(bid, date_time, INTERVAL '10' SECOND) GROUP BY window_start`,
    stateless: false,
    tables: ['bid'],
    watermark: WATERMARK,
  },
};

async function runOne(name: string, events: number): Promise<void> {
  const q = QUERIES[name];
  let clock: (() => bigint) | undefined;
  // the watermark is the latest bid time (no delay): the clock reads it once the table exists
  let latest: () => bigint | null = () => null;
  if (q.eventClock) clock = () => latest() ?? 1_436_918_400_000_000n; // base_time, 2015-07-15
  const db = await Database.open({ clock });
  const cols = NEXMARK_COLUMNS;
  const created = [];
  for (const t of q.tables) {
    created.push(t);
    const watermark = q.watermark ? `, watermark = '${q.watermark}'` : '';
    await db.query(`CREATE TABLE ${t} (${cols[t]}) WITH (connector = 'nexmark', events_per_second = 0, max_events = ${events}, seed = 1, append_only = true, max_batch_rows = 10000${watermark})`);
  }
  const bid = db.engine.catalog.get('bid');
  if (q.eventClock && bid?.kind === 'table' && bid.watermark) latest = () => bid.watermark!.current;
  let changes = 0;
  if (q.stateless) {
    const { plan, deps } = bindMaintainedQuery(db.engine, parseSql(q.sql)[0].node.SelectStmt);
    db.engine.watch({ plan, deps, snapshot: false }, (c) => (changes += c.length), () => {});
  } else {
    await db.query(`CREATE MATERIALIZED VIEW v ${q.emit ? "WITH (emit = 'on_window_close') " : ''}AS ${q.sql}`);
  }
  const t0 = performance.now();
  const samples: { events: number; rssMiB: number; heapMiB: number }[] = [];
  let nextSample = 0;
  for (;;) {
    const r = (await db.query<{ n: bigint; busy: bigint }>(`SELECT min(next_offset) AS n, count(*) FILTER (WHERE state <> 'finished') AS busy FROM tributary_catalog.sources`)).rows[0];
    const done = Number(r.n);
    if (done >= nextSample || r.busy === 0n) {
      const m = process.memoryUsage();
      samples.push({ events: done, rssMiB: Math.round(m.rss / 2 ** 20), heapMiB: Math.round(m.heapUsed / 2 ** 20) });
      nextSample = done + events / 10;
    }
    if (r.busy === 0n) break;
    await new Promise((res) => setTimeout(res, 20));
  }
  const seconds = (performance.now() - t0) / 1000;
  const rows = q.stateless ? changes : Number((await db.query<{ n: bigint }>('SELECT count(*) AS n FROM v')).rows[0].n);
  const late = q.watermark ? Number((await db.query<{ n: bigint }>('SELECT sum(late_rows)::int8 AS n FROM tributary_catalog.late_events')).rows[0].n) : null;
  // a join on windows keeps the rows of open windows only (closed_windows.ts)
  const view = q.stateless ? undefined : db.engine.catalog.get('v');
  const join = view?.kind === 'materialized view' ? view.operators.find((o) => o instanceof JoinOp && o.closer) : undefined;
  const joinRows = join instanceof JoinOp ? join.closer!.sizes() : null;
  console.log(JSON.stringify({ query: name, events, seconds: +seconds.toFixed(1), eventsPerSecond: Math.round(events / seconds), outputRows: rows, lateRows: late, joinRows, samples }));
  await db.close();
}

const [, , arg, ...rest] = process.argv;
if (arg === '--child') {
  await runOne(rest[0], Number(rest[1]));
} else {
  const events = Number(arg ?? 10_000_000);
  const names = rest.length ? rest : Object.keys(QUERIES);
  const self = fileURLToPath(import.meta.url);
  for (const name of names) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', name, String(events)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const line = r.stdout.trim().split('\n').pop() ?? '';
    try {
      const o = JSON.parse(line);
      console.log(`${o.query}: ${o.events} events in ${o.seconds} s (${o.eventsPerSecond}/s), ${o.outputRows} output rows${o.lateRows !== null ? `, ${o.lateRows} late rows dropped` : ''}${o.joinRows ? `, join state ${o.joinRows.join(' + ')} rows` : ''}; RSS MiB by events: ${o.samples.map((s: { events: number; rssMiB: number }) => `${(s.events / 1e6).toFixed(1)}M:${s.rssMiB}`).join(' ')}`);
    } catch {
      console.log(`${name}: failed (${r.status}) ${line}`);
    }
  }
}

