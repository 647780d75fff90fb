// The process's one Prometheus registry. Module-level on purpose: the counters are fed from deep
// inside strategies, stores and the pool (hooks.ts), which should not have a registry threaded
// through every constructor. One server per process (run-server.ts) makes that safe.
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';

export const registry = new Registry();

let defaultsOn = false;

/**
 * Process metrics operators expect from any Node service (CPU seconds, resident memory, heap, GC,
 * event loop lag). Called by the metrics server, not at import, so a process that turned metrics
 * off pays nothing for them: the event loop lag monitor samples every 10 ms by default.
 */
export function collectProcessMetrics(): void {
  if (defaultsOn) return;
  defaultsOn = true;
  collectDefaultMetrics({ register: registry });
}

/**
 * A gauge whose value is read from its owner's state when scraped: nothing is done per request.
 * Registering a name again replaces the old one (a test or a restart of the owner re-registers).
 */
export function scrapedGauge(name: string, help: string, read: () => number): void {
  registry.removeSingleMetric(name);
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}
