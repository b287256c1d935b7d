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
  /** Statements run on both systems before the view (a side table of q13). */
  setup?: string[];
}

/** q13's side input: a bounded table of 10,000 keys, joined by `auction % 10000`. */
const SIDE_INPUT = [
  'CREATE TABLE side_input (key bigint, value text)',
  `INSERT INTO side_input VALUES ${Array.from({ length: 10_000 }, (_, k) => `(${k}, 'v${k}')`).join(', ')}`,
];

/** Bids by price band, as q15–q17 count them. */
const BANDS = ['price < 10000', 'price >= 10000 AND price < 1000000', 'price >= 1000000'];
const bandCounts = (what: string, name: string) => BANDS.map((b, i) => `count(${what}) FILTER (WHERE ${b}) AS rank${i + 1}_${name}`).join(', ');

/**
 * The queries of Nexmark's suite (q0–q9, and q12–q22 of its extension) that are not here, with
 * the reason: printed with the results.
 */
export const NEXMARK_NOT_SUPPORTED: Record<string, string> = {
  q10: 'writes bids to files partitioned by time (a sink, not a query)',
  q11: 'session windows (gaps of inactivity per bidder) are not supported',
  q12: 'processing-time windows: results depend on when events arrive, so no run can be checked',
};

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
  // the average final price of each seller's last 10 closed auctions (an auction's final price:
  // its highest bid in its lifetime); latest first by expiry, then id
  q6: {
    sql: `SELECT seller, avg(final) AS avg_final FROM (
            SELECT seller, final, row_number() OVER (PARTITION BY seller ORDER BY expires DESC, id DESC) AS rn FROM (
              SELECT a.id, a.seller, a.expires, max(b.price) AS final FROM auction a JOIN bid b ON a.id = b.auction
                AND b.date_time BETWEEN a.date_time AND a.expires GROUP BY a.id, a.seller, a.expires) q) t
          WHERE rn <= 10 GROUP BY seller`,
    stateless: false,
    tables: ['auction', 'bid'],
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
  // winning bids: each auction's highest bid in its lifetime (earliest, then lowest bidder, on ties)
  q9: {
    sql: `SELECT id, seller, category, bidder, price, bid_time FROM (
            SELECT a.id, a.seller, a.category, b.bidder, b.price, b.date_time AS bid_time,
              row_number() OVER (PARTITION BY a.id ORDER BY b.price DESC, b.date_time, b.bidder) AS rn
            FROM auction a JOIN bid b ON a.id = b.auction AND b.date_time BETWEEN a.date_time AND a.expires) t
          WHERE rn <= 1`,
    stateless: false,
    tables: ['auction', 'bid'],
  },
  // a bounded side input joined to the stream
  q13: {
    sql: 'SELECT b.auction, b.bidder, b.price, b.date_time, s.value FROM bid b JOIN side_input s ON b.auction % 10000 = s.key',
    stateless: false,
    tables: ['bid'],
    setup: SIDE_INPUT,
  },
  // filter and compute: the time-of-day band and a character count (Flink's count_char UDF)
  q14: {
    sql: `SELECT auction, bidder, 0.908 * price AS price,
            CASE WHEN extract(hour FROM date_time) BETWEEN 8 AND 18 THEN 'dayTime'
                 WHEN extract(hour FROM date_time) <= 6 OR extract(hour FROM date_time) >= 20 THEN 'nightTime'
                 ELSE 'otherTime' END AS bid_time_type,
            date_time, length(extra) - length(replace(extra, 'c', '')) AS c_counts
          FROM bid WHERE 0.908 * price > 1000000 AND 0.908 * price < 50000000`,
    stateless: true,
    tables: ['bid'],
  },
  // bidding statistics per day
  q15: {
    sql: `SELECT date_trunc('day', date_time) AS day, count(*) AS total_bids, ${bandCounts('*', 'bids')},
            count(DISTINCT bidder) AS total_bidders, ${bandCounts('DISTINCT bidder', 'bidders')},
            count(DISTINCT auction) AS total_auctions, ${bandCounts('DISTINCT auction', 'auctions')}
          FROM bid GROUP BY 1`,
    stateless: false,
    tables: ['bid'],
  },
  // channel statistics per day
  q16: {
    sql: `SELECT channel, date_trunc('day', date_time) AS day, max(date_trunc('minute', date_time)) AS minute,
            count(*) AS total_bids, ${bandCounts('*', 'bids')},
            count(DISTINCT bidder) AS total_bidders, ${bandCounts('DISTINCT bidder', 'bidders')},
            count(DISTINCT auction) AS total_auctions, ${bandCounts('DISTINCT auction', 'auctions')}
          FROM bid GROUP BY 1, 2`,
    stateless: false,
    tables: ['bid'],
  },
  // auction statistics per day
  q17: {
    sql: `SELECT auction, date_trunc('day', date_time) AS day, count(*) AS total_bids, ${bandCounts('*', 'bids')},
            min(price) AS min_price, max(price) AS max_price, avg(price) AS avg_price, sum(price) AS sum_price
          FROM bid GROUP BY 1, 2`,
    stateless: false,
    tables: ['bid'],
  },
  // each bidder's last bid on each auction (ties by time broken by every other column)
  q18: {
    sql: `SELECT auction, bidder, price, channel, url, date_time FROM (
            SELECT *, row_number() OVER (PARTITION BY bidder, auction ORDER BY date_time DESC, price DESC, channel, url, extra) AS rn FROM bid) t
          WHERE rn <= 1`,
    stateless: false,
    tables: ['bid'],
  },
  // each auction's 10 highest bids, ranked
  q19: {
    sql: `SELECT auction, bidder, price, date_time, rn FROM (
            SELECT auction, bidder, price, date_time, row_number() OVER (PARTITION BY auction ORDER BY price DESC, date_time, bidder, channel, url, extra) AS rn FROM bid) t
          WHERE rn <= 10`,
    stateless: false,
    tables: ['bid'],
  },
  // bids expanded with their auction, for one category
  q20: {
    sql: `SELECT b.auction, b.bidder, b.price, b.channel, b.date_time, a.item_name, a.initial_bid, a.reserve, a.expires, a.seller, a.category
          FROM bid b JOIN auction a ON b.auction = a.id WHERE a.category = 10`,
    stateless: false,
    tables: ['auction', 'bid'],
  },
  // a channel id from the channel's name, else from the url's query string
  q21: {
    sql: `SELECT auction, bidder, price, channel,
            CASE WHEN lower(channel) = 'apple' THEN '0' WHEN lower(channel) = 'google' THEN '1'
                 WHEN lower(channel) = 'facebook' THEN '2' WHEN lower(channel) = 'baidu' THEN '3'
                 ELSE (regexp_match(url, '(&|^)channel_id=([^&]*)'))[2] END AS channel_id
          FROM bid WHERE (regexp_match(url, '(&|^)channel_id=([^&]*)'))[2] IS NOT NULL OR lower(channel) IN ('apple', 'google', 'facebook', 'baidu')`,
    duckdb: `SELECT auction, bidder, price, channel,
            CASE WHEN lower(channel) = 'apple' THEN '0' WHEN lower(channel) = 'google' THEN '1'
                 WHEN lower(channel) = 'facebook' THEN '2' WHEN lower(channel) = 'baidu' THEN '3'
                 ELSE nullif(regexp_extract(url, '(&|^)channel_id=([^&]*)', 2), '') END AS channel_id
          FROM bid WHERE nullif(regexp_extract(url, '(&|^)channel_id=([^&]*)', 2), '') IS NOT NULL OR lower(channel) IN ('apple', 'google', 'facebook', 'baidu')`,
    stateless: true,
    tables: ['bid'],
  },
  // the url's first three directories
  q22: {
    sql: `SELECT auction, bidder, price, channel, split_part(url, '/', 4) AS dir1, split_part(url, '/', 5) AS dir2, split_part(url, '/', 6) AS dir3 FROM bid`,
    stateless: true,
    tables: ['bid'],
  },
};
