// Debezium change events for the Kafka benchmarks.

/** A Debezium PostgreSQL connector's insert event for an `orders` row, without the schema part. */
export function changeEvent(id: number, random: () => number): { key: string; value: string } {
  const ts = 1_760_000_000_000 + id * 7;
  const after = {
    id,
    customer_id: Math.floor(random() * 100_000),
    status: ['new', 'paid', 'shipped', 'cancelled'][Math.floor(random() * 4)],
    amount: (random() * 1000).toFixed(2),
    created_at: ts * 1000,
    note: 'x'.repeat(Math.floor(random() * 16)),
  };
  const source = { version: '2.7.3.Final', connector: 'postgresql', name: 'dbserver', ts_ms: ts, db: 'shop', schema: 'public', table: 'orders', txId: 1000 + id, lsn: 33_000_000 + id * 96 };
  return { key: JSON.stringify({ id }), value: JSON.stringify({ before: null, after, source, op: 'c', ts_ms: ts + 3 }) };
}
