// Peak memory of a `tributary serve` child process under one workload, read from the kernel
// (VmHWM: the process's peak resident set size). Used for docs/performance.md's memory
// figures; not part of `npm run bench`.
//
//   npx tsx benchmarks/server_memory.ts copy [MB] [--src DIR]
//
//   npx tsx benchmarks/server_memory.ts subscribe [SUBSCRIBERS] [COMMITS] [--src DIR]
//
//   npx tsx benchmarks/server_memory.ts portal [ROWS] [FETCH] [--src DIR]
//
// copy: COPY FROM STDIN of MB megabytes (default 100) of text-format rows
// `k int, v text, n numeric` through node-postgres (pg-copy-streams), in 64 KiB CopyData
// messages. subscribe: COMMITS inserts of 1,000 rows each while SUBSCRIBERS clients (default 6)
// subscribed to the table have stopped reading. portal: a row-limited portal over
// `SELECT g, repeat('x', 100) FROM generate_series(1, ROWS) g` (default 10M rows) read FETCH
// rows per Execute (default 100), with Flush, as pg-cursor does. --src runs another checkout's src/cli.ts (e.g. an export of an older commit).

import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { serialize } from 'pg-protocol';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { RawClient, spawnServer } from '../test/server/support.js';
import { from as copyFrom } from 'pg-copy-streams';

async function startServer(src: string): Promise<{ child: ChildProcess; port: number }> {
  if (src === resolve(import.meta.dirname, '../src')) return spawnServer();
  // another checkout: the same as spawnServer, with its cli.ts
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(src, 'cli.ts'), 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((res, rej) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on [^ ]+:(\d+)/.exec(out);
      if (m) res(Number(m[1]));
    });
    child.once('exit', (code) => rej(new Error(`server exited (${code}) before listening: ${out}`)));
  });
  return { child, port };
}

/** Peak and current resident set size of a process, in MiB. */
export function rss(pid: number): { peak: number; now: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)![1]);
  return { peak: kb('VmHWM') / 1024, now: kb('VmRSS') / 1024 };
}

async function copyWorkload(port: number, pid: number, mb: number): Promise<void> {
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'bench' });
  await c.connect();
  await c.query('CREATE TABLE t (k int PRIMARY KEY, v text, n numeric)');
  const idle = rss(pid);
  const target = mb * 1024 * 1024;
  let sent = 0;
  let k = 0;
  function* chunks(): Generator<Buffer> {
    while (sent < target) {
      let s = '';
      while (s.length < 65536) {
        k++;
        s += `${k}\tsome text for row ${k}, padded to a typical width\t${k}.${k % 100}\n`;
      }
      sent += s.length;
      yield Buffer.from(s);
    }
  }
  const t0 = performance.now();
  await pipeline(Readable.from(chunks()), c.query(copyFrom('COPY t FROM STDIN')));
  const ms = performance.now() - t0;
  const count = (await c.query('SELECT count(*)::int AS n FROM t')).rows[0].n;
  if (count !== k) throw new Error(`loaded ${count} rows, sent ${k}`);
  const after = rss(pid);
  console.log(`COPY of ${(sent / 2 ** 20).toFixed(0)} MiB (${k} rows) in ${(ms / 1000).toFixed(1)} s`);
  console.log(`server RSS: idle ${idle.now.toFixed(0)} MiB, peak ${after.peak.toFixed(0)} MiB, after ${after.now.toFixed(0)} MiB`);
  await c.end();
}

/** A client that sends SUBSCRIBE and then never reads (its socket is paused). */
async function stalledSubscriber(port: number, sql: string): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((r, j) => socket.once('connect', r).once('error', j));
  socket.write(serialize.startup({ user: 'stalled', database: 'bench' }));
  await new Promise((r) => setTimeout(r, 100));
  socket.write(serialize.query(sql));
  await new Promise((r) => setTimeout(r, 100));
  socket.pause();
  return socket;
}

async function subscribeWorkload(port: number, pid: number, subscribers: number, commits: number): Promise<void> {
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'bench' });
  await c.connect();
  await c.query('CREATE TABLE t (k int, v text, n numeric)');
  const subs: Socket[] = [];
  for (let i = 0; i < subscribers; i++) subs.push(await stalledSubscriber(port, 'SUBSCRIBE t WITH (SNAPSHOT false)'));
  const idle = rss(pid);
  const values = Array.from({ length: 1000 }, (_, k) => `(${k}, 'some text for row ${k}, padded to a typical width', ${k}.5)`).join(', ');
  const t0 = performance.now();
  for (let i = 0; i < commits; i++) await c.query(`INSERT INTO t VALUES ${values}`);
  const ms = performance.now() - t0;
  const after = rss(pid);
  console.log(`${commits} commits of 1000 rows with ${subscribers} stalled subscribers: ${(ms / 1000).toFixed(2)} s (${(ms / commits).toFixed(2)} ms per commit)`);
  console.log(`server RSS: idle ${idle.now.toFixed(0)} MiB, peak ${after.peak.toFixed(0)} MiB, after ${after.now.toFixed(0)} MiB`);
  for (const s of subs) s.destroy();
  await c.end();
}

async function portalWorkload(port: number, pid: number, rows: number, fetch: number): Promise<void> {
  const c = await RawClient.connect(port);
  const idle = rss(pid);
  const t0 = performance.now();
  c.send(serialize.parse({ text: `SELECT g, repeat('x', 100) AS pad FROM generate_series(1, ${rows}) g`, types: [] }));
  c.send(serialize.bind({}));
  let got = 0;
  let executes = 0;
  for (let done = false; !done; ) {
    c.send(serialize.execute({ rows: fetch }));
    c.send(serialize.flush());
    executes++;
    for (;;) {
      const m = await c.next();
      if (!m || m.type === 'E') throw new Error(`failed after ${got} rows: ${m?.body.toString() ?? 'connection closed'}`);
      if (m.type === 'D') got++;
      else if (m.type === 's') break;
      else if (m.type === 'C') {
        done = true;
        break;
      }
    }
  }
  c.send(serialize.sync());
  await c.readUntil('Z');
  const ms = performance.now() - t0;
  const after = rss(pid);
  console.log(`${got} rows in ${executes} Executes of ${fetch}: ${(ms / 1000).toFixed(1)} s`);
  console.log(`server RSS: idle ${idle.now.toFixed(0)} MiB, peak ${after.peak.toFixed(0)} MiB, after ${after.now.toFixed(0)} MiB`);
  c.end();
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const srcAt = args.indexOf('--src');
  const src = srcAt >= 0 ? args.splice(srcAt, 2)[1] : resolve(import.meta.dirname, '../src');
  const [workload, size] = args;
  const { child, port } = await startServer(src);
  try {
    if (workload === 'copy') await copyWorkload(port, child.pid!, Number(size ?? 100));
    else if (workload === 'subscribe') await subscribeWorkload(port, child.pid!, Number(size ?? 6), Number(args[2] ?? 400));
    else if (workload === 'portal') await portalWorkload(port, child.pid!, Number(size ?? 10_000_000), Number(args[2] ?? 100));
    else throw new Error(`unknown workload ${workload}`);
  } finally {
    child.kill('SIGTERM');
  }
}

if (process.argv[1] && import.meta.filename === resolve(process.argv[1])) await main();
