// Introspection queries that BI tools send to PostgreSQL, run against Tributary and compared
// with PostgreSQL (PGlite) on the same schema. Each query is the tool's text; where the tool
// builds it at run time the comment says how it was rendered. OIDs differ between the two
// systems, so the DBeaver queries (which select c.*, a.*) are compared through a projection
// onto name-valued columns.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../src/index.js';
import { Oracle } from './support/oracle.js';

const SCHEMA = [
  "CREATE TABLE t (id int PRIMARY KEY, name varchar(20) NOT NULL DEFAULT 'x', u text UNIQUE)",
  'CREATE TABLE t2 (a int NOT NULL, b bigint NOT NULL, c numeric(10,2) DEFAULT 1.5, PRIMARY KEY (b, a))',
  'CREATE INDEX t2_c ON t2 (c)',
  'CREATE VIEW v AS SELECT id, name FROM t',
  'CREATE MATERIALIZED VIEW mv AS SELECT b, count(*) AS n FROM t2 GROUP BY b',
];

let db: Database;
let oracle: Oracle;
beforeAll(async () => {
  db = await Database.open();
  oracle = await Oracle.create();
  for (const s of SCHEMA) {
    await db.query(s);
    await oracle.exec(s);
  }
}, 120_000);
afterAll(async () => {
  await db?.close();
  await oracle?.close();
});

async function ours(q: string): Promise<(string | null)[][]> {
  return (await db.query(q, [], { rowMode: 'array', format: 'text' })).rows as unknown as (string | null)[][];
}

async function agree(q: string, ordered: boolean): Promise<void> {
  const a = await ours(q);
  const b = await oracle.rows(q);
  const norm = (rows: (string | null)[][]) => (ordered ? rows : rows.map((r) => JSON.stringify(r)).sort());
  expect({ q, rows: norm(a) }).toEqual({ q, rows: norm(b) });
}

// Grafana's PostgreSQL data source (grafana/grafana,
// public/app/plugins/datasource/grafana-postgresql-datasource/postgresMetaQuery.ts): version
// check, schema, table and column lists of the query editor.
const GRAFANA: [string, string, boolean][] = [
  // postgresMetaQuery.ts getVersion()
  ['getVersion', `SELECT current_setting('server_version_num')::int/100 as version`, false],
  // getTimescaleDBVersion()
  ['getTimescaleDBVersion', `SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'`, false],
  // showSchemas()
  ['showSchemas', `SELECT schema_name AS "name"
    FROM information_schema.schemata
    WHERE schema_name NOT IN ('information_schema',
                              'pg_catalog',
                              'pg_toast',
                              '_timescaledb_cache',
                              '_timescaledb_catalog',
                              '_timescaledb_internal',
                              '_timescaledb_config',
                              'timescaledb_information',
                              'timescaledb_experimental')
    ORDER BY schema_name`, true],
  // showTables('public')
  ['showTables public', `SELECT quote_ident(table_name) AS "table"
      FROM information_schema.tables
      WHERE quote_ident(table_schema) = 'public'
      ORDER BY 1`, true],
  // showTables() (buildSchemaConstraint() inlined, as the function does)
  ['showTables', `SELECT
    CASE WHEN 
          quote_ident(table_schema) IN (
          SELECT
            CASE WHEN trim(s[i]) = '"$user"' THEN user ELSE trim(s[i]) END
          FROM
            generate_series(
              array_lower(string_to_array(current_setting('search_path'),','),1),
              array_upper(string_to_array(current_setting('search_path'),','),1)
            ) as i,
            string_to_array(current_setting('search_path'),',') s
          )
      THEN quote_ident(table_name)
      ELSE quote_ident(table_schema) || '.' || quote_ident(table_name)
    END AS "table"
    FROM information_schema.tables
    WHERE quote_ident(table_schema) NOT IN ('information_schema',
                             'pg_catalog',
                             '_timescaledb_cache',
                             '_timescaledb_catalog',
                             '_timescaledb_internal',
                             '_timescaledb_config',
                             'timescaledb_information',
                             'timescaledb_experimental')
    ORDER BY CASE WHEN 
          quote_ident(table_schema) IN (
          SELECT
            CASE WHEN trim(s[i]) = '"$user"' THEN user ELSE trim(s[i]) END
          FROM
            generate_series(
              array_lower(string_to_array(current_setting('search_path'),','),1),
              array_upper(string_to_array(current_setting('search_path'),','),1)
            ) as i,
            string_to_array(current_setting('search_path'),',') s
          ) THEN 0 ELSE 1 END, 1`, true],
  // getSchema('t')
  ["getSchema('t')", `SELECT quote_ident(column_name) AS "column", data_type AS "type"
    FROM information_schema.columns
    WHERE
      CASE WHEN array_length(parse_ident('t'),1) = 2
        THEN quote_ident(table_schema) = (parse_ident('t'))[1]
          AND quote_ident(table_name) = (parse_ident('t'))[2]
        ELSE quote_ident(table_name) = 't'
          AND 
          quote_ident(table_schema) IN (
          SELECT
            CASE WHEN trim(s[i]) = '"$user"' THEN user ELSE trim(s[i]) END
          FROM
            generate_series(
              array_lower(string_to_array(current_setting('search_path'),','),1),
              array_upper(string_to_array(current_setting('search_path'),','),1)
            ) as i,
            string_to_array(current_setting('search_path'),',') s
          )
      END`, false],
];

