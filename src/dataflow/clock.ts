// The clock that temporal filters follow (plan/temporal_filter.ts). One value per step, shared
// by every view, so that all views and reads see the same time; it moves only between steps
// (Engine.syncClock), and only forward, whatever the wall clock does.

/** Microseconds since the Unix epoch (the representation of timestamptz values). */
export type Micros = bigint;

export const wallClock = (): Micros => BigInt(Date.now()) * 1000n;

export class StepClock {
  /**
   * The time the operators that follow the clock are at: that of the last step that moved it
   * (0 before any). Not the source's time at creation: a restored schedule is at its own
   * time, and the first sync must step from there to the present.
   */
  current: Micros = 0n;

  constructor(public source: () => Micros = wallClock) {}

  /** The time now, from the source (never before the current step's). */
  read(): Micros {
    const t = this.source();
    return t > this.current ? t : this.current;
  }

  advanceTo(t: Micros): void {
    if (t > this.current) this.current = t;
  }
}
