// Checkpoints of the row-keeping operators (state_io.ts): graph A runs random steps, every
// operator's state is saved, graph B (the same operators built afresh) loads it, in a random
// order, and both then run the same random steps — plain ones, undoable ones that commit,
// undoable ones that fail and are rolled back, undoable ones run in two parts — while their
// outputs, snapshots and gated errors must stay identical: rows in the same order, values in
// the same representation (numeric 1 / 1.0 / 1.00, float -0, interval '1 day' / '24 hours').
// Saving B (and A) again must then give the same bytes.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { T, type, type SqlType } from '../../sql/types.js';
import { Decimal } from '../../expr/numeric.js';
import { parseValue } from '../../expr/cast.js';
import { formatValue } from '../../expr/format.js';
import type { Row, Value } from '../../expr/value.js';
import { SqlError } from '../../errors.js';
import { batchFromRows, emptyBatch, getValue, type Batch } from '../batch.js';
import { Circuit } from '../circuit.js';
import { GatedErrors } from '../gated_errors.js';
import { Operator } from '../operator.js';
import { StateReader, StateWriter, checkpointParts } from '../state_io.js';
import { InputOp, ZSet } from '../test_helpers.js';
import { RowStore } from '../row_store.js';
import { ArrangeOp } from './arrange.js';
import { DistinctOp } from './distinct.js';
import { FilterOp } from './filter.js';
import { IntegrateOp } from './integrate.js';
import { JoinOp, type JoinType } from './join.js';
import { MapOp } from './map.js';
import { OrderedArrangeOp } from './ordered_arrange.js';
import { ProjectOp } from './project.js';
import { SetOpOp, type SetOpKind } from './set_op.js';
import { TopKOp } from './top_k.js';
import { UnionOp } from './union.js';

// ---------------------------------------------------------------------------------------------
// values chosen to tie: equal under SQL, printed apart

const dec = (s: string): Value => (s === 'NULL' ? null : Decimal.parse(s));
const NUM = fc.constantFrom('1', '1.0', '1.00', '2.5', '2.50', '0', '-0.0', 'NULL').map(dec);
const FLT = fc.constantFrom<Value>(0, -0, 1.5, NaN, null);
const TXT = fc.constantFrom<Value>('a', 'b', 'a ', null);
const KEY = fc.constantFrom<Value>(0, 1, 2, null);
const IVL = fc.constantFrom('1 day', '24 hours', '1 mon', '30 days', 'NULL').map((s) => (s === 'NULL' ? null : parseValue(s, T.interval)));

/** One printable token per value: its type's text form, -0 and NULL apart. */
function repr(v: Value, t: SqlType): string {
  if (v === null) return 'NULL';
  if (typeof v === 'number' && Object.is(v, -0)) return '-0';
  return `${typeof v}:${formatValue(v, t)}`;
}

/** A batch in its order, exactly. */
function dump(b: Batch | undefined): string[] {
  if (b === undefined) return [];
  const out: string[] = [];
  for (let i = 0; i < b.length; i++) out.push(b.columns.map((c, k) => repr(getValue(c, i), b.types[k])).join('|') + ` x${b.weights[i]}`);
  return out;
}

// ---------------------------------------------------------------------------------------------
// the harness

interface Ctl {
  /** The last operator of every graph throws (an undoable step then fails). */
  fail: boolean;
  /** Gates of gated errors are open. */
  open: boolean;
}

interface Graph {
  inputs: InputOp[];
  /** Every operator but the inputs, in creation order. */
  ops: Operator[];
  /** More state to compare (index scans). */
  probe?: () => string[];
}

/** Runs after every other operator; throws when told. */
class FailOp extends Operator {
  constructor(
    inputs: readonly Operator[],
    private readonly ctl: Ctl,
  ) {
    super(inputs, []);
  }
  get name(): string {
    return 'Fail';
  }
  step(): Batch {
    if (this.ctl.fail) throw new SqlError('XX999', 'injected failure');
    return emptyBatch(this.types);
  }
}

interface Instance extends Graph {
  circuit: Circuit;
}

