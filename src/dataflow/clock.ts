// The clock that temporal filters follow (plan/temporal_filter.ts). One value per step, shared
// by every view, so that all views and reads see the same time; it moves only between steps
// (Engine.syncClock), and only forward, whatever the wall clock does.

/** Microseconds since the Unix epoch (the representation of timestamptz values). */
export type Micros = bigint;

export const wallClock = (): Micros => BigInt(Date.now()) * 1000n;

export class StepClock {
  /** The time of the current step. */
  current: Micros;

  constructor(public source: () => Micros = wallClock) {
    this.current = source();
  }

  /** The time now, from the source (never before the current step's). */
  read(): Micros {
    const t = this.source();
    return t > this.current ? t : this.current;
  }

  advanceTo(t: Micros): void {
    if (t > this.current) this.current = t;
  }
}
