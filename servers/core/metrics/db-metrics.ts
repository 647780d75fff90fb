// Database round trips, their time and pool waits, counted around the one pool.query call in
// servers/core/db/db.ts, plus the pool's own counters read at scrape time.
import { Buckets, scrapedGauge, scrapedMetric } from './registry';

const statements = new Map<string, number>();
const durations = new Buckets([0.0002, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5]);
let poolWaits = 0;

scrapedMetric('db_queries_total', 'Database round trips on the pool, by prepared statement name ("unnamed" for ad-hoc SQL).', 'counter', () =>
  [...statements].map(([statement, value]) => ({ labels: { statement }, value })),
);
scrapedMetric('db_query_duration_seconds', 'Time a pooled query took, waiting for a free connection included.', 'histogram', () =>
  durations.samples('db_query_duration_seconds', {}),
);
scrapedMetric('db_pool_waits_total', 'Queries that found no idle pooled connection and had to wait for one.', 'counter', () => [
  { labels: {}, value: poolWaits },
]);

/** What db-metrics.ts needs of a pg.Pool (its public counters). */
export interface PoolCounts {
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
  readonly options: { max?: number };
}

/**
 * Counts one pooled query as it starts; returns its start time for queryDone(). The hooks of
 * servers/core/db/db.ts's one query function (plain calls, not a wrapper: every async frame around
 * pool.query is paid on every authenticated session request, ISSUE 11).
 */
export function queryStarted(pool: PoolCounts, statement: string | undefined): number {
  const name = statement ?? 'unnamed';
  statements.set(name, (statements.get(name) ?? 0) + 1);
  // pg-pool hands an idle client over at once and opens a new one below `max`: only past that the
  // query queues (waitingCount counts queries already queued).
  if (pool.waitingCount > 0 || (pool.idleCount === 0 && pool.totalCount >= (pool.options.max ?? 10))) poolWaits++;
  return performance.now();
}

/** The query that queryStarted() returned `startedMs` for has finished (answered or failed). */
export function queryDone(startedMs: number): void {
  durations.observe((performance.now() - startedMs) / 1000);
}

/** Pool occupancy, read when scraped (nothing per request). */
export function watchPool(pool: PoolCounts): void {
  scrapedGauge('db_pool_connections', 'Open pooled connections.', () => pool.totalCount);
  scrapedGauge('db_pool_idle_connections', 'Idle pooled connections.', () => pool.idleCount);
  scrapedGauge('db_pool_waiting_queries', 'Queries waiting for a pooled connection now.', () => pool.waitingCount);
}
