// How the runner reaches a database: the library directly (`embedded`), or a real PostgreSQL
// client (node-postgres) against the wire server started in-process on an ephemeral port
// (`pgwire`). Both hand back every value as PostgreSQL's text output, so one comparison
// serves both and their results must agree.

import { Database } from '../engine/database.js';
import type { Session } from '../engine/session.js';
import { formatValue } from '../expr/format.js';
import type { Cell } from './format.js';

export type Via = 'embedded' | 'pgwire';

export interface ExecResult {
  /** Command tag of the last statement ("INSERT 0 3", "SELECT 2"). */
  command: string;
  rowCount: number;
  /** Rows of the last statement (text values), empty for commands without a result. */
  rows: Cell[][];
  /** Whether the last statement returned a row description (a query). */
  hasRows: boolean;
  /** Its number of columns. */
  columns: number;
}

/** An error as the runner sees it: SQLSTATE (when the engine gave one) and message. */
export interface ExecError {
  code?: string;
  message: string;
}

export interface Connection {
  run(sql: string): Promise<ExecResult>;
}

/** One fresh database per file, reached one way, with named connections. */
export interface Driver {
  readonly via: Via;
  connection(name: string): Promise<Connection>;
  close(): Promise<void>;
}

export function toExecError(e: unknown): ExecError {
  const err = e as { code?: unknown; message?: unknown };
  const code = typeof err?.code === 'string' && /^[0-9A-Z]{5}$/.test(err.code) ? err.code : undefined;
  return { code, message: String(err?.message ?? e) };
}

class EmbeddedConnection implements Connection {
  constructor(private readonly session: Session) {}
  async run(sql: string): Promise<ExecResult> {
    const results = this.session.execute(sql);
    const last = results[results.length - 1] ?? { command: '' };
    const fields = last.fields;
    const rows = fields && last.rows ? last.rows.map((r) => r.map((v, i) => (v === null ? null : formatValue(v, fields[i].sqlType)))) : [];
    return { command: last.command, rowCount: last.rowCount ?? rows.length, rows, hasRows: !!fields, columns: fields?.length ?? 0 };
  }
}

export class EmbeddedDriver implements Driver {
  readonly via = 'embedded';
  private readonly conns = new Map<string, Connection>();
  private constructor(readonly db: Database) {}
  static async open(): Promise<EmbeddedDriver> {
    return new EmbeddedDriver(await Database.open());
  }
  async connection(name: string): Promise<Connection> {
    let c = this.conns.get(name);
    if (!c) this.conns.set(name, (c = new EmbeddedConnection(this.db.newSession())));
    return c;
  }
  async close(): Promise<void> {
    await this.db.close();
  }
}

// node-postgres is loaded lazily so that the embedded runner does not need it.
type PgClient = {
  connect(): Promise<void>;
  end(): Promise<void>;
  on(ev: 'error', f: (e: Error) => void): void;
  query(cfg: { text: string; rowMode: 'array'; types: unknown }): Promise<unknown>;
};

/** Every type as its text form: no client-side parsing, so values compare like embedded ones. */
const rawTypes = { getTypeParser: () => (v: string) => v };

class PgConnection implements Connection {
  constructor(private readonly client: PgClient) {}
  async run(sql: string): Promise<ExecResult> {
    // no parameters: the simple query protocol, which takes several statements at once
    const res = (await this.client.query({ text: sql, rowMode: 'array', types: rawTypes })) as unknown;
    const all = (Array.isArray(res) ? res : [res]) as { command: string | null; rowCount: number | null; rows: Cell[][]; fields: unknown[] }[];
    const last = all[all.length - 1];
    const command = last?.command ?? '';
    return {
      command,
      rowCount: last?.rowCount ?? 0,
      rows: last?.rows ?? [],
      hasRows: (last?.fields?.length ?? 0) > 0 || command === 'SELECT',
      columns: last?.fields?.length ?? 0,
    };
  }
}

export class PgwireDriver implements Driver {
  readonly via = 'pgwire';
  private readonly conns = new Map<string, { conn: Connection; client: PgClient }>();
  private constructor(
    private readonly db: Database,
    private readonly server: { port: number; close(): Promise<void> },
    private readonly Client: new (cfg: object) => PgClient,
  ) {}
  static async open(): Promise<PgwireDriver> {
    const pg = (await import('pg')).default as unknown as { Client: new (cfg: object) => PgClient };
    const db = await Database.open();
    const server = await db.listen({ host: '127.0.0.1', port: 0 });
    return new PgwireDriver(db, server, pg.Client);
  }
  async connection(name: string): Promise<Connection> {
    let c = this.conns.get(name);
    if (!c) {
      const client = new this.Client({ host: '127.0.0.1', port: this.server.port, user: 'slt', database: 'slt' });
      client.on('error', () => {}); // a dropped connection surfaces as a failed query
      await client.connect();
      c = { conn: new PgConnection(client), client };
      this.conns.set(name, c);
    }
    return c.conn;
  }
  async close(): Promise<void> {
    for (const { client } of this.conns.values()) await client.end().catch(() => {});
    await this.server.close();
    await this.db.close();
  }
}

export async function openDriver(via: Via): Promise<Driver> {
  return via === 'pgwire' ? PgwireDriver.open() : EmbeddedDriver.open();
}
