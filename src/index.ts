// Tributary's public entry point.
export { Database } from './engine/database.js';
export type { OpenOptions, SubscribeOptions, ChangeRow, Subscription } from './engine/database.js';
export type { QueryResult, FieldInfo, QueryOptions } from './engine/result.js';
export { SqlError, SQLSTATE } from './errors.js';
