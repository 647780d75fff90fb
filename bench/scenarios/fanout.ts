// Notify fan-out as instances are added: the variants that answer from memory and learn of a
// revocation by LISTEN/NOTIFY (session-cached, jwt-push) grow from 2 to 32 instances on one
// database. At each count: the revocation window of a logout probed on every instance (one NOTIFY,
// delivered to N listeners), the memory of every instance (idle instances are cheap in CPU; memory
// and Postgres connections are what adding them costs), and the Postgres connections and backend
// memory the N instances hold. bench/fanout.ts runs it.
import type { InstanceGroupSpec } from '../fleet';
import { REVOCATION_ADMIN, REVOCATION_SERVER_ENV } from './revocation';
import type { Batch, Scenario } from './types';

/** Rough seconds per added instance (a TypeScript server starting on a busy 2-core machine, 4 at a time). */
const START_SECONDS = 0.8;

export const fanoutScenario: Scenario = {
  name: 'fanout',
  method:
    "Each LISTEN/NOTIFY variant starts on the smallest instance count of one database and grows step by step (the same servers, more of them). At each count: the window of a logout revoked on one instance and probed on all (as in the revocation scenario), the resident memory of every instance, and the connections each instance holds on Postgres (pool and listener, told apart by application_name) with the private memory of their backends. Variants run one after the other, so one variant's connections never crowd the other's.",
  plan(profile, selection) {
    if (!selection.fanout) return [];
    const f = profile.fanout;
    const variants = selection.variants.filter((v) => v.revocation === 'notify' && (!f.variants || f.variants.includes(v.name)));
    if (variants.length === 0) return [];
    const maxN = Math.max(...f.instances);
    const fleet: InstanceGroupSpec[] = variants.map((variant) => ({
      key: `fanout/${variant.name}`,
      variant,
      count: Math.min(...f.instances),
      database: `${variant.name}_fanout`,
      // The revocation scenario's servers, so the windows read alike (pool of 4, product token lifetime).
      env: { ...REVOCATION_SERVER_ENV, ADMIN_PASSWORD: REVOCATION_ADMIN.password },
    }));
    // Per step: a warm-up revocation per instance, then the measured repetitions.
    const users = f.instances.reduce((s, n) => s + n + f.repetitions, 0);
    const estimateSeconds = variants.length * (maxN * START_SECONDS + f.instances.length * (f.repetitions + 1) * 0.1);
    const batch: Batch = {
      fleet,
      users: { revocation: users },
      groups: [],
      fanout: {
        fleetKeys: fleet.map((g) => g.key),
        instances: f.instances,
        repetitions: f.repetitions,
        boundMs: f.boundMs,
        maxProbesPerInstance: 20_000,
        estimateSeconds,
      },
    };
    return [batch];
  },
};
