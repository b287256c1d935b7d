// Long computations as generators, so one code path serves both callers: the embedded API
// runs them to the end at once (`runSync`), the wire server runs them in slices of bounded
// time and yields to the event loop in between (`runSliced`), where other clients are served
// and a cancel or a statement timeout is noticed.
//
// A `Work` yields at points where stopping is safe and cheap (every chunk of rows, every few
// thousand comparisons); the driver decides whether enough time has passed to pause there.

import { BatchBuilder, type Batch } from '../dataflow/batch.js';
import type { Row } from '../expr/value.js';
import type { SqlType } from '../sql/types.js';

export type Work<T> = Generator<void, T, void>;

/** Run a Work to its end without pausing. */
export function runSync<T>(w: Work<T>): T {
  for (;;) {
    const r = w.next();
    if (r.done) return r.value;
  }
}

/** Work per slice before yielding to the event loop (milliseconds). */
export const SLICE_MS = 10;

/**
 * Run a Work, awaiting `pause()` whenever a slice has taken `SLICE_MS` or `urgent()` says so
 * (e.g. the client's socket wants draining). If pause throws (cancel, timeout, the client went
 * away), the Work is closed (its `finally` blocks run) and the error passes on.
 */
export async function runSliced<T>(w: Work<T>, pause: () => Promise<void>, urgent: () => boolean = () => false): Promise<T> {
  try {
    return ((await runSlicedUntil(w, pause, urgent, () => false)) as { value: T }).value;
  } finally {
    w.return(undefined as never);
  }
}

/**
 * runSliced, except that it also stops at a yield where `enough()` is true, leaving the Work
 * open for a later call to resume (a row-limited portal runs its read this way, as far as each
 * Execute asks). `done: false` when it stopped there. The Work is closed if pause throws.
 */
export async function runSlicedUntil<T>(w: Work<T>, pause: () => Promise<void>, urgent: () => boolean, enough: () => boolean): Promise<{ done: true; value: T } | { done: false }> {
  let start = performance.now();
  try {
    for (;;) {
      const r = w.next();
      if (r.done) return { done: true, value: r.value };
      if (enough()) return { done: false };
      if (performance.now() - start >= SLICE_MS || urgent()) {
        await pause();
        start = performance.now();
      }
    }
  } catch (e) {
    w.return(undefined as never);
    throw e;
  }
}

/** Comparisons (or rows) between two yield points. */
const STEP = 4096;

/**
 * Sort `idx` (a permutation of row indices) by `cmp`, which must break every tie itself (e.g.
 * by index) so the result is the same as a stable `Array.prototype.sort`. Runs of a few
 * thousand are sorted natively, then merged pairwise, yielding every few thousand elements.
 */
export function* sortWork(idx: number[], cmp: (a: number, b: number) => number): Work<number[]> {
  const n = idx.length;
  const RUN = STEP;
  if (n <= RUN) return idx.sort(cmp);
  for (let from = 0; from < n; from += RUN) {
    const run = idx.slice(from, Math.min(n, from + RUN)).sort(cmp);
    for (let k = 0; k < run.length; k++) idx[from + k] = run[k];
    yield;
  }
  let src = idx;
  let dst = new Array<number>(n);
  for (let width = RUN; width < n; width *= 2) {
    let done = 0;
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(n, lo + width);
      const hi = Math.min(n, lo + 2 * width);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        dst[k++] = cmp(src[i], src[j]) <= 0 ? src[i++] : src[j++];
        if (++done === STEP) {
          done = 0;
          yield;
        }
      }
      while (i < mid) dst[k++] = src[i++];
      while (j < hi) dst[k++] = src[j++];
    }
    [src, dst] = [dst, src];
    yield;
  }
  return src;
}

/** A batch of rows, built with a yield every few thousand rows. */
export function* batchWork(types: readonly SqlType[], rows: readonly Row[]): Work<Batch> {
  const b = new BatchBuilder(types, rows.length);
  for (let i = 0; i < rows.length; i++) {
    b.push(rows[i], 1);
    if ((i & (STEP - 1)) === STEP - 1) yield;
  }
  return b.finish();
}

/** Yield every STEP iterations of a loop: `if (tick()) yield;`. */
export function ticker(): () => boolean {
  let n = 0;
  return () => {
    if (++n < STEP) return false;
    n = 0;
    return true;
  };
}
