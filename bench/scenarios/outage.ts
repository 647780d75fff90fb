// What happens when Postgres goes away under load, and how fast each variant recovers (BENCH.md
// question 4). Probe loops send GET /auth/me to one instance of each variant, all at once; Postgres
// is stopped (a fast shutdown: every connection is terminated), left down, and started again. Runs on
// the revocation scenario's processes (the same fleet: run.ts merges the batches).
import { revocationFleet } from './revocation';
import type { Batch, Scenario } from './types';

export const outageScenario: Scenario = {
  name: 'outage',
  method:
    'Postgres goes away under load. Concurrent probe loops (each its own user and credential) send GET /auth/me to one instance of each variant, all variants at once; Postgres is checkpointed, then stopped (fast shutdown: every connection terminated), left down, and started again. Every response is recorded with its status, latency and, where the variant reports it, whether memory or the database answered. Embedded Postgres only.',
  plan(profile, selection) {
    if (!selection.outage) return [];
    const variants = selection.variants.filter((v) => v.revocation !== false);
    if (variants.length === 0) return [];
    const o = profile.outage;
    const fleet = revocationFleet(profile, variants);
    const batch: Batch = {
      fleet,
      users: { revocation: o.connections },
      groups: [],
      outage: {
        fleetKeys: fleet.map((g) => g.key),
        connections: o.connections,
        beforeMs: o.beforeMs,
        downMs: o.downMs,
        afterMs: o.afterMs,
        // Plus stopping and starting Postgres, about a second on this class of machine.
        estimateSeconds: (o.beforeMs + o.downMs + o.afterMs) / 1000 + 1,
      },
    };
    return [batch];
  },
};
