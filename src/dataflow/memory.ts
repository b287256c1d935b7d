// The memory budget. JavaScript cannot catch running out of heap: V8 aborts the whole process
// (or throws "Invalid array length" from deep inside an allocation). So the places where memory
// grows with the data — a join step's output, a read's result — estimate what they are about to
// allocate and check it here first, failing the statement with PostgreSQL's 53200 instead.
//
// Two limits apply: the configured budget of one operation (`tributary.memory_limit`), and the
// heap itself (an allocation that would leave less than a tenth of V8's heap free is refused,
// whatever the budget, since the server must keep room to answer other clients).

import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SqlError, SQLSTATE } from '../errors.js';
import type { Batch } from './batch.js';

/** Refusals of a memory check: `needed / allowed` tells a caller how much smaller to try. */
export class MemoryLimitError extends SqlError {
  constructor(
    readonly needed: number,
    readonly allowed: number,
    detail: string,
    /** Raised for one step's output: a smaller step (fewer input rows) may fit. */
    readonly perStep: boolean,
  ) {
    super(SQLSTATE.OUT_OF_MEMORY, 'out of memory', { detail });
  }
}

/** The heap V8 may grow to (--max-old-space-size and friends). */
export const HEAP_LIMIT = getHeapStatistics().heap_size_limit;

/** Default budget of one operation: a quarter of the heap (1 GiB under Node's usual 4 GiB). */
export const DEFAULT_MEMORY_LIMIT = Math.floor(HEAP_LIMIT / 4);

/** Rows between two checks of a growing allocation (checks read the heap statistics). */
export const CHECK_EVERY = 1 << 16;

export class MemoryBudget {
  constructor(public limit: number = DEFAULT_MEMORY_LIMIT) {}


  /**
   * Throw 53200 if `rows` rows of about `bytesPerRow` bytes each do not fit the budget or the
   * heap. `what` names the allocation, as the DETAIL's subject ("A join step", "The query's result").
   */
  check(rows: number, bytesPerRow: number, what: string, perStep = false, atLeast = false): void {
    const bytes = rows * bytesPerRow;
    const count = `${atLeast ? 'at least ' : ''}${rows} rows`;
    if (bytes > this.limit) {
      throw new MemoryLimitError(
        bytes,
        this.limit,
        `${what} would hold ${count} (about ${formatBytes(bytes)}), more than tributary.memory_limit (${formatBytes(this.limit)}) allows.`,
        perStep,
      );
    }
    checkHeap(rows, bytesPerRow, what, perStep);
  }
}

/**
 * Throw 53200 if `rows` rows of about `bytesPerRow` bytes would leave less than a tenth of the
 * V8 heap free. For state that grows with the data whatever the budget (an aggregate's groups,
 * constant rows the binder builds), checked as it grows; the budget does not apply there.
 */
export function checkHeap(rows: number, bytesPerRow: number, what: string, perStep = false): void {
  const bytes = rows * bytesPerRow;
  // the check costs a call into V8: only for allocations big enough to matter
  if (bytes < 4 << 20) return;
  const heap = getHeapStatistics();
  const free = heap.heap_size_limit - heap.used_heap_size;
  const room = free - heap.heap_size_limit / 10;
  if (bytes > room) {
    throw new MemoryLimitError(
      bytes,
      Math.max(0, room),
      `${what} would hold ${rows} rows (about ${formatBytes(bytes)}), but only ${formatBytes(Math.max(0, free))} of the server's ${formatBytes(heap.heap_size_limit)} heap is free.`,
      perStep,
    );
  }
}

/** Share of the heap in use past which work that grows it stops (after a full collection). */
const HEAP_FULL = 0.85;

let gc: (() => void) | null | undefined;

/** A full garbage collection, if V8 lets us ask for one (false if not). */
function collect(): boolean {
  if (gc === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    } catch {
      gc = null;
    }
  }
  gc?.();
  return gc !== null;
}

/**
 * The heap guard: throw 53200 if the heap is more than 85% full even after a full garbage
 * collection. Called between operators of a step and as state grows, where estimating each
 * allocation in advance is impractical (values of any size flowing through a step), so that
 * a statement fails while there is still room to report it and serve the other clients.
 */
export function checkHeapUse(what: string): void {
  let h = getHeapStatistics();
  if (h.used_heap_size < HEAP_FULL * h.heap_size_limit) return;
  if (collect()) {
    h = getHeapStatistics();
    if (h.used_heap_size < HEAP_FULL * h.heap_size_limit) return;
  }
  throw new MemoryLimitError(
    h.used_heap_size,
    HEAP_FULL * h.heap_size_limit,
    `The server's heap is ${Math.round((100 * h.used_heap_size) / h.heap_size_limit)}% full (${formatBytes(h.used_heap_size)} of ${formatBytes(h.heap_size_limit)}) ${what}.`,
    false,
  );
}

/** Rough bytes of one row of `columns` values held in columnar batches and the lists around them. */
export function rowBytes(columns: number): number {
  return 32 + 16 * columns;
}

/**
 * rowBytes plus the average size of the batch's values held by reference (strings, numerics,
 * arrays), from up to 64 evenly spread rows: what a result's rows take once expanded and sent.
 */
export function sampledRowBytes(b: Batch): number {
  let extra = 0;
  const samples = Math.min(b.length, 64);
  if (samples > 0) {
    for (const col of b.columns) {
      if (col.kind !== 'any') continue;
      const d = col.data as unknown[];
      for (let k = 0; k < samples; k++) extra += valueBytes(d[Math.floor((k * b.length) / samples)]);
    }
    extra /= samples;
  }
  return rowBytes(b.columns.length) + extra;
}

/** Rough heap bytes of one value beyond the slot holding it (strings count as flattened). */
export function valueBytes(v: unknown): number {
  switch (typeof v) {
    case 'string':
      return 16 + (/^[\x00-\xff]*$/.test(v) ? v.length : 2 * v.length);
    case 'number':
      return Number.isInteger(v) && Math.abs(v) < 2 ** 30 ? 0 : 16; // small integers are unboxed
    case 'bigint':
      return 24;
    case 'object':
      if (v === null) return 0;
      if (Array.isArray(v)) return 32 + v.reduce((s: number, x) => s + 8 + valueBytes(x), 0);
      return 96; // numeric, interval, jsonb, dates: small objects
    default:
      return 0;
  }
}


/** A size in PostgreSQL's memory units (kB, MB, GB, TB: 1024-based), exact when it can be. */
export function formatBytes(n: number): string {
  const units: [string, number][] = [['TB', 1024 ** 4], ['GB', 1024 ** 3], ['MB', 1024 ** 2], ['kB', 1024]];
  for (const [u, m] of units) if (n >= m) return Number.isInteger(n / m) ? `${n / m}${u}` : `${(n / m).toFixed(1)}${u}`;
  return `${Math.round(n)} bytes`;
}

/**
 * A memory size as PostgreSQL's memory settings take it: a number with an optional unit
 * (B, kB, MB, GB, TB; 1024-based; a bare number is kB as for work_mem). Null if malformed.
 */
export function parseMemorySize(s: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(B|kB|MB|GB|TB)?\s*$/.exec(s);
  if (!m) return null;
  const mult: Record<string, number> = { B: 1, kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };
  const n = Math.floor(Number(m[1]) * mult[m[2] ?? 'kB']);
  return Number.isFinite(n) && n > 0 ? n : null;
}
