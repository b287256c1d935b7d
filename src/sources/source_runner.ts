// What every source shares: applying a poll's messages to its table as one transaction,
// keeping per-partition positions in the engine (so a checkpoint can store them with the
// state they produced), recording every message it cannot use, and its status.

import type { TableEntry, TableFeed } from '../catalog/catalog.js';
import type { CommitMeta, Engine } from '../engine/engine.js';
import { SqlError } from '../errors.js';
import type { Row, Value } from '../expr/value.js';
import { tableChanges, type ChangeError } from './apply.js';
import { MessageError, type RowChange, type SourceMessage } from './types.js';

export type SourceState = 'starting' | 'running' | 'retrying' | 'failed' | 'finished' | 'stopped';
export type OnError = 'skip' | 'stop';

/** How many errors a source keeps for tributary_catalog.source_errors (all are counted). */
export const RECORDED_ERRORS = 10_000;
const RATE_WINDOW_MS = 5_000;

interface PartitionStatus {
  next: number;
  highWatermark: number | null;
  messages: number;
  errors: number;
  /** [time, messages] per poll in the last RATE_WINDOW_MS, for the rate. */
  recent: [number, number][];
}

interface RecordedError {
  partition: number | null;
  offset: number | null;
  reason: string;
  key: string | null;
  at: number;
}

/** One partition's messages of a poll, and the offset to go on from once they are applied. */
export interface Poll {
  partition: number;
  polled: readonly Decoded[];
  next: number;
}

/** A message decoded into row changes (or the reason it could not be). */
export interface Decoded {
  message: Pick<SourceMessage, 'partition' | 'offset' | 'key'>;
  changes: RowChange[] | null;
  error?: string;
}

export abstract class SourceRunner implements TableFeed {
  state: SourceState = 'starting';
  lastError: string | null = null;
  protected stopped = false;
  readonly partitions = new Map<number, PartitionStatus>();
  private recorded: RecordedError[] = [];
  private readonly startedAt = Date.now();
  private errorCount = 0;

  constructor(
    protected readonly engine: Engine,
    protected readonly table: TableEntry,
    readonly connector: string,
    readonly topic: string | null,
    protected readonly onError: OnError,
  ) {}

  abstract get description(): string;

  /** Stop consuming; resolves once nothing more will be applied. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.state !== 'failed' && this.state !== 'finished') this.state = 'stopped';
  }

  resume(positions: ReadonlyMap<number, number>): void {
    for (const [p, next] of positions) this.partition(p, next).next = next;
  }

  /** Where the applied messages of a commit end, per partition: logged with it (exactly-once recovery). */
  protected logged(positions: Iterable<readonly [number, number]>): CommitMeta {
    return { sources: [{ table: this.table.name, positions: [...positions] }] };
  }

  /** The next position to read in `partition` (the engine's truth, not the broker's). */
  nextOffset(partition: number): number | undefined {
    return this.partitions.get(partition)?.next;
  }

  protected partition(p: number, next: number): PartitionStatus {
    let s = this.partitions.get(p);
    if (!s) this.partitions.set(p, (s = { next, highWatermark: null, messages: 0, errors: 0, recent: [] }));
    return s;
  }

  protected setState(state: SourceState, error?: string): void {
    if (this.stopped || this.state === 'failed') return;
    this.state = state;
    if (error) this.lastError = error;
  }

  /** applyPolls of one partition's poll. */
  protected applyPoll(partition: number, polled: readonly Decoded[], next: number): boolean {
    return this.applyPolls([{ partition, polled, next }]);
  }

  /**
   * Append rows made by the source itself (a generator) as one transaction: straight to the
   * commit, with nothing per row; only if that fails are they wrapped one by one, so that
   * applyPoll can find and record the failing ones. `offset`: the position row i stands for.
   */
  protected applyRows(partition: number, rows: Row[], next: number, offset: (i: number) => number): boolean {
    if (this.stopped || this.state === 'failed') return false;
    try {
      this.engine.commit(new Map([[this.table, { deletes: [], inserts: rows }]]), this.logged([[partition, next]]));
    } catch (e) {
      if (!(e instanceof SqlError)) throw e;
      return this.applyPoll(partition, rows.map((row, i) => ({ message: { partition, offset: offset(i), key: null }, changes: [{ kind: 'insert', row }] })), next);
    }
    this.advance(this.partition(partition, next), next, rows.length, Date.now());
    return true;
  }

  /** A partition's poll is applied: it goes on from `next`. */
  private advance(status: PartitionStatus, next: number, messages: number, now: number): void {
    status.next = next;
    status.messages += messages;
    status.recent.push([now, messages]);
    while (status.recent.length > 0 && status.recent[0][0] < now - RATE_WINDOW_MS) status.recent.shift();
  }

