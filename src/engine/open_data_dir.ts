// Opening a data directory: take its lock, restore the newest usable checkpoint (an older one
// if the newest is damaged), replay the log after it, start the sources from their positions,
// and from then on log every commit and checkpoint periodically.

import { listCheckpoints, readCheckpoint, setAsideCheckpoint } from '../storage/checkpoint_files.js';
import { Durability } from '../storage/durability.js';
import { restoreCheckpoint } from './checkpoint.js';
import { Checkpointer, DEFAULT_CHECKPOINT_INTERVAL_MS } from './checkpointer.js';
import type { Engine } from './engine.js';
import { LogReplay } from './recovery.js';

export interface DataDirOptions {
  dataDir: string;
  synchronousCommit?: boolean;
  /** Milliseconds between checkpoints while the log grows; 0: only at close. */
  checkpointIntervalMs?: number;
  log: (line: string) => void;
}

export function openDataDir(makeEngine: () => Engine, o: DataDirOptions): { engine: Engine; durability: Durability; checkpointer: Checkpointer } {
  const durability = Durability.open(o.dataDir, { synchronousCommit: o.synchronousCommit, log: o.log });
  try {
    const started = performance.now();
    let engine = makeEngine();
    let replay = new LogReplay(engine);
    let from = 0;
    for (const [lsn, dir] of listCheckpoints(o.dataDir)) {
      try {
        restoreCheckpoint(engine, readCheckpoint(dir));
        from = lsn;
        o.log(`restored the checkpoint at log position ${lsn} in ${Math.round(performance.now() - started)} ms`);
        const deferred = engine.circuit.deferred;
        if (deferred.waiting) {
          deferred.onDone = () => o.log(`loaded the rest of the checkpoint's state ${Math.round(performance.now() - started)} ms after the start of recovery`);
          deferred.onFailure = (e) => {
            o.log(`${e.message}; the checkpoint ${dir} is set aside`);
            try {
              setAsideCheckpoint(dir);
            } catch (x) {
              o.log(`could not set the checkpoint aside: ${(x as Error).message}`);
            }
          };
        }
        break;
      } catch (e) {
        o.log(`the checkpoint ${dir} cannot be used (${(e as Error).message}); trying an older one, or the whole log`);
        engine.deferredFeeds = null;
        engine = makeEngine();
        replay = new LogReplay(engine);
      }
    }
    try {
      durability.openLog(from, (r) => replay.apply(r), o.log);
    } finally {
      engine.deferredFeeds = null;
    }
    const { report, startSources } = replay.finish();
    if (report.records > 0) o.log(`replayed ${report.records} log records${from > 0 ? ' after the checkpoint' : ''} (${report.ddl} DDL statements, ${report.rows} row changes) in ${Math.round(report.ms)} ms`);
    o.log(`data directory ${o.dataDir} recovered in ${Math.round(performance.now() - started)} ms`);
    engine.wal = durability;
    startSources();
    const checkpointer = new Checkpointer(engine, durability, o.checkpointIntervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS, o.log, report.records > 0 ? -1 : durability.endLsn);
    checkpointer.start();
    checkpointer.loadRestoredState();
    return { engine, durability, checkpointer };
  } catch (e) {
    durability.close();
    throw e;
  }
}
