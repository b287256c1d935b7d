// PostgreSQL 15's lexical errors for PostgreSQL 16+ numeric literals, which the PostgreSQL 17
// parser accepts (src/sql/pg15_tokens.ts), and error positions counted in characters over
// non-ASCII text. Expected messages and positions are PostgreSQL 15.18's.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../src/index.js';

let db: Database;
beforeAll(async () => {
  db = await Database.open();
});
afterAll(async () => {
  await db.close();
});

async function failure(sql: string): Promise<{ code: string; message: string; position?: number }> {
  try {
    await db.query(sql);
  } catch (e: any) {
    return { code: e.code, message: e.message, position: e.position };
  }
  throw new Error(`no error: ${sql}`);
}

const junk = (text: string) => `trailing junk after numeric literal at or near "${text}"`;

describe('PostgreSQL 15 numeric literal syntax', () => {
  const cases: [string, string, number][] = [
    ['SELECT 1_000', junk('1_000'), 8],
    ['SELECT 1_000 AS x', junk('1_000'), 8],
    ['SELECT .5_0', junk('.5_0'), 8],
    ['SELECT 1e1_0', junk('1e1_0'), 8],
    ['SELECT 0x1F', junk('0x1F'), 8],
    ['SELECT 0x', junk('0x'), 8],
    ['SELECT 0o', junk('0o'), 8],
    ['SELECT 1 + 0x1F', junk('0x1F'), 12],
    ['SELECT 1_2.3', junk('1_2'), 8],
    ['SELECT 1e+_1', junk('1e+'), 8],
    ['SELECT 1.5ex', junk('1.5ex'), 8],
    ['SELECT -1_000', junk('1_000'), 9],
    ['SELECT - /* c */ 0x10', junk('0x10'), 18],
    ['SELECT 1::numeric(1_0,2)', junk('1_0'), 19],
    ["SELECT 'é' || 0x1F", junk('0x1F'), 15],
    ["SELECT 'é😀', 1_0", junk('1_0'), 14],
    ["SELECT 'é', 0x", junk('0x'), 13],
    ['SELECT $1a', 'trailing junk after parameter at or near "$1a"', 8],
    ['SELECT $1_0', 'trailing junk after parameter at or near "$1_0"', 8],
    ['SELECT 1; SELECT 0b1', junk('0b1'), 18],
  ];
  for (const [sql, message, position] of cases) {
    it(sql, async () => {
      expect(await failure(sql)).toEqual({ code: '42601', message, position });
    });
  }

  it('leaves strings, quoted identifiers, comments and identifiers alone', async () => {
    const r = await db.query(`SELECT 1 _1, '1_000' AS s, $$0x1F$$ AS d, "1_0" /* 0x1F */ FROM (SELECT 2 AS "1_0") q -- 1_0`, [], {
      rowMode: 'array',
      format: 'text',
    });
    expect(r.rows).toEqual([['1', '1_000', '0x1F', '2']]);
  });
});

describe('error positions count characters', () => {
  it('in the binder and the parser', async () => {
    expect(await failure("SELECT 'é😀', nocol")).toMatchObject({ code: '42703', position: 14 });
    expect(await failure("SELECT 'é😀', 1 +")).toMatchObject({ code: '42601', position: 17 });
    expect(await failure("SELECT 'é😀'; SELECT 'x' FROM nosuch")).toMatchObject({ code: '42P01', position: 30 });
  });
});
