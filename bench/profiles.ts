// How big a run is. Every number a figure depends on lives here and is recorded with the results.
import type { BudgetPlan } from './budget';

export type ProfileName = 'smoke' | 'default' | 'full';

export interface Profile {
  name: ProfileName;
  /** What the profile is for, printed in the report. */
  purpose: string;
  warmupSeconds: number;
  roundSeconds: number;
  rounds: number;
  /** Connections of the throughput workloads (public, me, cart-read, cart-write). */
  connections: number;
  /** The journey logs in on every loop: scrypt bounds it, more connections only queue. */
  journeyConnections: number;
  loginConnections: number;
  /**
   * The budgeted mini-cluster (scenarios/scaling.ts): instance counts, and the CPU budget of Postgres
   * and of each instance. Budgets plus the load generator must fit the machine (2 cores here): at the
   * largest N, N x instanceCores + postgresCores leaves the load generator at least half a core.
   */
  scaling: {
    instances: number[];
    workload: 'me';
    warmupSeconds: number;
    roundSeconds: number;
    rounds: number;
    budget: BudgetPlan;
    /** Only these variants (smoke: fewer processes to start); absent: every variant in the scaling scenario. */
    variants?: string[];
  };
  revocation: {
    /** Instances of each variant sharing one database; the credential is revoked on one, probed on all. */
    instances: number;
    /** Per variant and event, each with a fresh user and credential: enough for a median and a max. */
    repetitions: number;
    /**
     * Plain `jwt` is never revoked: each repetition waits out the whole bound, and its outcome (still
     * valid, until exp) does not vary. It gets fewer repetitions so the bound does not eat the budget.
     */
    untilExpiryRepetitions: number;
    /** Probe loop bound per repetition: ms after the revoking request was sent, and probes per instance. */
    boundMs: number;
    maxProbesPerInstance: number;
  };
  /**
   * Notify fan-out (scenarios/fanout.ts): the instance counts a LISTEN/NOTIFY variant grows through,
   * and logout revocations probed on every instance at each count.
   */
  fanout: { instances: number[]; repetitions: number; boundMs: number; variants?: string[] };
  /** Postgres goes away under load: probe loops per variant, and ms before the stop, down, after the restart. */
  outage: { connections: number; beforeMs: number; downMs: number; afterMs: number };
  /**
   * Wait until a database has been idle for Postgres' statistics flush interval before reading its
   * counters, so transactions and rows per request are exact (see cost.ts). Smoke skips the wait.
   */
  settleDbStats: boolean;
}

