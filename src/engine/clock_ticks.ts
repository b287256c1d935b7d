// Time passing in the views. Temporal filters (plan/temporal_filter.ts) change views without
// any write, so the engine's clock (dataflow/clock.ts) moves between steps: before each
// statement and each commit, so that a read sees the views exactly at the present, and by a
// timer when a scheduled change is due, so that subscribers see rows enter and leave without
// anyone reading. When a change is due, moving the clock is a step of its own (a tick);
// otherwise the clock just moves.
//
// A tick that fails (a view's expression raises once rows have left it, say) is undone: the
// views stay at the time before it, writes go on, reads of views that follow the clock get the
// error, and the tick is tried again after the next commit, or RETRY_MS later.

import type { Circuit } from '../dataflow/circuit.js';
import type { StepClock } from '../dataflow/clock.js';

/** Timer ticks come at most this often (reads and commits catch up exactly in between). */
export const TICK_MS = 100;
const RETRY_MS = 1000;
const MAX_DELAY_MS = 2 ** 31 - 1;

export interface TickHost {
  readonly clock: StepClock;
  readonly circuit: Circuit;
  /** No step is under way, and the engine's state may take one. */
  canTick(): boolean;
  /** Run a step at the clock's (already advanced) time; throws if it failed and was undone. */
  tickStep(): void;
}

export class ClockTicks {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private timerAt: bigint | null = null;
  private lastTick = 0;
  private retryAt = 0;
  private stopped = false;
  /** Why the views are behind the clock: the last tick's error, until a tick succeeds. */
  error: unknown = null;

  constructor(private readonly host: TickHost) {}

  /** Move the clock to the present, with a tick if a change is due by then. */
  sync(): void {
    const { clock, circuit } = this.host;
    if (!this.host.canTick()) return;
    const now = clock.read();
    if (now <= clock.current) return;
    const next = circuit.followsClock ? circuit.nextClockEvent() : null;
    if (next === null || next > now) {
      if (this.error === null) clock.advanceTo(now);
      return;
    }
    if (this.error !== null && Date.now() < this.retryAt) return;
    const before = clock.current;
    clock.advanceTo(now);
    try {
      this.host.tickStep();
      this.error = null;
    } catch (e) {
      clock.current = before; // the step was undone: the views are still at that time
      this.error = e;
      this.retryAt = Date.now() + RETRY_MS;
    }
    this.schedule();
  }

  /** A commit: it may have scheduled changes, or cured what made the last tick fail. */
  committed(): void {
    this.retryAt = 0;
    this.schedule();
  }

  /** Set the timer for the next scheduled change (after a step that may have scheduled some). */
  schedule(): void {
    const { clock, circuit } = this.host;
    if (this.stopped || !circuit.followsClock) return;
    const next = circuit.nextClockEvent();
    if (next === null) return this.clearTimer();
    if (this.timer !== null && this.timerAt !== null && this.timerAt <= next) return;
    this.clearTimer();
    const untilDue = Number((next - clock.read()) / 1000n) + 1;
    const spacing = (this.error !== null ? this.retryAt : this.lastTick + TICK_MS) - Date.now();
    const delay = Math.min(MAX_DELAY_MS, Math.max(0, untilDue, spacing));
    this.timerAt = next;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = null;
      this.lastTick = Date.now(); // spaced even when a commit under way holds the tick back
      this.sync();
      this.schedule();
    }, delay);
    // an embedding program may exit while views wait for the clock
    this.timer.unref?.();
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = null;
  }

  stop(): void {
    this.stopped = true;
    this.clearTimer();
  }
}
