// A portal's rows, handed to the client as its Executes ask (a row limit: PortalSuspended in
// between). A SELECT runs only as far as the Executes ask (Session.openSelect): its rows go
// to the client as they are produced while the Execute wants more, and those produced past
// its limit (at most a few hundred: reads yield every 512 rows) wait here for the next
// Execute. So a row-limited portal over an add-only plan holds no result, however large. A
// plan that needs all its input first (ORDER BY, aggregates) gives its whole result at its
// end, and so does any other statement (INSERT … RETURNING, SHOW): that waits here, as
// PostgreSQL keeps a sort's output or a RETURNING's rows in its portal.

import type { Row } from '../expr/value.js';
import type { SelectRun, StatementStream } from '../engine/session.js';
import type { StatementResult } from '../engine/statement.js';

/** Rows sent between two yields to the event loop. */
const ROW_BATCH = 1000;

export class PortalRows {
  /** Rows produced but not sent yet: held[at …). */
  private held: readonly Row[] = [];
  private at = 0;
  /** Rows the current Execute still wants, and has been given. */
  private room = 0;
  private given = 0;
  private running: SelectRun | null = null;
  /** The statement's result once it has ended (its command tag). */
  result: StatementResult | null = null;
  /** The statement failed: it cannot go on. */
  failed = false;

  private constructor(private readonly out: StatementStream) {}

  /** A SELECT, run as the Executes ask; `open` starts it with the stream its rows go to. */
  static select(open: (stream: StatementStream) => SelectRun, out: StatementStream): PortalRows {
    const p = new PortalRows(out);
    p.running = open({ begin: (fields) => out.begin(fields), rows: (rows) => p.produced(rows), urgent: () => out.urgent() });
    return p;
  }

  /** A statement already run whole. */
  static of(result: StatementResult, out: StatementStream): PortalRows {
    const p = new PortalRows(out);
    p.result = result;
    if (result.fields) out.begin(result.fields);
    p.held = result.rows ?? [];
    return p;
  }

  /**
   * Send up to `limit` more rows (Infinity: all that are left), running the statement as far
   * as that takes; `pace` flushes and lets other clients run between batches. Returns how many
   * were sent: fewer than `limit` only once the statement has ended.
   */
  async take(limit: number, pace: () => Promise<void>): Promise<number> {
    this.room = limit;
    this.given = 0;
    try {
      await this.drain(pace);
      while (this.room > 0 && this.running) {
        const result = await this.running.run(pace, () => this.room === 0);
        if (result) {
          this.running = null;
          this.result = result;
          if (!result.streamed) this.held = result.rows ?? [];
          await this.drain(pace);
        }
      }
    } catch (e) {
      this.failed = true;
      this.close();
      throw e;
    }
    return this.given;
  }

  /**
   * take(), done at once when the statement has ended and what is left is one batch (a
   * point read's row): null otherwise, and then nothing was sent.
   */
  takeNow(limit: number): number | null {
    if (this.running || this.held.length - this.at > ROW_BATCH) return null;
    const n = Math.min(limit, this.held.length - this.at);
    try {
      this.sendHeld(n);
    } catch (e) {
      this.failed = true;
      this.close();
      throw e;
    }
    return n;
  }

  /** Send the next n held rows; `held` is emptied once all are sent. */
  private sendHeld(n: number): void {
    if (n === 0) return;
    this.out.rows(this.at === 0 && n === this.held.length ? (this.held as Row[]) : (this.held.slice(this.at, this.at + n) as Row[]));
    this.at += n;
    if (this.at === this.held.length) {
      this.held = [];
      this.at = 0;
    }
  }

  /** Abandon the statement (Close, the end of the transaction, the client gone). */
  close(): void {
    this.running?.close();
    this.running = null;
    this.held = [];
    this.at = 0;
  }

  private produced(rows: Row[]): void {
    let sent = 0;
    if (this.room > 0 && this.at === this.held.length) {
      sent = Math.min(this.room, rows.length);
      this.out.rows(sent === rows.length ? rows : rows.slice(0, sent));
      this.room -= sent;
      this.given += sent;
    }
    if (sent < rows.length) {
      this.held = [...this.held.slice(this.at), ...rows.slice(sent)];
      this.at = 0;
    }
  }

  private async drain(pace: () => Promise<void>): Promise<void> {
    while (this.room > 0 && this.at < this.held.length) {
      const n = Math.min(this.room, ROW_BATCH, this.held.length - this.at);
      this.sendHeld(n);
      this.room -= n;
      this.given += n;
      if (this.at > 0 && this.room > 0) await pace();
    }
  }
}