const PROFILES: Record<ProfileName, Profile> = {
  smoke: {
    name: 'smoke',
    purpose: 'CI: every scenario at tiny size, proves the pipeline end to end; the figures mean nothing',
    warmupSeconds: 0.1,
    roundSeconds: 0.3,
    rounds: 2,
    connections: 8,
    // One connection each for the scrypt-bound cells. A round is valid only if it gets a response,
    // and journey/login rounds last 1 s (their workloads' minimum). Their first response waits for a
    // scrypt (~37 ms quiet, up to ~400 ms measured at load average 29 on 2 cores), queued behind the
    // logins the 0.1 s warm-up left running: 4 + 4 of them on libuv's 4 threads made a round with no
    // response at all (the flaky CI failure); 1 + 1 run side by side. Not enough on its own: a smoke
    // run at load average 12 (2026-12-01) still had 8 requests of cheap cells (me, cart-read) and
    // a single login unanswered for a whole 0.3-1 s round, i.e. stalls beyond any short round.
    journeyConnections: 1,
    loginConnections: 1,
    // The pipeline end to end with the fewest processes: one variant of each strategy and session-memory.
    scaling: {
      instances: [1, 2],
      workload: 'me',
      warmupSeconds: 0.1,
      roundSeconds: 0.3,
      rounds: 1,
      budget: { postgresCores: 0.2, instanceCores: 0.15, prime: { requestsPerInstance: 200, maxSeconds: 2, beforeEachRunSeconds: 0.1 } },
      variants: ['session', 'jwt', 'session-memory'],
    },
    revocation: { instances: 2, repetitions: 2, untilExpiryRepetitions: 1, boundMs: 200, maxProbesPerInstance: 2000 },
    fanout: { instances: [1, 2], repetitions: 2, boundMs: 1000, variants: ['jwt-push'] },
    outage: { connections: 2, beforeMs: 300, downMs: 700, afterMs: 1500 },
    settleDbStats: false,
  },
  default: {
    name: 'default',
    purpose: 'npm run bench: every question answered in a few minutes on a 2-core machine',
    // Sized for conclusive headline ratios (compare.ts: 95% t interval on the paired log ratio).
    // The reference run of 3 rounds after a 0.75 s warm-up had a per-round log-ratio sd of 0.15-0.3,
    // mostly from a slow first round of the database-bound cells (a pool still warming up): with
    // t(2) = 4.3 its intervals spanned x/÷ 1.5-2.1, so a 2x difference could read "inconclusive".
    // A 1.5 s warm-up removes most of that first round, and 6 rounds (t(5) = 2.57) bring the
    // interval to about x/÷ 1.1-1.2 at the same noise: the 1.4x-2x headline differences clear 1.
    // Trimmed to 5 rounds of 1.25 s after a 1 s warm-up (t(4) = 2.78) once the floor, PgBouncer,
    // budgeted scaling and fan-out scenarios joined the default run, to keep it under 10 minutes;
    // then to rounds of 1 s after a 0.75 s warm-up when priming joined the scaling scenario (the run
    // of 2026-12-01 16:04 took 9 min 38 s): 27 interleaved cells x (0.75 + 5 x 1 + 6 x 0.4 s) =
    // ~220 s of the whole. The round count, not the length, sets the interval's t factor.
    warmupSeconds: 0.75,
    roundSeconds: 1,
    rounds: 5,
    connections: 50,
    journeyConnections: 16,
    loginConnections: 8,
    // Postgres 0.2 core, instances 0.15, N = 1..4. Primed and budgeted (2026-12-01, load average
    // ~7), /auth/me cost a `session` instance ~300-500 µs of server CPU (~300-500 req/s per instance)
    // and Postgres ~130-200 µs per request on its budget (1,000-1,500 req/s on 0.2 core): the knee of
    // `session` and `jwt-denylist` falls at 2-4 instances; the variants without a query keep adding.
    // Postgres on 0.15 core was tried (default run and `--only me,scaling`, 2026-12-01): the
    // background work of all the run's databases (autovacuum, connection start-ups) is a fixed cost
    // per second, and on the smaller budget it throttled Postgres while serving variants that send it
    // no query, and stalled a `session-cached` round. N = 6 (1.1 cores of budgets) made the machine,
    // not the budgets, the limit on a 2-core VM shared with other work, and cost a third batch of
    // start-ups: 4 x 10 pool connections per variant let 3 variants share a batch (CONNECTION_BUDGET).
    // The full profile goes to 8.
    scaling: {
      instances: [1, 2, 3, 4],
      workload: 'me',
      // A 0.2 s budgeted warm-up (2 periods) and 3 rounds of 1 s: the median of 3 drops one bad
      // round. Two were not enough: on 2026-12-01 a budgeted instance's CPU per request swung
      // 229-647 µs between 1 s windows with nothing else changing (bench/budget-probe.ts, one
      // jwt-denylist instance at 0.15 core), and the first round after the budgets often met
      // Postgres busy with background work (0.2-0.38 core while serving jwt-push, which sends it no
      // query). Each round starts 0.4 s after an unbudgeted re-warm of its instances (PrimePlan
      // beforeEachRunSeconds: an instance idles while the other cells run, and pays a one-off re-warm
      // on its next burst, more than a whole round at 0.15 core). 24 cells x (0.2 + 3 x (1 + 0.4) +
      // 7 x 0.4 s) = ~3 min.
      warmupSeconds: 0.2,
      roundSeconds: 1,
      rounds: 3,
      // 10,000 unbudgeted requests per instance first. A cold /auth/me path cost 2.5x its warm CPU
      // after 3,000 requests and ~1.1x after 8,000 (bench/prime.ts). 4,000 left the budgeted cells
      // 1.6-2.4x the unbudgeted CPU per request (2026-12-01 default run); one jwt instance primed with
      // ~100,000 then cost 88-97 µs budgeted against 93 unbudgeted, 1,600-1,750 req/s on 0.15 core
      // where the model says 1,613 (bench/budget-probe.ts). Capped at 5 s per variant (6 variants:
      // at most 30 s of the run; the re-warm before every round finishes what a short priming left)
      // on a machine too busy to get there; the report says when a variant stopped short.
      budget: { postgresCores: 0.2, instanceCores: 0.15, prime: { requestsPerInstance: 10_000, maxSeconds: 5, beforeEachRunSeconds: 0.4 } },
    },
    revocation: { instances: 3, repetitions: 10, untilExpiryRepetitions: 3, boundMs: 1000, maxProbesPerInstance: 5000 },
    fanout: { instances: [2, 4, 8, 16, 32], repetitions: 4, boundMs: 2000 },
    // After the restart: the listener retries with backoff up to 5 s (servers/core/db/listener.ts).
    outage: { connections: 4, beforeMs: 1000, downMs: 2000, afterMs: 5000 },
    settleDbStats: true,
  },
  full: {
    name: 'full',
    purpose: 'published results: longer rounds and more repetitions',
    // 10 rounds (t(9) = 2.26) of 5 s: intervals near x/÷ 1.05 at a quiet machine's noise, so
    // "no difference" (within 5%) can be shown, not just "inconclusive". ~20 minutes on 2 cores.
    warmupSeconds: 3,
    roundSeconds: 5,
    rounds: 10,
    connections: 50,
    journeyConnections: 16,
    loginConnections: 8,
    // Smaller budgets make room for 8 instances on 2 cores (8 x 0.12 + 0.15 = 1.11 cores).
    scaling: {
      instances: [1, 2, 3, 4, 6, 8],
      workload: 'me',
      warmupSeconds: 2,
      roundSeconds: 5,
      rounds: 4,
      budget: { postgresCores: 0.15, instanceCores: 0.12, prime: { requestsPerInstance: 10_000, maxSeconds: 40, beforeEachRunSeconds: 0.5 } },
    },
    revocation: { instances: 3, repetitions: 30, untilExpiryRepetitions: 10, boundMs: 2000, maxProbesPerInstance: 20000 },
    fanout: { instances: [2, 4, 8, 16, 32], repetitions: 20, boundMs: 3000 },
    outage: { connections: 4, beforeMs: 2000, downMs: 5000, afterMs: 10000 },
    settleDbStats: true,
  },
};

export const PROFILE_NAMES = Object.keys(PROFILES) as ProfileName[];

export function getProfile(name: string): Profile {
  if (!(name in PROFILES)) throw new Error(`unknown profile "${name}" (one of: ${Object.keys(PROFILES).join(', ')})`);
  return PROFILES[name as ProfileName];
}
