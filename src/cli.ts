// The `tributary` command line: an embedded SQL shell and a live demo.

import { createInterface } from 'node:readline';
import { Database } from './index.js';
import { runDemo } from './sources/demo.js';
import { parseSql } from './sql/parser.js';

const HELP = `tributary — streaming SQL with incrementally maintained materialized views

Usage:
  tributary [shell]          Embedded SQL shell: reads statements from standard input
                             (end each with ';'), prints results as tables.
  tributary demo [--seconds N]
                             Live demo on an in-memory database: a generator writes orders
                             into tables, materialized views over them are maintained and
                             their changes printed as they happen. Runs N seconds (default 10).
  tributary --help           This text.
  tributary --version        Print the version.

Everything runs in-process on an in-memory database; no server, Kafka or Trino is needed.`;

async function main(argv: string[]): Promise<number> {
  const [cmd = 'shell', ...rest] = argv;
  if (cmd === '--help' || cmd === '-h' || cmd === 'help') {
    console.log(HELP);
    return 0;
  }
  if (cmd === '--version' || cmd === '-V') {
    console.log('tributary 0.1.0');
    return 0;
  }
  if (cmd === 'demo') {
    const i = rest.indexOf('--seconds');
    const seconds = i >= 0 ? Number(rest[i + 1]) : 10;
    if (!Number.isFinite(seconds) || seconds <= 0) {
      console.error('tributary: --seconds takes a positive number');
      return 2;
    }
    await runDemo(seconds, (line) => console.log(line));
    return 0;
  }
  if (cmd === 'shell') return shell();
  console.error(`tributary: unknown command '${cmd}'\n\n${HELP}`);
  return 2;
}

async function shell(): Promise<number> {
  const db = await Database.open();
  const rl = createInterface({ input: process.stdin, terminal: process.stdin.isTTY });
  const prompt = () => process.stdin.isTTY && process.stdout.write('tributary=> ');
  let buf = '';
  let failed = false;
  prompt();
  for await (const line of rl) {
    buf += line + '\n';
    if (!/;\s*$/.test(line)) continue;
    const sql = buf;
    buf = '';
    let stmts: string[];
    try {
      stmts = parseSql(sql).map((s) => s.text);
    } catch (e) {
      failed = true;
      printError(e);
      prompt();
      continue;
    }
    for (const stmt of stmts) {
      try {
        const r = await db.query(stmt, [], { rowMode: 'array', format: 'text' });
        for (const n of r.notices) console.log(`NOTICE:  ${n}`);
        if (r.fields.length) console.log(formatTable(r.fields.map((f) => f.name), r.rows as unknown as (string | null)[][]));
        else console.log(r.command);
      } catch (e) {
        failed = true;
        printError(e);
        break;
      }
    }
    prompt();
  }
  await db.close();
  return failed && !process.stdin.isTTY ? 1 : 0;
}

function printError(e: any): void {
  console.log(`ERROR:  ${e.message}${e.code ? ` (SQLSTATE ${e.code})` : ''}`);
  if (e.detail) console.log(`DETAIL:  ${e.detail}`);
  if (e.hint) console.log(`HINT:  ${e.hint}`);
}

/** psql's aligned format: header, dashes, rows, "(N rows)". */
export function formatTable(names: string[], rows: (string | null)[][]): string {
  const cells = rows.map((r) => r.map((v) => v ?? ''));
  const widths = names.map((n, i) => Math.max(n.length, ...cells.map((r) => r[i].length)));
  const line = (vals: string[], center = false) =>
    ' ' +
    vals
      .map((v, i) => {
        if (!center) return v.padEnd(widths[i]);
        const left = Math.floor((widths[i] - v.length) / 2);
        return (' '.repeat(left) + v).padEnd(widths[i]);
      })
      .join(' | ');
  const out = [line(names, true), widths.map((w) => '-'.repeat(w + 2)).join('+').slice(0), ...cells.map((r) => line(r))];
  out.push(`(${rows.length} row${rows.length === 1 ? '' : 's'})`);
  return out.map((l) => l.replace(/\s+$/, '')).join('\n');
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
