// Worker thread body for isolate.ts: runs the files it is sent, one at a time, and reports
// each item before it runs (the watchdog's heartbeat).

import { parentPort } from 'node:worker_threads';
import { runFile, type RunOptions } from './runner.js';

interface Job {
  path: string;
  opts: Omit<RunOptions, 'exclude' | 'onItem'>;
  exclude: [number, string][];
}

const port = parentPort!;
port.on('message', (job: Job) => {
  void runFile(job.path, {
    ...job.opts,
    exclude: new Map(job.exclude),
    onItem: (seq, line, file) => port.postMessage({ type: 'item', seq, line, file }),
  }).then((result) => port.postMessage({ type: 'done', result }));
});
port.postMessage({ type: 'ready' });