function instantiate(build: (ctl: Ctl) => Graph, ctl: Ctl): Instance {
  const g = build(ctl);
  const fail = new FailOp(g.inputs, ctl);
  const circuit = new Circuit();
  circuit.add([...g.inputs, ...g.ops, fail]);
  return { ...g, circuit };
}

type Mode = 'plain' | 'commit' | 'fail' | 'parts' | 'partsFail';
interface StepSpec {
  deltas: { row: Row; w: number }[][];
  mode: Mode;
  open: boolean;
}

const modeArb = fc.constantFrom<Mode>('plain', 'plain', 'plain', 'commit', 'commit', 'fail', 'fail', 'parts', 'partsFail');
const stepsArb = (rows: fc.Arbitrary<Row>[], max: number) =>
  fc.array(
    fc.record({
      deltas: fc.tuple(...rows.map((r) => fc.array(fc.record({ row: r, w: fc.integer({ min: -2, max: 3 }) }), { maxLength: 6 }))),
      mode: modeArb,
      open: fc.integer({ min: 0, max: 7 }).map((x) => x === 0),
    }),
    { minLength: 1, maxLength: max },
  ) as fc.Arbitrary<StepSpec[]>;

/** The inputs' committed contents; turns proposals into legal deltas (deletions clipped). */
class Inputs {
  private readonly sets: ZSet[];
  constructor(private readonly types: (readonly SqlType[])[]) {
    this.sets = types.map((t) => new ZSet(t));
  }
  legal(spec: StepSpec): { rows: Row[]; weights: number[] }[] {
    return this.types.map((t, k) => {
      const have = new ZSet(t);
      for (const e of this.sets[k].m.values()) have.add(e.row, e.w);
      const rows: Row[] = [];
      const weights: number[] = [];
      for (const { row, w } of spec.deltas[k] ?? []) {
        const ww = w < 0 ? -Math.min(-w, have.weightOf(row)) : w;
        if (ww === 0) continue;
        have.add(row, ww);
        rows.push(row);
        weights.push(ww);
      }
      return { rows, weights };
    });
  }
  commit(deltas: { rows: Row[]; weights: number[] }[]): void {
    deltas.forEach((d, k) => d.rows.forEach((r, i) => this.sets[k].add(r, d.weights[i])));
  }
}

/** Run one step on g; returns whether it committed and a transcript of every operator's output. */
function run(g: Instance, ctl: Ctl, time: number, spec: StepSpec, deltas: { rows: Row[]; weights: number[] }[]): { ok: boolean; log: string[] } {
  const mode: Mode = spec.open && spec.mode === 'plain' ? 'commit' : spec.mode; // a due error is undone
  /** Feed each input rows [from, to(n)) of its delta. */
  const feed = (from: (n: number) => number, to: (n: number) => number) =>
    g.inputs.forEach((inp, k) => {
      const d = deltas[k];
      const [a, b] = [from(d.rows.length), to(d.rows.length)];
      inp.feedBatch(batchFromRows(inp.types, d.rows.slice(a, b), d.weights.slice(a, b)));
    });
  const half = (n: number) => Math.ceil(n / 2);
  const log: string[] = [];
  const record = (out: Map<Operator, Batch>) => g.ops.forEach((op, k) => log.push(`#${k}: ${dump(out.get(op)).join(', ')}`));
  ctl.open = spec.open;
  try {
    if (mode === 'parts' || mode === 'partsFail') {
      feed(() => 0, half);
      record(g.circuit.stepPart(time));
      feed(half, (n) => n);
      ctl.fail = mode === 'partsFail';
      record(g.circuit.stepPart(time));
      g.circuit.endStep();
    } else {
      feed(() => 0, (n) => n);
      ctl.fail = mode === 'fail';
      record(g.circuit.step(time, undefined, mode !== 'plain'));
    }
    return { ok: true, log };
  } catch (e) {
    if (!(e instanceof SqlError)) throw e;
    log.push(`error: ${describeError(e)}`);
    expect(g.circuit.rollback().size).toBe(0);
    return { ok: false, log };
  } finally {
    ctl.fail = false;
    ctl.open = false;
  }
}

