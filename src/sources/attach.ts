// Start the source a CREATE TABLE's options name, and hang it on the table.

import type { TableEntry } from '../catalog/catalog.js';
import type { Engine } from '../engine/engine.js';
import { SqlError, SQLSTATE } from '../errors.js';
import { GeneratorSource } from './generator_source.js';
import { makeDatagen } from './generators/datagen.js';
import { makeNexmark } from './generators/nexmark.js';
import { kafkaOptions } from './kafka_options.js';
import { KafkaSource } from './kafka_source.js';
import { OptionReader, type TableOptions } from './options.js';
import type { SourceTable } from './types.js';

/** Check a connector's options before the table exists (no side effects); returns how to start it. */
export function checkSourceOptions(name: string, columns: SourceTable['columns'], primaryKey: number[] | null, o: TableOptions): (engine: Engine, t: TableEntry) => void {
  const table: SourceTable = { name, columns, primaryKey };
  switch (o.connector) {
    case 'kafka': {
      const k = kafkaOptions(name, primaryKey !== null, o.options);
      return (engine, t) => (t.feed = new KafkaSource(engine, t, k));
    }
    case 'datagen':
    case 'nexmark': {
      // the generators check their own options; this one is the source's
      const batch = new OptionReader(o.options, o.connector).integer('max_batch_rows', 10_000, 1, 1_000_000);
      const options = new Map(o.options);
      options.delete('max_batch_rows');
      const generator = o.connector === 'datagen' ? makeDatagen(table, options) : makeNexmark(table, options);
      const connector = o.connector;
      return (engine, t) => (t.feed = new GeneratorSource(engine, t, connector, generator, batch));
    }
    default:
      throw new SqlError(SQLSTATE.FEATURE_NOT_SUPPORTED, `connector "${o.connector}" is not supported`);
  }
}
