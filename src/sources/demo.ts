// The built-in demos: Nexmark generator sources with views over them (served), and a writer
// of orders into tables whose views' changes are printed as they happen (`tributary demo`).

import { Database } from '../index.js';

const REGIONS = ['north', 'south', 'east', 'west'];

const DEMO_SCHEMA = [
  'CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, region text NOT NULL)',
  'CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int NOT NULL, amount numeric(10,2) NOT NULL)',
  `CREATE MATERIALIZED VIEW revenue_by_region AS
     SELECT c.region, count(*) AS orders, sum(o.amount) AS revenue
     FROM orders o JOIN customers c ON o.customer_id = c.id GROUP BY c.region`,
  `CREATE MATERIALIZED VIEW big_spenders AS
     SELECT c.name, sum(o.amount) AS total
     FROM orders o JOIN customers c ON o.customer_id = c.id
     GROUP BY c.name HAVING sum(o.amount) > 500`,
];

/** The demo's tables and views, with 20 customers; `print` sees each statement. */
export async function setupDemo(db: Database, print: (line: string) => void = () => {}): Promise<void> {
  for (const s of DEMO_SCHEMA) {
    print(`tributary=> ${s.replace(/\s+/g, ' ')};`);
    await db.query(s);
  }
  db.insert('customers', Array.from({ length: 20 }, (_, i) => [i, `customer_${i}`, REGIONS[i % REGIONS.length]]));
}

/** The served demo's Nexmark streams (an online auction: people, auctions, bids) and views. */
export const NEXMARK_DEMO = [
  `CREATE TABLE person (id bigint, name text, email_address text, credit_card text, city text, state text, date_time timestamp, extra text)
     WITH (connector = 'nexmark', events_per_second = 500)`,
  `CREATE TABLE auction (id bigint, item_name text, description text, initial_bid bigint, reserve bigint, date_time timestamp, expires timestamp, seller bigint, category bigint, extra text)
     WITH (connector = 'nexmark', events_per_second = 500)`,
  // bids are most of the stream: the table keeps none of them, the views keep what they need
  `CREATE TABLE bid (auction bigint, bidder bigint, price bigint, channel text, url text, date_time timestamp, extra text)
     WITH (connector = 'nexmark', events_per_second = 500, append_only = true)`,
  `CREATE MATERIALIZED VIEW bids_per_auction AS
     SELECT auction, count(*) AS bids, max(price) AS top_price FROM bid GROUP BY auction`,
  `CREATE MATERIALIZED VIEW hot_channels AS
     SELECT channel, count(*) AS bids, max(price) AS top_price FROM bid WHERE channel IN ('Google', 'Facebook', 'Baidu', 'Apple') GROUP BY channel`,
  `CREATE MATERIALIZED VIEW seller_revenue AS
     SELECT a.seller, p.name, count(*) AS auctions, sum(b.top_price) AS best_bids
     FROM auction a JOIN person p ON p.id = a.seller JOIN bids_per_auction b ON b.auction = a.id
     GROUP BY a.seller, p.name`,
  `CREATE MATERIALIZED VIEW auctions_by_category AS
     SELECT category, count(*) AS auctions, avg(initial_bid)::bigint AS avg_initial_bid FROM auction GROUP BY category`,
];

/**
 * The served demo (`tributary serve --demo`): Nexmark generator sources at 500 events a second
 * and materialized views over them. The statements run back to back, before the generators'
 * first tick, so the views see every bid. The generators stop when the database closes.
 */
export async function startNexmarkDemo(db: Database): Promise<void> {
  for (const s of NEXMARK_DEMO) await db.query(s);
}

export async function runDemo(seconds: number, print: (line: string) => void): Promise<void> {
  const db = await Database.open();
  await setupDemo(db, print);
  for (const view of ['revenue_by_region', 'big_spenders']) {
    db.subscribe(view, (changes) => {
      for (const c of changes) print(`${view} ${c.diff > 0 ? '+' : '-'} ${JSON.stringify(c.row, (_k, v) => (typeof v === 'bigint' ? Number(v) : v))}`);
    }, { snapshot: false });
  }
  let id = 0;
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    // one transaction of a few orders, sometimes cancelling an earlier one
    await db.query('BEGIN');
    for (let k = 0; k < 3; k++) {
      await db.query('INSERT INTO orders VALUES ($1, $2, $3)', [++id, Math.floor(rand() * 20), (rand() * 200).toFixed(2)]);
    }
    if (id > 10 && rand() < 0.3) await db.query('DELETE FROM orders WHERE id = $1', [id - 10]);
    await db.query('COMMIT');
    await new Promise((r) => setTimeout(r, 500));
  }
  print('');
  print('final contents of revenue_by_region:');
  for (const r of (await db.query('SELECT * FROM revenue_by_region ORDER BY region', [], { format: 'text' })).rows) print(JSON.stringify(r));
  await db.close();
}