// Metabase's PostgreSQL driver (metabase/metabase, src/metabase/driver/postgres.clj): the sync
// queries. Most are HoneySQL forms; they are rendered here as HoneySQL formats them (quoted
// identifiers, AS aliases, parenthesised conjuncts) with the schema parameter inlined.
const METABASE: [string, string, boolean][] = [
  // describe-database: get-tables-sql (HoneySQL, :dialect :ansi; the schema parameter inlined)
  ['metabase 1', `SELECT "n"."nspname" AS "schema", "c"."relname" AS "name", CASE "c"."relkind" WHEN 'r' THEN 'TABLE' WHEN 'p' THEN 'PARTITIONED TABLE' WHEN 'v' THEN 'VIEW' WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE NULL END AS "type", "d"."description" AS "description", "stat"."n_live_tup" AS "estimated_row_count" FROM "pg_catalog"."pg_class" AS "c" INNER JOIN "pg_catalog"."pg_namespace" AS "n" ON "c"."relnamespace" = "n"."oid" LEFT JOIN "pg_catalog"."pg_description" AS "d" ON ("c"."oid" = "d"."objoid") AND ("d"."objsubid" = 0) AND ("d"."classoid" = 'pg_class'::regclass) LEFT JOIN "pg_stat_user_tables" AS "stat" ON ("n"."nspname" = "stat"."schemaname") AND ("c"."relname" = "stat"."relname") WHERE ("c"."relnamespace" = "n"."oid") AND ("n"."nspname" !~ '^pg_') AND ("n"."nspname" <> 'information_schema') AND c.relkind in ('r', 'p', 'v', 'f', 'm') AND ("n"."nspname" IN ('public')) ORDER BY "type" ASC, "schema" ASC, "name" ASC`, true],
  // describe-fields-sql (HoneySQL with Metabase's :ansi quoting; schema-names [public] inlined)
  ['metabase 2', `SELECT "c"."column_name" AS "name", CASE WHEN "c"."udt_schema" IN ('public', 'pg_catalog') THEN FORMAT('%s', "c"."udt_name") ELSE FORMAT('"%s"."%s"', "c"."udt_schema", "c"."udt_name") END AS "database-type", "c"."ordinal_position" - 1 AS "database-position", "c"."table_schema" AS "table-schema", "c"."table_name" AS "table-name", "pk"."column_name" IS NOT NULL AS "pk?", COL_DESCRIPTION(CAST(CAST(FORMAT('%I.%I', CAST("c"."table_schema" AS TEXT), CAST("c"."table_name" AS TEXT)) AS REGCLASS) AS OID), "c"."ordinal_position") AS "field-comment", (("column_default" IS NULL) OR (LOWER("column_default") = 'null')) AND ("is_nullable" = 'NO') AND NOT ((("column_default" IS NOT NULL) AND ("column_default" LIKE '%nextval(%')) OR ("is_identity" <> 'NO')) AS "database-required", (("column_default" IS NOT NULL) AND ("column_default" LIKE '%nextval(%')) OR ("is_identity" <> 'NO') AS "database-is-auto-increment" FROM "information_schema"."columns" AS "c" LEFT JOIN (SELECT "tc"."table_schema", "tc"."table_name", "kc"."column_name" FROM "information_schema"."table_constraints" AS "tc" INNER JOIN "information_schema"."key_column_usage" AS "kc" ON ("tc"."constraint_name" = "kc"."constraint_name") AND ("tc"."table_schema" = "kc"."table_schema") AND ("tc"."table_name" = "kc"."table_name") WHERE "tc"."constraint_type" = 'PRIMARY KEY') AS "pk" ON ("c"."table_schema" = "pk"."table_schema") AND ("c"."table_name" = "pk"."table_name") AND ("c"."column_name" = "pk"."column_name") WHERE c.table_schema !~ '^information_schema|catalog_history|pg_' AND ("c"."table_schema" IN ('public')) UNION ALL SELECT "pa"."attname" AS "name", CASE WHEN "ptn"."nspname" IN ('public', 'pg_catalog') THEN FORMAT('%s', "pt"."typname") ELSE FORMAT('"%s"."%s"', "ptn"."nspname", "pt"."typname") END AS "database-type", "pa"."attnum" - 1 AS "database-position", "pn"."nspname" AS "table-schema", "pc"."relname" AS "table-name", FALSE AS "pk?", NULL AS "field-comment", FALSE AS "database-required", FALSE AS "database-is-auto-increment" FROM "pg_catalog"."pg_class" AS "pc" INNER JOIN "pg_catalog"."pg_namespace" AS "pn" ON "pn"."oid" = "pc"."relnamespace" INNER JOIN "pg_catalog"."pg_attribute" AS "pa" ON "pa"."attrelid" = "pc"."oid" INNER JOIN "pg_catalog"."pg_type" AS "pt" ON "pt"."oid" = "pa"."atttypid" INNER JOIN "pg_catalog"."pg_namespace" AS "ptn" ON "ptn"."oid" = "pt"."typnamespace" WHERE ("pc"."relkind" = 'm') AND ("pa"."attnum" >= 1) AND ("pn"."nspname" IN ('public')) ORDER BY "table-schema" ASC, "table-name" ASC, "database-position" ASC`, true],
  // describe-fks-sql
  ['metabase 3', `SELECT "fk_ns"."nspname" AS "fk-table-schema", "fk_table"."relname" AS "fk-table-name", "fk_column"."attname" AS "fk-column-name", "pk_ns"."nspname" AS "pk-table-schema", "pk_table"."relname" AS "pk-table-name", "pk_column"."attname" AS "pk-column-name" FROM "pg_constraint" AS "c" INNER JOIN "pg_class" AS "fk_table" ON "c"."conrelid" = "fk_table"."oid" INNER JOIN "pg_namespace" AS "fk_ns" ON "c"."connamespace" = "fk_ns"."oid" INNER JOIN "pg_attribute" AS "fk_column" ON "c"."conrelid" = "fk_column"."attrelid" INNER JOIN "pg_class" AS "pk_table" ON "c"."confrelid" = "pk_table"."oid" INNER JOIN "pg_namespace" AS "pk_ns" ON "pk_table"."relnamespace" = "pk_ns"."oid" INNER JOIN "pg_attribute" AS "pk_column" ON "c"."confrelid" = "pk_column"."attrelid" WHERE fk_ns.nspname !~ '^information_schema|catalog_history|pg_' AND ("c"."contype" = 'f'::char) AND ("fk_column"."attnum" = ANY(c.conkey)) AND ("pk_column"."attnum" = ANY(c.confkey)) AND ("fk_ns"."nspname" IN ('public')) ORDER BY "fk-table-schema" ASC, "fk-table-name" ASC`, true],
  // describe-indexes-sql (from pgJDBC getIndexInfo: (information_schema._pg_expandarray(i.indkey)).n)
  ['metabase 4', `SELECT "tmp"."table-schema", "tmp"."table-name", TRIM(BOTH '"' FROM PG_CATALOG.PG_GET_INDEXDEF("tmp"."ci_oid", "tmp"."pos", FALSE)) AS "field-name" FROM (SELECT "n"."nspname" AS "table-schema", "ct"."relname" AS "table-name", "ci"."oid" AS "ci_oid", (INFORMATION_SCHEMA._PG_EXPANDARRAY("i"."indkey"))."n" AS "pos" FROM "pg_catalog"."pg_class" AS "ct" INNER JOIN "pg_catalog"."pg_namespace" AS "n" ON "ct"."relnamespace" = "n"."oid" INNER JOIN "pg_catalog"."pg_index" AS "i" ON "ct"."oid" = "i"."indrelid" INNER JOIN "pg_catalog"."pg_class" AS "ci" ON "ci"."oid" = "i"."indexrelid" WHERE (PG_CATALOG.PG_GET_EXPR("i"."indpred", "i"."indrelid") IS NULL) AND n.nspname !~ '^information_schema|catalog_history|pg_' AND ("n"."nspname" IN ('public'))) AS "tmp" WHERE "tmp"."pos" = 1`, false],
  // enum-types (raw SQL string)
  ['metabase 5', `SELECT nspname, typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.oid IN (SELECT DISTINCT enumtypid FROM pg_enum e)`, false],
];