/** Everything readable between steps: snapshots, gated errors, probes. */
function observe(g: Instance, ctl: Ctl): string[] {
  const out: string[] = [];
  g.ops.forEach((op, k) => {
    out.push(`#${k} snapshot: ${dump(op.snapshot()).join(', ')}`);
    if (op.gatedErrors) {
      ctl.open = true;
      out.push(`#${k} errors: ${op.gatedErrors.live} ${describeError(op.gatedErrors.due())}`);
      ctl.open = false;
    }
  });
  if (g.probe) out.push(...g.probe());
  return out;
}

function describeError(e: SqlError | null): string {
  return e === null ? 'none' : JSON.stringify([e.code, e.message, e.severity, e.detail, e.hint, e.position, e.where]);
}

/** Each operator's saved state (its checkpointParts, one writer per operator). */
function save(g: Instance): Buffer[] {
  return g.ops.map((op) => {
    const w = new StateWriter();
    for (const part of checkpointParts(op)) part.saveState(w);
    return Buffer.from(w.bytes());
  });
}

function load(g: Instance, saved: Buffer[], order: number[]): void {
  for (const k of order) {
    const r = new StateReader(saved[k]);
    for (const part of checkpointParts(g.ops[k])) part.loadState(r);
    expect(r.done, `operator #${k} (${g.ops[k].name}) left bytes unread`).toBe(true);
  }
}

/** The property: restore B from A after `pre`, then both run `post` identically. */
function checkRestore(build: (ctl: Ctl) => Graph, types: (readonly SqlType[])[], pre: StepSpec[], post: StepSpec[], order: number[]): void {
  const ctl: Ctl = { fail: false, open: false };
  const A = instantiate(build, ctl);
  const inputs = new Inputs(types);
  let time = 1;
  for (const spec of pre) {
    const d = inputs.legal(spec);
    if (run(A, ctl, time++, spec, d).ok) inputs.commit(d);
  }
  const saved = save(A);
  const B = instantiate(build, ctl);
  const perm = order.filter((k) => k < A.ops.length);
  for (let k = 0; k < A.ops.length; k++) if (!perm.includes(k)) perm.push(k);
  load(B, saved, perm);
  expect(observe(B, ctl)).toEqual(observe(A, ctl));
  expect(hex(B, save(B))).toEqual(hex(A, saved));
  for (const spec of post) {
    const d = inputs.legal(spec);
    const a = run(A, ctl, time, spec, d);
    const b = run(B, ctl, time++, spec, d);
    expect(b).toEqual(a);
    if (a.ok) inputs.commit(d);
    expect(observe(B, ctl)).toEqual(observe(A, ctl));
  }
  expect(hex(B, save(B))).toEqual(hex(A, save(A)));
}

function hex(g: Instance, saved: Buffer[]): string[] {
  return saved.map((b, k) => `#${k} ${g.ops[k].name}: ${b.toString('hex')}`);
}

function property(build: (ctl: Ctl) => Graph, types: (readonly SqlType[])[], rows: fc.Arbitrary<Row>[], numRuns = 150): void {
  fc.assert(
    fc.property(stepsArb(rows, 8), stepsArb(rows, 8), fc.array(fc.nat({ max: 40 }), { maxLength: 40 }), (pre, post, order) => {
      checkRestore(build, types, pre, post, [...new Set(order)]);
    }),
    { numRuns },
  );
}

// ---------------------------------------------------------------------------------------------
// schemas

// L (k int4, n numeric, s text), R (k int4, f float8, n numeric)
const LT = [T.int4, T.numeric, T.text];
const RT = [T.int4, T.float8, T.numeric];
const lRow = fc.tuple(KEY, NUM, TXT).map((t) => t as Row);
const rRow = fc.tuple(KEY, FLT, NUM).map((t) => t as Row);
// D (n numeric, i interval, k int4)
const DT = [T.numeric, T.interval, T.int4];
const dRow = fc.tuple(NUM, IVL, KEY).map((t) => t as Row);

// a numeric(5,2) column holding other scales, as a UNION ALL of branches with other typmods does
const NT = [type('numeric', (5 << 16) | 2)];
const nRow = fc.constantFrom('1.5', '1.50', '1.123', '123456.7', 'NULL').map((x) => [dec(x)] as Row);

const divisionByZero = () => new SqlError('22012', 'division by zero');

