// Each in-process revocation variant's own state: session-cached's hit ratio and size,
// jwt-push's denylist size, and whether their LISTEN connection is live. Counters are one line in
// the owner; sizes and liveness are read at scrape time, so requests pay nothing for them.
import { scrapedGauge, scrapedMetric } from './registry';

const lookups = { hit: 0, miss: 0 };

scrapedMetric(
  'session_cache_lookups_total',
  'session-cached: lookups answered from memory (hit) or from Postgres (miss, or listener not live).',
  'counter',
  () => Object.entries(lookups).map(([result, value]) => ({ labels: { result }, value })),
);

export function countCacheLookup(hit: boolean): void {
  if (hit) lookups.hit++;
  else lookups.miss++;
}

const STATE_GAUGES = {
  session_cache_entries: 'session-cached: sessions held in memory.',
  jwt_denylist_entries: 'jwt-push: revoked families and user cutoffs held in memory.',
} as const;
export type StateGauge = keyof typeof STATE_GAUGES;

/** Size of a variant's in-memory state, read when scraped. */
export function watchState(name: StateGauge, read: () => number): void {
  scrapedGauge(name, STATE_GAUGES[name], read);
}

let lastNotificationMs: number | null = null;

/**
 * The hook in servers/core/db/listener.ts startListener(): `watchListener(() => live);`. Only the
 * variants with a listener get these gauges: a plain `session` server has no listener to be down.
 */
export function watchListener(isLive: () => boolean): void {
  scrapedGauge(
    'revocation_listener_up',
    'session-cached / jwt-push: 1 while the LISTEN connection is live (memory trusted), 0 while every request asks Postgres.',
    () => (isLive() ? 1 : 0),
  );
  scrapedGauge('revocation_last_notification_age_seconds', 'Seconds since the LISTEN connection last delivered a notification (-1: none yet).', () =>
    lastNotificationMs === null ? -1 : (Date.now() - lastNotificationMs) / 1000,
  );
}

/** The hook in the listener's notification handler. */
export function noteNotification(): void {
  lastNotificationMs = Date.now();
}
