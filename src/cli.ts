// The `tributary` command line: an embedded SQL shell and a live demo.

import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Database } from './index.js';
import { runDemo, startNexmarkDemo } from './sources/demo.js';
import { parseSql } from './sql/parser.js';
import { SqlError } from './errors.js';
import { parseMemorySize } from './dataflow/memory.js';

const HELP = `tributary — streaming SQL with incrementally maintained materialized views

Usage:
  tributary [shell]          Embedded SQL shell: reads statements from standard input
                             (end each with ';'), prints results as tables.
  tributary demo [--seconds N]
                             Live demo on an in-memory database: a generator writes orders
                             into tables, materialized views over them are maintained and
                             their changes printed as they happen. Runs N seconds (default 10).
  tributary serve [options]  PostgreSQL wire-protocol server (psql, drivers, BI tools), in
                             memory or on a data directory (--data-dir). \`tributary serve
                             --help\` lists the options.
  tributary slt [options] PATHS…
                             Run sqllogictest files or directories (embedded or over the
                             wire, batch or incremental). \`tributary slt --help\` lists the options.
  tributary --help           This text.
  tributary --version        Print the version.

The shell and the demo run in-process on an in-memory database; no Kafka or Trino is needed.`;

const SERVE_HELP = `Usage: tributary serve [options]

Serves a database over the PostgreSQL wire protocol (v3), e.g.
  tributary serve --demo    then    psql -h 127.0.0.1 -p 6875
In memory unless --data-dir is given.

Options:
  --host HOST          Address to listen on (default 127.0.0.1, loopback only).
  --port N             TCP port (default 6875; 0 picks a free one).
  --unix-socket-dir D  Also listen on the Unix-domain socket D/.s.PGSQL.<port>, as
                       PostgreSQL does (psql -h D -p <port>); local, like loopback.
  --demo               Create the Nexmark auction streams person, auction and bid (built-in
                       generator sources, 500 events a second each) and materialized views
                       over them (bids_per_auction, hot_channels, seller_revenue,
                       auctions_by_category).
  --tls-cert FILE      PEM certificate; with --tls-key, clients may upgrade to TLS
  --tls-key FILE       (SSLRequest). Without them the server answers that TLS is off.
  --user NAME          Accept only this user name (default: any).
  --password-file FILE Require the password on the first line of FILE, checked with
                       SCRAM-SHA-256. The TRIBUTARY_PASSWORD environment variable works too.
                       Without a password, only connections from loopback addresses are
                       accepted (trust).
  --password PW        The same, given on the command line, where other local users can
                       read it (ps, /proc); prefer --password-file or TRIBUTARY_PASSWORD.
  -c NAME=VALUE        A server-wide default for a session setting, as postgres -c
                       (e.g. -c statement_timeout=5s, -c idle_in_transaction_session_timeout=1min);
                       sessions start with it and RESET returns to it. Repeatable.
  --memory-limit SIZE  What one operation (a join step, a query's result) may allocate,
                       e.g. 512MB or 2GB; a statement needing more fails with 53200
                       (out of memory). Default: a quarter of the heap limit
                       (node --max-old-space-size). SHOW tributary.memory_limit.
  --data-dir DIR       Keep the database in DIR (created if missing): the catalog, every
                       committed change and the sources' positions survive a restart or
                       a crash (kill -9); on start the server recovers what DIR holds.
                       One server per directory. Without it the data is in memory only.
  --checkpoint-interval T
                       With --data-dir: how often the state is checkpointed while commits
                       arrive (default 5s; e.g. 500ms, 1min; 0 only at shutdown). A restart
                       loads the newest checkpoint and replays the log after it.
  --synchronous-commit on|off
                       With --data-dir: acknowledge a commit once it is on disk (on, the
                       default), or at once (off: faster small commits; a crash may lose
                       the last fraction of a second of them, never part of one).
  --help               This text.

Prints where the data is kept (memory or the data directory) and where it listens; stops
cleanly on SIGINT or SIGTERM (a data directory's log is synced and its lock released). Clients get
SQL, COPY … FROM STDIN / TO STDOUT (text, CSV) and SUBSCRIBE to views, tables or queries
(e.g. psql -c 'SUBSCRIBE revenue_by_region'; Ctrl-C ends it). See README.md, "Server".`;

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
  if (cmd === 'serve') return serve(rest);
  if (cmd === 'slt') return (await import('./slt/cli.js')).sltMain(rest);
  console.error(`tributary: unknown command '${cmd}'\n\n${HELP}`);
  return 2;
}

