// Undo logs of stateful operators (see Circuit.rollback): a commit's step logs what it changes
// so that a failure later in the step can put everything back. Steps are many and failures
// rare, so a log is reused from step to step and costs no allocation once it has grown.

/** A log of numbers. */
export class NumberLog {
  private data = new Float64Array(64);
  /** Entries in use. */
  length = 0;

  push(a: number): void {
    if (this.length === this.data.length) this.grow();
    this.data[this.length++] = a;
  }

  push2(a: number, b: number): void {
    if (this.length + 2 > this.data.length) this.grow();
    this.data[this.length++] = a;
    this.data[this.length++] = b;
  }

  push3(a: number, b: number, c: number): void {
    if (this.length + 3 > this.data.length) this.grow();
    this.data[this.length++] = a;
    this.data[this.length++] = b;
    this.data[this.length++] = c;
  }

  push5(a: number, b: number, c: number, d: number, e: number): void {
    if (this.length + 5 > this.data.length) this.grow();
    const x = this.data;
    let n = this.length;
    x[n++] = a;
    x[n++] = b;
    x[n++] = c;
    x[n++] = d;
    x[n++] = e;
    this.length = n;
  }

  at(i: number): number {
    return this.data[i];
  }

  clear(): void {
    this.length = 0;
  }

  private grow(): void {
    const d = new Float64Array(this.data.length * 2);
    d.set(this.data);
    this.data = d;
  }
}

/** A log of references (dropped on clear, so the log keeps nothing alive). */
export class RefLog<T> {
  private data: (T | undefined)[] = [];
  length = 0;

  push(x: T): void {
    this.data[this.length++] = x;
  }

  at(i: number): T {
    return this.data[i] as T;
  }

  clear(): void {
    if (this.length > 0) this.data.fill(undefined, 0, this.length);
    this.length = 0;
  }
}
