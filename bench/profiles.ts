// How big a run is. Every number a figure depends on lives here and is recorded with the results.
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
  scaling: { instances: number[]; workload: 'me'; rounds: number };
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
    warmupSeconds: 0.2,
    roundSeconds: 0.5,
    rounds: 2,
    connections: 8,
    journeyConnections: 4,
    loginConnections: 2,
    scaling: { instances: [1, 2], workload: 'me', rounds: 2 },
    settleDbStats: false,
  },
  default: {
    name: 'default',
    purpose: 'npm run bench: every question answered in a few minutes on a 2-core machine',
    warmupSeconds: 1.5,
    roundSeconds: 3,
    rounds: 3,
    connections: 50,
    journeyConnections: 16,
    loginConnections: 8,
    scaling: { instances: [1, 2, 4], workload: 'me', rounds: 3 },
    settleDbStats: true,
  },
  full: {
    name: 'full',
    purpose: 'published results: longer rounds and more repetitions',
    warmupSeconds: 3,
    roundSeconds: 8,
    rounds: 5,
    connections: 50,
    journeyConnections: 16,
    loginConnections: 8,
    scaling: { instances: [1, 2, 4], workload: 'me', rounds: 5 },
    settleDbStats: true,
  },
};

export function getProfile(name: string): Profile {
  if (!(name in PROFILES)) throw new Error(`unknown profile "${name}" (one of: ${Object.keys(PROFILES).join(', ')})`);
  return PROFILES[name as ProfileName];
}