// L and R again with int8 keys, values around the 32-bit words' edges
const KEY8 = fc.constantFrom<Value>(0n, 1n, -1n, 2n ** 32n, -(2n ** 32n) + 1n, 2n ** 62n, null);
const LT8 = [T.int8, T.numeric, T.text];
const RT8 = [T.int8, T.float8, T.numeric];
const lRow8 = fc.tuple(KEY8, NUM, TXT).map((t) => t as Row);
const rRow8 = fc.tuple(KEY8, FLT, NUM).map((t) => t as Row);

/** Joins of L and R (keyed by column 0) through every kind of step, saved and restored. */
function joinProperty(LT: SqlType[], RT: SqlType[], lRow: fc.Arbitrary<Row>, rRow: fc.Arbitrary<Row>, numRuns: number): void {
  fc.assert(
    fc.property(
      fc.constantFrom<JoinType>('inner', 'left', 'right', 'full'),
      fc.constantFrom<JoinType>('left', 'right', 'full'),
      fc.boolean(),
      stepsArb([lRow, rRow], 8),
      stepsArb([lRow, rRow], 8),
      fc.array(fc.nat({ max: 20 }), { maxLength: 20 }),
      (t1, t2, residual, pre, post, order) => {
        const build = (ctl: Ctl): Graph => {
          const l = new InputOp(LT);
          const r = new InputOp(RT);
          const la = new ArrangeOp(l, [0]);
          const ra = new ArrangeOp(r, [0]);
          // over [k, n, s, k, f, n]: fails (gated) for s = 'b' with f NaN
          const res = (b: Batch, i: number): Value => {
            const s = getValue(b.columns[2], i);
            const f = getValue(b.columns[4], i);
            if (s === 'b' && Number.isNaN(f)) throw divisionByZero();
            return s === null || f === null ? null : !(s === 'a ' && f === 1.5);
          };
          const j1 = new JoinOp(la, ra, { type: t1, residual: residual ? res : undefined, errors: residual ? new GatedErrors([() => ctl.open]) : null });
          const lb = new ArrangeOp(l, [1]); // numeric keys: 1 = 1.0 = 1.00
          const rb = new ArrangeOp(r, [2]);
          const j2 = new JoinOp(lb, rb, { type: t2 });
          const lc = new ArrangeOp(l, []);
          const rc = new ArrangeOp(r, []);
          const j3 = new JoinOp(lc, rc, { type: 'full', residual: (b, i) => getValue(b.columns[2], i) !== 'a' });
          const j4 = new JoinOp(la, la, { type: 'left', residual: (b, i) => getValue(b.columns[2], i) !== getValue(b.columns[5], i) }); // shares la
          // downstream operators see the joins' output order: slots, representations
          const i1 = new IntegrateOp(j1);
          const p2 = new ProjectOp(j2, [1]);
          const d2 = new DistinctOp(p2);
          const i4 = new IntegrateOp(j4);
          return { inputs: [l, r], ops: [la, ra, j1, lb, rb, j2, lc, rc, j3, j4, i1, p2, d2, i4] };
        };
        checkRestore(build, [LT, RT], pre, post, [...new Set(order)]);
      },
    ),
    { numRuns },
  );
}

