// The Nexmark tables and queries the stream benchmarks share (stream_memory.ts, nexmark.ts),
// written in the SQL both Tributary and DuckDB accept. Windows are 1-second `date_trunc`
// buckets; the event-time forms (TUMBLE, HOP, watermarks) are in stream_memory.ts.

export type NexmarkTable = 'person' | 'auction' | 'bid';

/** Column lists, in the generator's order. */
export const NEXMARK_COLUMNS: Record<NexmarkTable, string> = {
  person: 'id bigint, name text, email_address text, credit_card text, city text, state text, date_time timestamp, extra text',
  auction: 'id bigint, item_name text, description text, initial_bid bigint, reserve bigint, date_time timestamp, expires timestamp, seller bigint, category bigint, extra text',
  bid: 'auction bigint, bidder bigint, price bigint, channel text, url text, date_time timestamp, extra text',
};

export interface NexmarkQuery {
  sql: string;
  tables: NexmarkTable[];
  /** Without state beyond its output (a projection or filter of bids). */
  stateless: boolean;
  /** The query in DuckDB's dialect, where it differs. */
  duckdb?: string;
}

export const NEXMARK: Record<string, NexmarkQuery> = {
  q0: { sql: 'SELECT auction, bidder, price, date_time FROM bid', stateless: true, tables: ['bid'] },
  q1: {
    sql: 'SELECT auction, bidder, price * 908 / 1000 AS price, date_time FROM bid',
    // DuckDB's / divides integers into a double; // keeps them integers, as / does in PostgreSQL
    duckdb: 'SELECT auction, bidder, price * 908 // 1000 AS price, date_time FROM bid',
    stateless: true,
    tables: ['bid'],
  },
  q2: { sql: 'SELECT auction, price FROM bid WHERE auction % 123 = 0', stateless: true, tables: ['bid'] },
  q3: {
    sql: `SELECT p.name, p.city, p.state, a.id FROM auction a JOIN person p ON a.seller = p.id WHERE a.category = 10 AND p.state IN ('OR', 'ID', 'CA')`,
    stateless: false,
    tables: ['person', 'auction'],
  },
  q4: {
    sql: `SELECT category, avg(top) AS avg_top FROM (SELECT a.id, a.category, max(b.price) AS top FROM auction a JOIN bid b ON a.id = b.auction
            AND b.date_time BETWEEN a.date_time AND a.expires GROUP BY a.id, a.category) m GROUP BY category`,
    stateless: false,
    tables: ['auction', 'bid'],
  },
  q5: {
    sql: `WITH c AS (SELECT auction, date_trunc('second', date_time) AS w, count(*) AS n FROM bid GROUP BY 1, 2)
          SELECT c.auction, c.w, c.n FROM c JOIN (SELECT w, max(n) AS m FROM c GROUP BY w) top ON c.w = top.w AND c.n = top.m`,
    stateless: false,
    tables: ['bid'],
  },
  q7: {
    sql: `SELECT date_trunc('second', date_time) AS w, max(price) AS top, count(*) AS bids FROM bid GROUP BY 1`,
    stateless: false,
    tables: ['bid'],
  },
  q8: {
    sql: `SELECT p.id, p.name, a.reserve FROM person p JOIN auction a
            ON p.id = a.seller AND date_trunc('second', p.date_time) = date_trunc('second', a.date_time)`,
    stateless: false,
    tables: ['person', 'auction'],
  },
};
