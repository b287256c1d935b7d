import { groupby } from './groupby.ts';
import { markdownTable } from './common.ts';
const r = await groupby({ events: 100_000, runs: 2, pgliteBatches: 5 });
console.log(markdownTable(r.columns, r.rows)); console.log(r.notes);
