// statement_timeout's clock over the wire, run as PostgreSQL 15's postgres.c runs it
// (start_xact_command / enable_statement_timeout / disable_statement_timeout), checked side by
// side with PostgreSQL 15 in test/server/statement_timeout.test.ts:
// - Parse, Bind, Describe and Execute start the clock unless it is running (Close, Flush and
//   Sync do not), so a statement's Parse, Bind and Execute share one clock; a Query message's
//   statements each get their own, the first going on with one already running;
// - it stops when an Execute completes (CommandComplete, EmptyQueryResponse), at an error and
//   at Sync; a PortalSuspended leaves it running, so the Executes of a row-limited portal
//   share one clock up to Sync (JDBC syncs after each fetch; pg-cursor only at the end);
// - if it expires while the server waits for the client, nothing is sent then: the next
//   message fails with 57014 (`expired`), whatever message it is.

export class StatementTimer {
  /** When the clock runs out (Date.now() ms), or 0 when it is not running. */
  private deadline = 0;

  /** `ms`: statement_timeout now (0: none). */
  constructor(private readonly ms: () => number) {}

  /** Start the clock unless it runs; statement_timeout 0 stops a running one, as in PostgreSQL. */
  start(): void {
    const ms = this.ms();
    if (ms === 0) this.deadline = 0;
    else if (this.deadline === 0) this.deadline = Date.now() + ms;
  }

  stop(): void {
    this.deadline = 0;
  }

  /** The clock ran out (it then stops: the error is raised once). */
  expired(): boolean {
    if (this.deadline === 0 || Date.now() < this.deadline) return false;
    this.deadline = 0;
    return true;
  }
}
