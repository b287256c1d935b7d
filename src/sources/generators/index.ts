// The built-in generators a table can be fed from, like a Kafka source: WITH (connector =
// 'datagen' | 'nexmark', ...). Each turns the table and its options into a Generator.

export type { Generator, OptionInfo, OptionTable } from './options.js';
export { makeDatagen, DATAGEN_OPTIONS } from './datagen.js';
export { makeNexmark, NEXMARK_OPTIONS } from './nexmark.js';
