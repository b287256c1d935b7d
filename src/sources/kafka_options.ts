// The options of a table fed by Kafka (`connector = 'kafka'`), with their defaults. Every
// option is documented in docs/sources.md; keep the two in step.

import { SqlError, SQLSTATE } from '../errors.js';
import type { FormatOptions, SourceFormat } from './formats/decoder.js';
import { invalidValue, OptionReader } from './options.js';
import type { OnError } from './source_runner.js';

export interface KafkaOptions {
  brokers: string[];
  topic: string;
  format: SourceFormat;
  start: 'earliest' | 'latest';
  groupId: string;
  clientId: string;
  onError: OnError;
  /** Most messages applied in one transaction (a bigger poll is split). */
  maxBatchMessages: number;
  formatOptions: FormatOptions;
}

export function kafkaOptions(table: string, hasPrimaryKey: boolean, options: ReadonlyMap<string, string>): KafkaOptions {
  const r = new OptionReader(options, 'kafka');
  const brokers = r
    .required('brokers')
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  for (const b of brokers) {
    if (!/^[^\s:]+:\d{1,5}$/.test(b)) throw invalidValue('brokers', b, 'Brokers are host:port, separated by commas.');
  }
  const topic = r.required('topic');
  const format = r.oneOf('format', ['debezium', 'upsert', 'json'] as const);
  if ((format === 'debezium' || format === 'upsert') && !hasPrimaryKey) {
    throw new SqlError(SQLSTATE.INVALID_TABLE_DEFINITION, `table "${table}" needs a PRIMARY KEY for format '${format}'`, {
      detail: 'The key identifies the row each message replaces or deletes.',
    });
  }
  const result: KafkaOptions = {
    brokers,
    topic,
    format,
    start: r.oneOf('start', ['earliest', 'latest'] as const, 'earliest'),
    groupId: r.text('group_id', `tributary-${table}-${process.pid}-${Date.now().toString(36)}`),
    clientId: r.text('client_id', 'tributary'),
    onError: r.oneOf('on_error', ['skip', 'stop'] as const, 'skip'),
    maxBatchMessages: r.integer('max_batch_messages', 1_000, 1, 1_000_000),
    formatOptions: {
      timestampUnit: r.oneOf('timestamp_unit', ['millis', 'micros', 'nanos'] as const, 'micros'),
      // Debezium's default; plain JSON writes decimals as text ("1234" is valid base64 too)
      decimalHandling: r.oneOf('decimal_handling', ['precise', 'string', 'double'] as const, format === 'debezium' ? 'precise' : 'string'),
      maxMessageBytes: r.integer('max_message_bytes', 1_048_576, 1, 256 * 1_048_576),
    },
  };
  r.finish();
  return result;
}
