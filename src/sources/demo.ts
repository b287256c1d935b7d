// The built-in demo: a generator writing orders into tables, and materialized views over
// them whose changes are printed as they happen.

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

/**
 * A background writer for the served demo (`tributary serve --demo`): every 50 ms one
 * transaction inserts `perTick` orders and deletes the orders older than the newest
 * `keep`, so the views change a few hundred times a second while memory stays bounded.
 * Also adds a third view, order_sizes. Returns a function that stops the writer.
 */
export async function startDemoWriter(db: Database, perTick = 10, keep = 5000): Promise<() => void> {
  await setupDemo(db);
  await db.query(`CREATE MATERIALIZED VIEW order_sizes AS
     SELECT CASE WHEN amount >= 100 THEN 'large' ELSE 'small' END AS size, count(*) AS orders, avg(amount) AS avg_amount
     FROM orders GROUP BY CASE WHEN amount >= 100 THEN 'large' ELSE 'small' END`);
  let id = 0;
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const timer = setInterval(() => {
    const values: string[] = [];
    const params: unknown[] = [];
    for (let k = 0; k < perTick; k++) {
      values.push(`($${params.length + 1}, $${params.length + 2}, $${params.length + 3})`);
      params.push(++id, Math.floor(rand() * 20), (rand() * 200).toFixed(2));
    }
    void (async () => {
      await db.query('BEGIN');
      await db.query(`INSERT INTO orders VALUES ${values.join(', ')}`, params);
      if (id > keep) await db.query('DELETE FROM orders WHERE id <= $1', [id - keep]);
      await db.query('COMMIT');
    })().catch(() => db.query('ROLLBACK').catch(() => {}));
  }, 50);
  timer.unref();
  return () => clearInterval(timer);
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
