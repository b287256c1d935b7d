import { describe, expect, it } from 'vitest';
import { rewriteRisingWaveForms } from './risingwave_forms.js';

describe("RisingWave's event-time DDL", () => {
  it('becomes our WITH options', () => {
    expect(rewriteRisingWaveForms("create table t (tm timestamp, foo int, watermark for tm as tm - interval '5 minutes') append only;")).toBe(
      "create table t (tm timestamp, foo int) WITH (append_only = true, watermark = 'tm - interval ''5 minutes''') ;",
    );
    // the watermark first, options merged into an existing WITH, strings and names left alone
    expect(rewriteRisingWaveForms(`CREATE TABLE t2 (WATERMARK FOR ts AS ts - INTERVAL '5' SECOND, ts timestamp, "watermark for" int DEFAULT 'append only') APPEND ONLY WITH (fillfactor = 50)`)).toBe(
      `CREATE TABLE t2 (ts timestamp, "watermark for" int DEFAULT 'append only')  WITH (append_only = true, watermark = 'ts - INTERVAL ''5'' SECOND', fillfactor = 50)`,
    );
    expect(rewriteRisingWaveForms('create table s (a int) append only')).toBe('create table s (a int) WITH (append_only = true) ');
    expect(rewriteRisingWaveForms('CREATE MATERIALIZED VIEW IF NOT EXISTS public.v (a, b) AS SELECT window_start, count(*) FROM tumble(t, ts, interval \'1 hour\') GROUP BY 1 EMIT ON WINDOW CLOSE')).toBe(
      "CREATE MATERIALIZED VIEW IF NOT EXISTS public.v (a, b) WITH (emit = 'on_window_close') AS SELECT window_start, count(*) FROM tumble(t, ts, interval '1 hour') GROUP BY 1 ",
    );
    // two statements, one of each, with a comment between
    expect(rewriteRisingWaveForms("create table a (x int) append only; -- emit on window close\ncreate materialized view v as select 1 emit on window close")).toBe(
      "create table a (x int) WITH (append_only = true) ; -- emit on window close\ncreate materialized view v WITH (emit = 'on_window_close') as select 1 ",
    );
  });

  it('leaves everything else alone', () => {
    expect(rewriteRisingWaveForms("SELECT 'watermark for x as y', $$append only$$, /* emit on window close */ 1")).toBe(null);
    expect(rewriteRisingWaveForms('CREATE TABLE t (a int)')).toBe(null);
    expect(rewriteRisingWaveForms("create table t (watermark for ts as ts)")).toBe(null); // nothing left of the table
    expect(rewriteRisingWaveForms("create table t (ts timestamp, watermark for ts as ts - interval '1 s', watermark for ts as ts)")).toBe(null);
    expect(rewriteRisingWaveForms("select 'unterminated")).toBe(null);
  });
});