// DBeaver (dbeaver/dbeaver, plugins/org.jkiss.dbeaver.ext.postgresql/.../model/PostgreSchema.java):
// the navigator's table, column, constraint, index, procedure, collation and extension
// queries, with their namespace parameter bound to public's oid (2200; pg_catalog's 11).
// [name, query, projection compared with PostgreSQL, ORDER BY of the projection]
const DBEAVER: [string, string, string][] = [
  // PostgreSchema.TableCache.prepareLookupStatement (relnamespace parameter = 2200, public)
  ['dbeaver 1', `SELECT c.oid,c.*,d.description,(select array_agg(i.inhparent) from pg_catalog.pg_inherits i where i.inhrelid = c.oid) parents
FROM pg_catalog.pg_class c
LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=c.oid AND d.objsubid=0
WHERE c.relnamespace=2200 AND c.relkind not in ('i','c')`, 'relname, relkind, relnatts, relhasindex, relpersistence, parents, description'],
  // PostgreSchema.TableCache.prepareChildrenStatement (columns of all tables of the schema)
  ['dbeaver 2', `SELECT c.relname,a.*,pg_catalog.pg_get_expr(ad.adbin, ad.adrelid, true) as def_value,dsc.description
FROM pg_catalog.pg_attribute a
INNER JOIN pg_catalog.pg_class c ON (a.attrelid=c.oid)
LEFT OUTER JOIN pg_catalog.pg_attrdef ad ON (a.attrelid=ad.adrelid AND a.attnum = ad.adnum)
LEFT OUTER JOIN pg_catalog.pg_description dsc ON (c.oid=dsc.objoid AND a.attnum = dsc.objsubid)
WHERE NOT a.attisdropped AND c.relnamespace=2200 AND c.relkind not in ('i','c')  ORDER BY a.attnum`, 'relname, attname, attnum, attnotnull, atthasdef, attlen, atttypmod, attisdropped, attidentity, attgenerated, def_value, description'],
  // PostgreSchema.ConstraintCache.prepareObjectsStatement
  ['dbeaver 3', `SELECT c.oid,c.*,t.relname as tabrelname,rt.relnamespace as refnamespace
FROM pg_catalog.pg_constraint c
INNER JOIN pg_catalog.pg_class t ON t.oid=c.conrelid
LEFT OUTER JOIN pg_catalog.pg_class rt ON rt.oid=c.confrelid
WHERE t.relnamespace=2200
ORDER BY c.oid`, 'conname, contype, condeferrable, convalidated, conkey, confkey, tabrelname, refnamespace'],
  // PostgreSchema.IndexCache.prepareObjectsStatement (server ≥ 7.4 form)
  ['dbeaver 4', `SELECT i.*,i.indkey as keys,c.relname,c.relnamespace,c.relam,tc.relname as tabrelname,dsc.description,pg_catalog.pg_get_expr(i.indexprs, i.indrelid, true) as expr
FROM pg_catalog.pg_index i
INNER JOIN pg_catalog.pg_class c ON c.oid=i.indexrelid
INNER JOIN pg_catalog.pg_class tc ON tc.oid=i.indrelid
LEFT OUTER JOIN pg_catalog.pg_description dsc ON i.indexrelid=dsc.objoid
WHERE  c.relnamespace=2200 ORDER BY c.relname`, 'relname, tabrelname, indnatts, indisunique, indisprimary, keys, indoption, relnamespace, expr, description'],
  // PostgreSchema.ProceduresCache.prepareLookupStatement
  ['dbeaver 5', `SELECT p.oid,p.*,d.description
FROM pg_catalog.pg_proc p
LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=p.oid
WHERE p.pronamespace=2200
ORDER BY p.proname`, 'proname'],
  // PostgreSchema.CollationCache (for pg_catalog, oid 11)
  ['dbeaver 6', `SELECT c.oid,c.* FROM pg_catalog.pg_collation c 
WHERE c.collnamespace=11
ORDER BY c.oid`, 'collname, collprovider, collisdeterministic, collcollate, collctype'],
  // PostgreSchema.ExtensionCache
  ['dbeaver 7', `SELECT e.oid,e.* FROM pg_catalog.pg_extension e 
WHERE e.extnamespace=2200
ORDER BY e.oid`, 'extname'],
];

