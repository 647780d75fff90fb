// Why a request did or did not authenticate, counted where that is known: only the jwt verifier
// knows a token was expired rather than forged, only the strategy knows it was revoked. One line at
// each such place; an increment of a plain number, read only when scraped.
import { scrapedMetric } from './registry';

/**
 * Why a request did or did not authenticate. The session server says `invalid` for an unknown,
 * expired or revoked id alike: its store deletes dead rows and a lookup by hash cannot tell them
 * apart without keeping them (SECURITY.md: nothing about a session id is kept once it is dead).
 */
export type AuthOutcome = 'ok' | 'missing' | 'invalid' | 'expired' | 'revoked';

const counts: Record<AuthOutcome, number> = { ok: 0, missing: 0, invalid: 0, expired: 0, revoked: 0 };

scrapedMetric('auth_outcomes_total', 'Credential checks by outcome: ok, missing, invalid (malformed, forged, unknown), expired, revoked.', 'counter', () =>
  Object.entries(counts).map(([outcome, value]) => ({ labels: { outcome }, value })),
);

export function countAuthOutcome(outcome: AuthOutcome): void {
  counts[outcome]++;
}
