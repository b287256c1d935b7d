// Checkpoints on disk: `<dataDir>/checkpoints/<lsn, 16 hex digits>/`, one directory each:
//   manifest.json    what it covers (log position, timestamp, DDL, source positions), the
//                    files and their CRC-32s; its own body is checksummed too
//   table-<n>.arrow  a table's rows, Arrow IPC (SQL types in the fields' metadata)
//   operators.arrow  one row per stateful operator: signature, kind, state (binary)
// A checkpoint is written into a temporary directory, every file synced, then renamed into
// place and the parent directory synced: it exists whole or not at all. The newest two are
// kept (so a damaged newest one falls back to the one before, whose log is still there).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import { Binary, Table, tableFromIPC, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import { batchFromIPC, batchToIPC } from '../dataflow/arrow.js';
import type { EngineCheckpoint } from '../engine/checkpoint.js';
import { ioFailure } from './storage_errors.js';

const FORMAT = 3;
export const CHECKPOINTS_KEPT = 2;

interface Manifest {
  format: number;
  lsn: number;
  time: number;
  createdAt: string;
  ddl: EngineCheckpoint['ddl'];
  sources: EngineCheckpoint['sources'];
  watermarks: EngineCheckpoint['watermarks'];
  tables: { name: string; file: string; rows: number; crc: number }[];
  operators: { file: string; count: number; crc: number };
}

export function checkpointsDir(dataDir: string): string {
  return path.join(dataDir, 'checkpoints');
}

/** The complete checkpoints, newest first: [lsn, directory]. */
export function listCheckpoints(dataDir: string): [number, string][] {
  const dir = checkpointsDir(dataDir);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => /^[0-9a-f]{16}$/.test(n))
    .map((n) => [parseInt(n, 16), path.join(dir, n)] as [number, string])
    .sort((a, b) => b[0] - a[0]);
}

/** Rename a checkpoint whose state failed to load, so that the next start skips it (and the files stay for inspection). */
export function setAsideCheckpoint(dir: string): void {
  fs.renameSync(dir, `${dir}.damaged`);
  syncDir(path.dirname(dir));
}

/** Write `cp` as a new checkpoint (atomically), then delete all but the newest CHECKPOINTS_KEPT. Returns the oldest kept's lsn. */
export async function writeCheckpoint(dataDir: string, cp: EngineCheckpoint): Promise<number> {
  const dir = checkpointsDir(dataDir);
  fs.mkdirSync(dir, { recursive: true });
  const name = cp.lsn.toString(16).padStart(16, '0');
  const tmp = path.join(dir, `.tmp-${name}-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp);
  const files: [string, Uint8Array][] = cp.tables.map((t, i) => [`table-${i}.arrow`, batchToIPC(t.rows)]);
  const ops = new Table({
    sig: vectorFromArray(cp.operators.map((o) => o.sig), new Utf8()),
    kind: vectorFromArray(cp.operators.map((o) => o.kind), new Utf8()),
    state: vectorFromArray(cp.operators.map((o) => o.state), new Binary()),
  });
  files.push(['operators.arrow', tableToIPC(ops, 'file')]);
  const manifest: Manifest = {
    format: FORMAT,
    lsn: cp.lsn,
    time: cp.time,
    createdAt: new Date().toISOString(),
    ddl: cp.ddl,
    sources: cp.sources,
    watermarks: cp.watermarks,
    tables: cp.tables.map((t, i) => ({ name: t.name, file: files[i][0], rows: t.rows.length, crc: crc32(files[i][1]) })),
    operators: { file: 'operators.arrow', count: cp.operators.length, crc: crc32(files[files.length - 1][1]) },
  };
  const body = JSON.stringify(manifest);
  files.push(['manifest.json', Buffer.from(JSON.stringify({ crc: crc32(body), body }))]);
  try {
    for (const [file, bytes] of files) await writeSynced(path.join(tmp, file), bytes);
    syncDir(tmp);
    // one at the same position is one that could not be used (an older format): replaced
    // (should the process die in between, the older checkpoint and the log remain)
    fs.rmSync(path.join(dir, name), { recursive: true, force: true });
    fs.renameSync(tmp, path.join(dir, name));
    syncDir(dir);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw ioFailure(e, 'write checkpoint', tmp);
  }
  const all = listCheckpoints(dataDir);
  for (const [, old] of all.slice(CHECKPOINTS_KEPT)) fs.rmSync(old, { recursive: true, force: true });
  return all[Math.min(all.length, CHECKPOINTS_KEPT) - 1][0];
}

/** Read and check a checkpoint; throws (with what is wrong) if any part of it is damaged. */
export function readCheckpoint(dir: string): EngineCheckpoint {
  const outer = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { crc: number; body: string };
  if (typeof outer.body !== 'string' || crc32(outer.body) !== outer.crc) throw new Error('its manifest fails its checksum');
  const m = JSON.parse(outer.body) as Manifest;
  // format 2 is format 3 without watermarks (no table had one)
  if (m.format !== FORMAT && m.format !== 2) throw new Error(`unknown checkpoint format ${m.format}`);
  const read = (file: string, crc: number) => {
    const bytes = fs.readFileSync(path.join(dir, file));
    if (crc32(bytes) !== crc) throw new Error(`${file} fails its checksum`);
    return bytes;
  };
  const tables = m.tables.map((t) => ({ name: t.name, rows: batchFromIPC(read(t.file, t.crc)) }));
  const ops = tableFromIPC(read(m.operators.file, m.operators.crc));
  const operators: EngineCheckpoint['operators'] = [];
  const sig = ops.getChild('sig')!;
  const kind = ops.getChild('kind')!;
  const state = ops.getChild('state')!;
  for (let i = 0; i < ops.numRows; i++) operators.push({ sig: sig.get(i) as string, kind: kind.get(i) as string, state: state.get(i) as Uint8Array });
  return { lsn: m.lsn, time: m.time, ddl: m.ddl, sources: m.sources, watermarks: m.watermarks ?? [], tables, operators };
}

async function writeSynced(file: string, bytes: Uint8Array): Promise<void> {
  const h = await fs.promises.open(file, 'wx');
  try {
    await h.writeFile(bytes);
    await h.datasync();
  } finally {
    await h.close();
  }
}

function syncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