describe('BI tools introspection vs PostgreSQL', () => {
  it("Grafana's query editor queries", async () => {
    for (const [name, q, ordered] of GRAFANA) {
      if (name === 'getVersion') {
        // PGlite is a newer PostgreSQL; we report 15
        expect(await ours(q)).toEqual([['1500']]);
        continue;
      }
      await agree(q, ordered);
    }
  });

  it("Metabase's sync queries", async () => {
    for (const [, q, ordered] of METABASE) await agree(q, ordered);
  });

  it("DBeaver's navigator queries (compared on name-valued columns)", async () => {
    // pg_attribute has no system columns (ctid, xmin, …) here: they cannot be selected. PGlite is
    // a newer PostgreSQL that records NOT NULL as pg_constraint rows (contype 'n'); 15 does not.
    // pg_collation lists only the collations COLLATE accepts here (default, C, POSIX).
    const where = (cols: string) =>
      cols.includes('attnum') ? ' WHERE attnum > 0'
      : cols.includes('contype') ? " WHERE contype <> 'n'"
      : cols.includes('collname') ? " WHERE collname IN ('default', 'C', 'POSIX')"
      : '';
    for (const [, q, cols] of DBEAVER) await agree(`SELECT ${cols} FROM (${q}) q${where(cols)}`, false);
  });
});

