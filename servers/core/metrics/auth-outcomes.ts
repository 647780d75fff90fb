// Why a request did or did not authenticate, counted where that is known: only the jwt verifier
// knows a token was expired rather than forged, only the strategy knows it was revoked. One line at
// each such place; a counter increment is ~20 ns, and nobody scrapes it when metrics are off.
import { Counter } from 'prom-client';
import { registry } from './registry';

/**
 * Why a request did or did not authenticate. The session server says `invalid` for an unknown,
 * expired or revoked id alike: its store deletes dead rows and a lookup by hash cannot tell them
 * apart without keeping them (SECURITY.md: nothing about a session id is kept once it is dead).
 */
export type AuthOutcome = 'ok' | 'missing' | 'invalid' | 'expired' | 'revoked';

const authOutcomes = new Counter({
  name: 'auth_outcomes_total',
  help: 'Credential checks by outcome: ok, missing, invalid (malformed, forged, unknown), expired, revoked.',
  labelNames: ['outcome'] as const,
  registers: [registry],
});
const outcomeChildren = new Map<AuthOutcome, { inc(): void }>(
  (['ok', 'missing', 'invalid', 'expired', 'revoked'] as const).map((o) => [o, authOutcomes.labels(o)]),
);

export function countAuthOutcome(outcome: AuthOutcome): void {
  outcomeChildren.get(outcome)?.inc();
}
