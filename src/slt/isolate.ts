// Runs a file in a worker thread under a watchdog. The engine is synchronous, so a record
// that never finishes (or exhausts memory) would stop an in-process runner — and the wire
// server, which runs in the same thread. The worker reports every record before running it;
// when one takes longer than the timeout, or the worker dies, the worker is ended, that record
// is counted as failed ("timeout" / "crash"), and the file is run again from the start on a
// fresh database with that record left out (so later records see the same state as far as
// possible). After a few such restarts the rest of the file is given up as failed.

import { Worker } from 'node:worker_threads';
import { wholeFileFailure, type FileResult, type RunOptions } from './runner.js';

export interface IsolateOptions {
  /** Per-record timeout in milliseconds. */
  timeoutMs: number;
  /** Heap limit of the worker in MB (an out-of-memory record then fails instead of the runner). */
  heapMb?: number;
}

type Attempt = { done: true; result: FileResult } | { done: false; seq: number; line: number; file: string; reason: string };

const fromSource = import.meta.url.endsWith('.ts');
const workerUrl = new URL(`./worker${fromSource ? '.ts' : '.js'}`, import.meta.url);

/** Run from TypeScript sources (tsx, as `npm run conformance` does): register tsx in the worker first. */
function spawn(options: ConstructorParameters<typeof Worker>[1]): Worker {
  if (!fromSource) return new Worker(workerUrl, options);
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(workerUrl.href)}); })`;
  return new Worker(boot, { ...options, eval: true });
}

/**
 * A worker that runs files one after another (starting one per file would cost more than most
 * files take). It is replaced after a timeout or a crash.
 */
export class WorkerLane {
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private onMessage: ((m: Msg) => void) | undefined;
  private onDeath: ((reason: string) => void) | undefined;

  constructor(private readonly iso: IsolateOptions) {}

  private start(): Promise<void> {
    const w = spawn({ resourceLimits: { maxOldGenerationSizeMb: this.iso.heapMb ?? 3072 }, stdout: false, stderr: false });
    this.worker = w;
    let resolveReady!: () => void;
    const ready = new Promise<void>((r) => (resolveReady = r));
    w.on('message', (m: Msg) => (m.type === 'ready' ? resolveReady() : this.onMessage?.(m)));
    const die = (reason: string) => {
      if (this.worker !== w) return;
      this.worker = undefined;
      this.ready = undefined;
      resolveReady();
      this.onDeath?.(reason);
    };
    w.on('error', (e) => die(`crash: ${e.message}`));
    w.on('exit', (code) => die(`crash: worker exited with code ${code}`));
    return ready;
  }

  async attempt(path: string, opts: RunOptions, exclude: Map<number, string>): Promise<Attempt> {
    if (!this.worker) this.ready = this.start();
    await this.ready;
    const w = this.worker;
    if (!w) return { done: false, seq: -1, line: 0, file: path, reason: 'crash: the worker did not start' };
    return new Promise((resolve) => {
      let current = { seq: -1, line: 0, file: path };
      let since = Date.now();
      let settled = false;
      const finish = (a: Attempt, kill: boolean) => {
        if (settled) return;
        settled = true;
        clearInterval(timer);
        this.onMessage = this.onDeath = undefined;
        if (kill && this.worker === w) {
          this.worker = undefined;
          void w.terminate();
        }
        resolve(a);
      };
      const timer = setInterval(() => {
        if (Date.now() - since > this.iso.timeoutMs) {
          finish({ done: false, ...current, reason: `timeout: no answer after ${Math.round(this.iso.timeoutMs / 1000)} s` }, true);
        }
      }, Math.max(50, Math.min(1000, this.iso.timeoutMs / 4)));
      this.onMessage = (m) => {
        if (m.type === 'item') {
          current = { seq: m.seq!, line: m.line!, file: m.file! };
          since = Date.now();
        } else if (m.type === 'done') finish({ done: true, result: m.result! }, false);
      };
      this.onDeath = (reason) => finish({ done: false, ...current, reason }, false);
      const { onItem: _o, exclude: _e, ...plain } = opts;
      w.postMessage({ path, opts: plain, exclude: [...exclude] });
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }
}

interface Msg {
  type: 'ready' | 'item' | 'done';
  seq?: number;
  line?: number;
  file?: string;
  result?: FileResult;
}

export async function runFileIsolated(path: string, opts: RunOptions, lane: WorkerLane, maxRestarts = 5): Promise<FileResult> {
  const exclude = new Map(opts.exclude ?? []);
  const t0 = performance.now();
  for (let k = 0; ; k++) {
    const a = await lane.attempt(path, opts, exclude);
    if (a.done) {
      a.result.ms = performance.now() - t0;
      return a.result;
    }
    if (a.seq < 0 || exclude.has(a.seq) || k >= maxRestarts) {
      // failed before any record, or again at the same place: give the file up
      return wholeFileFailure(path, opts, a.file, a.line, a.seq, `${a.reason} (file abandoned)`, performance.now() - t0);
    }
    exclude.set(a.seq, a.reason);
  }
}