describe('functions and settings these tools use', () => {
  it('string_to_array, parse_ident, format, quote_literal, current_setting agree with PostgreSQL', async () => {
    const qs = [
      "SELECT string_to_array('a,b,,c', ','), string_to_array('a,b,,c', ',', ''), string_to_array('abc', NULL), string_to_array('abc', ''), string_to_array('', ','), string_to_array(NULL, ',')",
      `SELECT parse_ident('public.t'), parse_ident('"My Schema"."t""x"'), parse_ident('  A . b '), parse_ident('a.b()', false)`,
      "SELECT format('%s-%I-%L', 'x', 'My T', 'it''s'), format('%2$s %1$s', 'a', 'b'), format('%I.%I', 'public', 't'), format('[%5s][%-5s]', 'ab', 'cd'), format('%s %L', NULL, NULL), format('100%%')",
      "SELECT quote_literal('a''b'), quote_literal(E'a\\\\b'), quote_nullable(NULL)",
      "SELECT current_setting('server_encoding'), current_setting('no.such', true)",
      'SELECT x, generate_series(1, x) FROM (VALUES (1), (2)) v(x) ORDER BY 1, 2',
      "SELECT s FROM string_to_array('p,q', ',') s",
    ];
    for (const q of qs) await agree(q, true);
    for (const q of ["SELECT parse_ident('a.')", "SELECT format('%I', NULL)", "SELECT format('%s %s', 'a')", "SELECT current_setting('no_such_setting')"]) {
      const code = await db.query(q).then(() => null, (e) => e.code);
      expect({ q, code }).toEqual({ q, code: await oracle.errorCode(q) });
    }
  });

  it("pg_settings shows the session's SET values", async () => {
    const s = db.newSession();
    s.execute("SET application_name = 'metabase'");
    const [r] = s.execute("SELECT name, setting, source FROM pg_settings WHERE name IN ('application_name', 'search_path', 'max_index_keys') ORDER BY name");
    expect(r.rows).toEqual([
      ['application_name', 'metabase', 'session'],
      ['max_index_keys', '32', 'default'],
      ['search_path', '"$user", public', 'default'],
    ]);
    expect((await db.query("SELECT setting FROM pg_settings WHERE name = 'application_name'", [], { rowMode: 'array' })).rows).toEqual([['']]);
  });
});
