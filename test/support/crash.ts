// A process crash, in process: a database on a data directory lets go of its files and lock
// without the last checkpoint a close would take, so the next open recovers from whatever the
// directory holds, as after kill -9.

import type { Database } from '../../src/index.js';

export async function crash(db: Database): Promise<void> {
  const x = db as unknown as { checkpointer: { timer: NodeJS.Timeout | null; loading: NodeJS.Immediate | null; running: Promise<void> | null }; storage: { close(): void }; closed: boolean };
  if (x.checkpointer.timer) clearInterval(x.checkpointer.timer);
  if (x.checkpointer.loading) clearImmediate(x.checkpointer.loading);
  await x.checkpointer.running;
  db.engine.ticks.stop(); // the clock's timer dies with the process
  db.engine.wal = null;
  x.storage.close();
  x.closed = true;
}
