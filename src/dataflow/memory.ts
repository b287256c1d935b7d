// The memory budget. JavaScript cannot catch running out of heap: V8 aborts the whole process
// (or throws "Invalid array length" from deep inside an allocation). So the places where memory
// grows with the data — a join step's output, a read's result — estimate what they are about to
// allocate and check it here first, failing the statement with PostgreSQL's 53200 instead.
//
// Two limits apply: the configured budget of one operation (`tributary.memory_limit`), and the
// heap itself (an allocation that would leave less than a tenth of V8's heap free is refused,
// whatever the budget, since the server must keep room to answer other clients).

import { getHeapStatistics } from 'node:v8';
import { SqlError, SQLSTATE } from '../errors.js';

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
   * heap. `what` names the allocation for the DETAIL ("a join step", "the query's result").
   */
  check(rows: number, bytesPerRow: number, what: string, perStep = false, atLeast = false): void {
    const bytes = rows * bytesPerRow;
    const count = `${atLeast ? 'at least ' : ''}${rows} rows`;
    if (bytes > this.limit) {
      throw new MemoryLimitError(
        bytes,
        this.limit,
        `${capitalize(what)} would hold ${count} (about ${formatBytes(bytes)}), more than tributary.memory_limit (${formatBytes(this.limit)}) allows.`,
        perStep,
      );
    }
    // the heap check costs a call into V8: only for allocations big enough to matter
    if (bytes < 4 << 20) return;
    const heap = getHeapStatistics();
    const free = heap.heap_size_limit - heap.used_heap_size;
    if (bytes > free - heap.heap_size_limit / 10) {
      throw new MemoryLimitError(
        bytes,
        Math.max(0, free - heap.heap_size_limit / 10),
        `${capitalize(what)} would hold ${count} (about ${formatBytes(bytes)}), but only ${formatBytes(Math.max(0, free))} of the server's ${formatBytes(heap.heap_size_limit)} heap is free.`,
        perStep,
      );
    }
  }
}

/** Rough bytes of one row of `columns` values held in columnar batches and the lists around them. */
export function rowBytes(columns: number): number {
  return 32 + 16 * columns;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
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
