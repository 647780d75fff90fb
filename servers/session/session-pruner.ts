// Deletes expired sessions now and then. Nothing depends on it for security (every lookup checks
// the expiry itself; koa-session never deletes expired rows): it only keeps the table small.
import { errorFields, type Logger } from '../core/log';
import type { SessionStore } from './session-store';

// Small batches, each one short statement: no long transaction, no lock held across batches, and a
// logout or login never waits more than one batch. 20 x 500 = 10,000 rows a run at most; the rest
// waits for the next run rather than making one run long.
const BATCH_SIZE = 500;
const MAX_BATCHES_PER_RUN = 20;

export interface Pruner {
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

export function startPruner(store: SessionStore, intervalMs: number, log: Logger): Pruner {
  let running: Promise<void> | null = null;
  let stopped = false;

  const run = async () => {
    let pruned = 0;
    for (let i = 0; i < MAX_BATCHES_PER_RUN && !stopped; i++) {
      const n = await store.pruneExpired(BATCH_SIZE);
      pruned += n;
      if (n < BATCH_SIZE) break;
    }
    if (pruned > 0) log.info('sessions pruned', { count: pruned });
  };

  const timer = setInterval(() => {
    if (running || stopped) return; // a slow run (database down) is never stacked with the next one
    running = run()
      .catch((err) => log.warn('session prune failed', errorFields(err)))
      .finally(() => {
        running = null;
      });
  }, intervalMs);
  // Never keeps the process alive on its own (tests, SIGTERM).
  timer.unref();

  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
