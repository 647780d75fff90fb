// What the servers' own /metrics say about a group's measured runs: each cell's instances are
// scraped before its group and after it, and the counters' differences are kept with the cell
// (results.json `serverMetrics`), e.g. the session-cached hit ratio the report prints beside it.
// The scrape goes to the instances' loopback metrics ports, never through the load path.
import type { Instance } from '../scripts/instances';
import type { CellRecord } from './results';

/** Counters the bench keeps (summed over a cell's instances and over their label sets unless named). */
const KEPT: Record<string, (labels: string) => string | string[] | null> = {
  session_cache_lookups_total: (l) => (l.includes('result="hit"') ? 'cacheHits' : l.includes('result="miss"') ? 'cacheMisses' : null),
  auth_outcomes_total: (l) => `auth_${/outcome="([a-z]+)"/.exec(l)?.[1] ?? 'other'}`,
  // In all, and per prepared statement (`stmt:sess_find`): the report names what a request runs.
  db_queries_total: (l) => ['dbQueries', `stmt:${/statement="([^"]*)"/.exec(l)?.[1] ?? 'unnamed'}`],
  db_pool_waits_total: () => 'dbPoolWaits',
  http_requests_total: () => 'httpRequests',
};

export type ServerCounters = Record<string, number>;

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/;

export function readCounters(text: string): ServerCounters {
  const out: ServerCounters = {};
  for (const line of text.split('\n')) {
    const m = SAMPLE.exec(line);
    const pick = m ? KEPT[m[1]] : undefined;
    if (!m || !pick) continue;
    const keys = pick(m[2] ?? '');
    for (const key of keys === null ? [] : Array.isArray(keys) ? keys : [keys]) out[key] = (out[key] ?? 0) + Number(m[3]);
  }
  return out;
}

async function scrapeAll(instances: Instance[]): Promise<ServerCounters | null> {
  const total: ServerCounters = {};
  for (const inst of instances) {
    if (!inst.metricsUrl) return null; // metrics off (jwt-metrics-off) or a floor server
    try {
      const res = await fetch(inst.metricsUrl);
      if (res.status !== 200) return null;
      for (const [k, v] of Object.entries(readCounters(await res.text()))) total[k] = (total[k] ?? 0) + v;
    } catch {
      return null;
    }
  }
  return total;
}

/**
 * Runs `measure` (a group's warm-up and rounds) between two scrapes of every cell's instances, and
 * stores the differences on the cells' records. A cell whose instances serve no metrics gets none.
 */
export async function withServerMetrics(cells: { record: CellRecord; instances: Instance[] }[], measure: () => Promise<void>): Promise<void> {
  const before = await Promise.all(cells.map((c) => scrapeAll(c.instances)));
  await measure();
  for (const [i, c] of cells.entries()) {
    const after = await scrapeAll(c.instances);
    const start = before[i];
    if (!after || !start) continue;
    c.record.serverMetrics = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (start[k] ?? 0)]));
  }
}