describe('checkpoints of row-keeping operators', () => {
  it('IntegrateOp: rows, weights, slot order (property)', () => {
    property(
      () => {
        const l = new InputOp(LT);
        const r = new InputOp(RT);
        const n = new InputOp(NT);
        const ops = [new IntegrateOp(l), new IntegrateOp(r), new IntegrateOp(new UnionOp([l, l])), new IntegrateOp(n)];
        return { inputs: [l, r, n], ops: [ops[0], ops[1], ops[2].inputs[0], ops[2], ops[3]] };
      },
      [LT, RT, NT],
      [lRow, rRow, nRow],
    );
  });

  it('ArrangeOp and JoinOp: chains, outer match counts, residual errors, shared and keyless arrangements (property)', () => {
    joinProperty(LT, RT, lRow, rRow, 200);
  });

  it('the same with int8 keys, found by their two 32-bit words (property)', () => {
    joinProperty(LT8, RT8, lRow8, rRow8, 100);
  });

  it('DistinctOp: classes, shown representations, UNION branch ranks (property)', () => {
    property(
      () => {
        const d = new InputOp(DT);
        const e = new InputOp(DT);
        const all = new DistinctOp(d); // numeric and interval: representations
        const pk = new ProjectOp(d, [2]);
        const ints = new DistinctOp(pk); // identity is equality: no Reps
        const union = new DistinctOp([d, e]);
        const pn = new ProjectOp(e, [0]);
        const pm = new ProjectOp(d, [0]);
        const union2 = new DistinctOp([pn, pm]);
        return { inputs: [d, e], ops: [all, pk, ints, union, pn, pm, union2] };
      },
      [DT, DT],
      [dRow, dRow],
    );
  });

  it('TopKOp: partitions, ties among equal representations, row numbers (property)', () => {
    property(
      () => {
        const d = new InputOp(DT);
        const byK = new TopKOp(d, { partitionCols: [2], order: [{ col: 0, desc: true, nullsFirst: true }], offset: 1, limit: 2, width: 3, rowNumber: true, insertOnly: false });
        const all = new TopKOp(d, { partitionCols: [], order: [{ col: 1, desc: false, nullsFirst: false }], offset: 0, limit: 3, width: 2, rowNumber: false, insertOnly: false });
        return { inputs: [d], ops: [byK, all] };
      },
      [DT],
      [dRow],
    );
  });

  it('SetOpOp: INTERSECT / EXCEPT [ALL], with and without representations (property)', () => {
    property(
      () => {
        const a = new InputOp(DT);
        const b = new InputOp(DT);
        const pa = new ProjectOp(a, [0, 2]);
        const pb = new ProjectOp(b, [0, 2]);
        const ia = new ProjectOp(a, [2]);
        const ib = new ProjectOp(b, [2]);
        const ops: Operator[] = [pa, pb, ia, ib];
        for (const kind of ['intersect', 'intersect_all', 'except', 'except_all'] as SetOpKind[]) {
          ops.push(new SetOpOp(pa, pb, kind), new SetOpOp(ia, ib, kind));
        }
        return { inputs: [a, b], ops };
      },
      [DT, DT],
      [dRow, dRow],
    );
  });

  it('OrderedArrangeOp: rows and index order (property)', () => {
    property(
      () => {
        const l = new InputOp(LT);
        const r = new InputOp(RT);
        const ol = new OrderedArrangeOp(l, [1, 0]);
        const or = new OrderedArrangeOp(r, [1]);
        const probe = () => {
          const out: string[] = [];
          for (const [op, prefix] of [
            [ol, []],
            [ol, [Decimal.parse('1.0')]],
            [ol, [Decimal.parse('2.5'), 1]],
            [or, []],
            [or, [-0]],
            [or, [NaN]],
          ] as [OrderedArrangeOp, Value[]][]) {
            const slots: number[] = [];
            op.arrangement.scan(prefix, null, null, slots);
            out.push(`${slots.join(',')}: ${dump(op.arrangement.rows(slots)).join(', ')}`);
          }
          const slots: number[] = [];
          or.arrangement.scan([], { value: 0, inclusive: true }, { value: 1.5, inclusive: false }, slots);
          out.push(dump(or.arrangement.rows(slots)).join(', '));
          return out;
        };
        return { inputs: [l, r], ops: [ol, or], probe };
      },
      [LT, RT],
      [lRow, rRow],
    );
  });

  it('gated errors of filters and projections (property)', () => {
    property(
      (ctl) => {
        const l = new InputOp(LT);
        const r = new InputOp(RT);
        const gate = () => ctl.open;
        // 10 / k fails for k = 0, and (another error) for k = 2 with s = 'b': recorded while the gate is closed
        const m = new MapOp(
          l,
          [
            (b, i) => {
              const k = getValue(b.columns[0], i) as number | null;
              if (k === 0) throw divisionByZero();
              if (k === 2 && getValue(b.columns[2], i) === 'b') throw new SqlError('22003', 'integer out of range', { hint: 'a hint', where: 'somewhere' });
              return k === null ? null : Math.trunc(10 / k);
            },
            (b, i) => getValue(b.columns[1], i),
          ],
          [T.int4, T.numeric],
          new GatedErrors([gate]),
        );
        const f = new FilterOp(
          r,
          (b, i) => {
            const x = getValue(b.columns[1], i);
            if (Number.isNaN(x)) throw new SqlError('22P02', 'invalid input syntax for type double precision: "NaN"', { detail: 'a detail', position: 7 });
            return x !== null;
          },
          new GatedErrors([gate]),
        );
        return { inputs: [l, r], ops: [m, new IntegrateOp(m), f, new DistinctOp(f)] };
      },
      [LT, RT],
      [lRow, rRow],
    );
  });
});

