// Database round trips, their time and pool waits, fed by one wrapper around pool.query in
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
 * Runs one pooled query and counts it. The hook for servers/core/db/db.ts:
 * `const r = await timedQuery(pool, sql.name, () => pool.query(sql));`
 */
export async function timedQuery<T>(pool: PoolCounts, statement: string | undefined, run: () => Promise<T>): Promise<T> {
  const name = statement ?? 'unnamed';
  statements.set(name, (statements.get(name) ?? 0) + 1);
  // pg-pool hands an idle client over at once and opens a new one below `max`: only past that the
  // query queues (waitingCount counts queries already queued).
  if (pool.waitingCount > 0 || (pool.idleCount === 0 && pool.totalCount >= (pool.options.max ?? 10))) poolWaits++;
  const start = performance.now();
  try {
    return await run();
  } finally {
    durations.observe((performance.now() - start) / 1000);
  }
}

/** Pool occupancy, read when scraped (nothing per request). */
export function watchPool(pool: PoolCounts): void {
  scrapedGauge('db_pool_connections', 'Open pooled connections.', () => pool.totalCount);
  scrapedGauge('db_pool_idle_connections', 'Idle pooled connections.', () => pool.idleCount);
  scrapedGauge('db_pool_waiting_queries', 'Queries waiting for a pooled connection now.', () => pool.waitingCount);
}