async function serve(args: string[]): Promise<number> {
  const opts: Record<string, string | true> = {};
  const settings: Record<string, string> = {};
  const valued = new Set(['--host', '--port', '--unix-socket-dir', '--memory-limit', '--data-dir', '--tls-cert', '--tls-key', '--user', '--password', '--password-file', '--synchronous-commit', '--checkpoint-interval']);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--help' || a === '-h') {
      console.log(SERVE_HELP);
      return 0;
    }
    if (a === '--demo') opts.demo = true;
    else if (a === '-c' || (a.startsWith('-c') && a.includes('='))) {
      const spec = a === '-c' ? args[++i] : a.slice(2);
      const eq = spec?.indexOf('=') ?? -1;
      if (!spec || eq <= 0) return usageError('-c takes NAME=VALUE');
      settings[spec.slice(0, eq).replace(/-/g, '_')] = spec.slice(eq + 1);
    }
    else if (valued.has(a)) {
      if (i + 1 >= args.length) return usageError(`${a} needs a value`);
      opts[a.slice(2)] = args[++i];
    } else return usageError(`unknown option '${a}'`);
  }
  const sync = opts['synchronous-commit'];
  if (sync !== undefined && sync !== 'on' && sync !== 'off') return usageError('--synchronous-commit takes on or off');
  if (sync !== undefined && opts['data-dir'] === undefined) return usageError('--synchronous-commit needs --data-dir');
  let checkpointIntervalMs: number | undefined;
  if (opts['checkpoint-interval'] !== undefined) {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|min)?\s*$/.exec(opts['checkpoint-interval'] as string);
    if (!m) return usageError('--checkpoint-interval takes a duration such as 500ms, 5s or 1min');
    checkpointIntervalMs = Number(m[1]) * (m[2] === 'min' ? 60_000 : m[2] === 's' ? 1000 : 1);
    if (opts['data-dir'] === undefined) return usageError('--checkpoint-interval needs --data-dir');
  }
  const port = opts.port === undefined ? 6875 : Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return usageError('--port takes a port number (0-65535)');
  if ((opts['tls-cert'] === undefined) !== (opts['tls-key'] === undefined)) return usageError('--tls-cert and --tls-key go together');
  if (opts.password !== undefined && opts['password-file'] !== undefined) return usageError('--password and --password-file exclude each other');
  let password = (opts.password as string | undefined) ?? process.env.TRIBUTARY_PASSWORD;
  if (opts['password-file'] !== undefined) {
    const file = opts['password-file'] as string;
    try {
      password = readFileSync(file, 'utf8').split(/\r?\n/)[0];
    } catch (e) {
      console.error(`tributary serve: cannot read --password-file ${file}: ${(e as Error).message}`);
      return 2;
    }
    if (password === '') return usageError(`--password-file ${file}: the first line is empty`);
  }
  const memoryLimit = opts['memory-limit'] as string | undefined;
  if (memoryLimit !== undefined && parseMemorySize(memoryLimit) === null) return usageError('--memory-limit takes a size such as 512MB or 2GB');
  const dataDir = opts['data-dir'] as string | undefined;
  let db: Database;
  try {
    db = await Database.open({ memoryLimit, dataDir, synchronousCommit: sync !== 'off', checkpointIntervalMs });
  } catch (e) {
    if (!(e instanceof SqlError)) throw e;
    console.error(`tributary serve: ${e.message}${e.detail ? `\n${e.detail}` : ''}${e.hint ? `\n${e.hint}` : ''}`);
    return 1;
  }
  if (dataDir === undefined) console.log('tributary: no --data-dir: the database is in memory only and is lost when the server stops');
  else console.log(`tributary: data directory ${dataDir}`);
  // the demo's generator sources stop with the database; a data directory keeps them
  if (opts.demo && !db.engine.catalog.has('bid')) await startNexmarkDemo(db);
  const host = (opts.host as string | undefined) ?? '127.0.0.1';
  let server;
  try {
    server = await db.listen({
      host,
      port,
      unixSocketDir: opts['unix-socket-dir'] as string | undefined,
      settings,
      user: opts.user as string | undefined,
      password,
      tls: opts['tls-cert'] ? { certFile: opts['tls-cert'] as string, keyFile: opts['tls-key'] as string } : undefined,
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException)?.code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL' || code === 'ENOENT' || /another server is listening/.test(String((e as Error)?.message))) {
      // the address is taken or not ours: say so in one line, as postgres does, not with a stack
      console.error(`tributary serve: could not listen on ${host}:${port}${opts['unix-socket-dir'] ? ` or in ${opts['unix-socket-dir']}` : ''}: ${(e as Error).message}`);
      await db.close();
      return 1;
    }
    if (!(e instanceof SqlError)) throw e;
    return usageError(e.message + (e.hint ? ` (${e.hint})` : ''));
  }
  const shown = host.includes(':') ? `[${host}]` : host;
  const unixNote = opts['unix-socket-dir'] ? ` and on ${opts['unix-socket-dir']}/.s.PGSQL.${server.port}` : '';
  console.log(`tributary: listening on ${shown}:${server.port}${unixNote}${opts.demo ? ' with demo data' : ''} (psql -h ${host} -p ${server.port})`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  await db.close();
  return 0;
}

function usageError(message: string): number {
  console.error(`tributary serve: ${message}\n\n${SERVE_HELP}`);
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