  /**
   * Apply polls (each one partition's messages in offset order, already decoded, and the
   * offset to go on from) as one transaction, then advance each partition. Messages that
   * cannot be used are recorded; with on_error = 'stop' the first one fails the source, and
   * the messages before it are applied. Returns false once the source has failed.
   */
  protected applyPolls(polls: readonly Poll[]): boolean {
    if (this.stopped || this.state === 'failed') return false;
    const usable: Decoded[] = [];
    // per partition (a poll may hold several batches of one): where its messages end, and
    // where the source has to stop (on_error = 'stop')
    const wanted = new Map<number, number>();
    const ends = new Map<number, number>();
    for (const { partition, polled, next } of polls) {
      this.partition(partition, next);
      const stopped = ends.has(partition) && ends.get(partition) !== wanted.get(partition);
      wanted.set(partition, next);
      if (stopped) continue; // at an earlier batch of the partition
      ends.set(partition, next);
      for (const d of polled) {
        if (d.changes) {
          usable.push(d);
          continue;
        }
        this.record(d, d.error ?? 'unusable message');
        if (this.onError === 'stop') {
          ends.set(partition, d.message.offset);
          break;
        }
      }
    }
    const stoppedAt = this.commitAll(usable);
    if (stoppedAt) {
      // nothing from the failing message on was applied, in any partition
      for (let i = usable.indexOf(stoppedAt); i < usable.length; i++) {
        const m = usable[i].message;
        if (m.offset < ends.get(m.partition)!) ends.set(m.partition, m.offset);
      }
    }
    const now = Date.now();
    let failed = false;
    for (const [partition, end] of ends) failed ||= end !== wanted.get(partition);
    for (const { partition, polled } of polls) this.advance(this.partitions.get(partition)!, ends.get(partition)!, polled.length, now);
    if (failed) this.state = 'failed';
    return !failed;
  }

  /**
   * Commit the decoded messages as one transaction. If the transaction fails (a view's
   * expression raises, a unique key is taken), it is split in halves until the failing
   * messages are found, recorded and left out. Returns the message it had to stop at
   * (on_error = 'stop'; what precedes it is applied), or null.
   */
  private commitAll(polled: readonly Decoded[]): Decoded | null {
    if (polled.length === 0) return null;
    const changes: RowChange[] = [];
    const owner: number[] = [];
    for (let i = 0; i < polled.length; i++) {
      for (const c of polled[i].changes!) {
        changes.push(c);
        owner.push(i);
      }
    }
    const errors: ChangeError[] = [];
    const tc = tableChanges(this.table, changes, errors, (i) => polled[owner[i]].message.partition);
    if (errors.length > 0) {
      // a change that contradicts the table (an insert of a present key): leave its message out
      const bad = new Set(errors.map((e) => owner[e.index]));
      for (const e of errors) this.record(polled[owner[e.index]], e.reason);
      if (this.onError === 'stop') {
        const first = Math.min(...bad);
        return this.commitAll(polled.slice(0, first)) ?? polled[first];
      }
      return this.commitAll(polled.filter((_, i) => !bad.has(i)));
    }
    // the positions just past these messages (those before them in each partition are done)
    const ends = new Map<number, number>();
    for (const d of polled) ends.set(d.message.partition, Math.max(ends.get(d.message.partition) ?? 0, d.message.offset + 1));
    try {
      this.engine.commit(new Map([[this.table, tc]]), this.logged(ends));
      return null;
    } catch (e) {
      if (!(e instanceof SqlError)) throw e;
      if (polled.length === 1) {
        this.record(polled[0], `${e.message}${e.where ? ` (${e.where})` : ''}`);
        return this.onError === 'stop' ? polled[0] : null;
      }
      const half = polled.length >> 1;
      return this.commitAll(polled.slice(0, half)) ?? this.commitAll(polled.slice(half));
    }
  }

  protected record(d: Decoded | { message: Decoded['message'] }, reason: string): void {
    this.errorCount++;
    const p = this.partitions.get(d.message.partition);
    if (p) p.errors++;
    this.lastError = reason;
    const key = d.message.key ? d.message.key.toString('utf8').slice(0, 200) : null;
    this.recorded.push({ partition: d.message.partition, offset: d.message.offset, reason, key, at: Date.now() });
    if (this.recorded.length > RECORDED_ERRORS * 1.25) this.recorded.splice(0, this.recorded.length - RECORDED_ERRORS);
  }

  /** Record a problem of the source itself (not of a message). */
  protected recordSourceError(reason: string): void {
    this.errorCount++;
    this.lastError = reason;
    this.recorded.push({ partition: null, offset: null, reason, key: null, at: Date.now() });
  }

  statusRows(): Value[][] {
    const now = Date.now();
    const updated = BigInt(now) * 1000n;
    const rows: Value[][] = [];
    const parts = [...this.partitions].sort((a, b) => a[0] - b[0]);
    if (parts.length === 0) {
      return [[this.table.name, this.connector, this.topic, null, this.state, null, null, null, 0n, 0, BigInt(this.errorCount), this.lastError, updated]];
    }
    for (const [p, s] of parts) {
      const recent = s.recent.filter(([t]) => t >= now - RATE_WINDOW_MS).reduce((n, [, k]) => n + k, 0);
      const hw = s.highWatermark;
      rows.push([
        this.table.name, this.connector, this.topic, p, this.state, BigInt(s.next), hw === null ? null : BigInt(hw),
        hw === null ? null : BigInt(Math.max(0, hw - s.next)), BigInt(s.messages), recent / (Math.max(1, Math.min(RATE_WINDOW_MS, now - this.startedAt)) / 1000),
        BigInt(s.errors), this.lastError, updated,
      ]);
    }
    return rows;
  }

  errorRows(): Value[][] {
    return this.recorded.slice(-RECORDED_ERRORS).map((r) => [
      this.table.name, this.topic, r.partition, r.offset === null ? null : BigInt(r.offset), r.reason, r.key, BigInt(r.at) * 1000n,
    ]);
  }

  /** Decode each message, turning a MessageError into a recorded reason. */
  static decodeAll(messages: readonly SourceMessage[], decode: (m: SourceMessage) => RowChange[]): Decoded[] {
    const out: Decoded[] = new Array(messages.length);
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i];
      try {
        out[i] = { message: m, changes: decode(m) };
      } catch (e) {
        if (!(e instanceof MessageError) && !(e instanceof SqlError)) throw e;
        out[i] = { message: m, changes: null, error: e.message };
      }
    }
    return out;
  }
}