describe('checkpoint edge cases', () => {
  it('a row store keeps its slots, free list and generations', () => {
    const store = new RowStore(LT);
    const rows: Row[] = [
      [1, Decimal.parse('1.0'), 'a'],
      [1, Decimal.parse('1.00'), 'a'],
      [2, null, null],
      [0, Decimal.parse('-0.0'), 'b'],
    ];
    store.apply(batchFromRows(LT, rows, [1, 2, 1, 3]));
    store.apply(batchFromRows(LT, [rows[0], rows[2]], [-1, -1]));
    store.apply(batchFromRows(LT, [[5, null, 'x']], [1])); // reuses a freed slot
    const w = new StateWriter();
    store.saveState(w);
    const copy = new RowStore(LT);
    copy.loadState(new StateReader(Buffer.from(w.bytes())));
    expect(dump(copy.snapshot())).toEqual(dump(store.snapshot()));
    for (let s = 0; s < store.slotCount; s++) {
      expect(copy.isAlive(s)).toBe(store.isAlive(s));
      if (store.isAlive(s)) {
        expect(copy.weight(s)).toBe(store.weight(s));
        expect(copy.generationOf(s)).toBe(store.generationOf(s));
      }
    }
    // the same next slot is handed out, and a journaled step rolls back in both
    const next = batchFromRows(LT, [[9, Decimal.parse('9.90'), 'z'], rows[1]], [1, -2]);
    for (const st of [store, copy]) {
      st.journal();
      st.apply(next);
      st.rollback();
      st.apply(next);
      st.commitStep();
    }
    expect(dump(copy.snapshot())).toEqual(dump(store.snapshot()));
    const b = batchFromRows(LT, [[9, Decimal.parse('9.90'), 'z']]);
    expect(copy.find(b, 0)).toBe(store.find(b, 0));
  });

  it('an empty store, a zero-column store', () => {
    for (const types of [LT, []]) {
      const store = new RowStore(types);
      if (types.length === 0) store.apply(batchFromRows(types, [[], []], [2, 1]));
      const w = new StateWriter();
      store.saveState(w);
      const copy = new RowStore(types);
      copy.loadState(new StateReader(Buffer.from(w.bytes())));
      expect(copy.count()).toBe(store.count());
      expect(dump(copy.snapshot())).toEqual(dump(store.snapshot()));
    }
  });

  it('refuses to save an unsettled step, and to load into an operator in use', () => {
    const l = new InputOp(LT);
    const a = new ArrangeOp(l, [0]);
    const i = new IntegrateOp(l);
    const d = new DistinctOp(l);
    const c = new Circuit();
    c.add([l, a, i, d]);
    l.feed([[1, Decimal.parse('1.0'), 'a']]);
    c.stepPart(1);
    for (const op of [a, i, d]) expect(() => op.saveState(new StateWriter())).toThrow(/unsettled/);
    c.endStep();
    const w = new StateWriter();
    i.saveState(w);
    expect(() => i.loadState(new StateReader(Buffer.from(w.bytes())))).toThrow(/in use/);
  });

  it('checkpointParts: the operator when it keeps state, then its gated errors', () => {
    const l = new InputOp(LT);
    const g = new GatedErrors([() => true]);
    const f = new FilterOp(l, () => true, g);
    const p = new ProjectOp(l, [0]);
    const i = new IntegrateOp(l);
    expect(checkpointParts(f)).toEqual([g]);
    expect(checkpointParts(p)).toEqual([]);
    expect(checkpointParts(i)).toEqual([i]);
  });
});
