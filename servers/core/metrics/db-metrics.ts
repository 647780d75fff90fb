// Database round trips, their time and pool waits, fed by one wrapper around pool.query in
// servers/core/db/db.ts, plus the pool's own counters read at scrape time.
import { Counter, Histogram } from 'prom-client';
import { registry, scrapedGauge } from './registry';

const queries = new Counter({
  name: 'db_queries_total',
  help: 'Database round trips on the pool, by prepared statement name ("unnamed" for ad-hoc SQL).',
  labelNames: ['statement'] as const,
  registers: [registry],
});
const queryDuration = new Histogram({
  name: 'db_query_duration_seconds',
  help: 'Time a pooled query took, waiting for a free connection included.',
  buckets: [0.0002, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5],
  registers: [registry],
});
const poolWaits = new Counter({
  name: 'db_pool_waits_total',
  help: 'Queries that found no idle pooled connection and had to wait for one.',
  registers: [registry],
});
const statementChildren = new Map<string, { inc(): void }>();

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
  let child = statementChildren.get(name);
  if (child === undefined) {
    child = queries.labels(name);
    statementChildren.set(name, child);
  }
  child.inc();
  // pg-pool hands an idle client over at once and opens a new one below `max`: only past that the
  // query queues (waitingCount counts queries already queued).
  if (pool.waitingCount > 0 || (pool.idleCount === 0 && pool.totalCount >= (pool.options.max ?? 10))) poolWaits.inc();
  const start = process.hrtime.bigint();
  try {
    return await run();
  } finally {
    queryDuration.observe(Number(process.hrtime.bigint() - start) / 1e9);
  }
}

/** Pool occupancy, read when scraped (nothing per request). */
export function watchPool(pool: PoolCounts): void {
  scrapedGauge('db_pool_connections', 'Open pooled connections.', () => pool.totalCount);
  scrapedGauge('db_pool_idle_connections', 'Idle pooled connections.', () => pool.idleCount);
  scrapedGauge('db_pool_waiting_queries', 'Queries waiting for a pooled connection now.', () => pool.waitingCount);
}
