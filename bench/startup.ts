// Start-up to ready (ISSUE 11): how long a server process takes from spawn to its first
// `GET /readyz` 200, started compiled (plain node, dist/) and through tsx (the TypeScript source),
// median of 5 each, one at a time, on a database already migrated (what a restart or a scale-up
// pays). Recorded in results.json (`runtime.startup`) and the report's floor section.
import { startInstance, type Strategy } from '../scripts/instances';
import { summarize } from './compare';

export interface StartupRecord {
  repetitions: number;
  /** ms from spawn to the first /readyz 200, per runtime and strategy. */
  ms: Record<'compiled' | 'tsx', Record<Strategy, number[]>>;
  medianMs: Record<'compiled' | 'tsx', Record<Strategy, number>>;
}

const REPETITIONS = 5;

async function readyAfterMs(strategy: Strategy, runtime: 'compiled' | 'tsx', databaseUrl: string, env: Record<string, string>): Promise<number> {
  const spawned = performance.now();
  const inst = await startInstance({ strategy, databaseUrl, runtime, env, startTimeoutMs: 60_000 });
  try {
    if (inst.runtime !== runtime) throw new Error(`asked for a ${runtime} start, got ${inst.runtime}`);
    for (;;) {
      const res = await fetch(`${inst.url}/readyz`).catch(() => null);
      if (res?.status === 200) return performance.now() - spawned;
      if (performance.now() - spawned > 60_000) throw new Error(`${strategy} (${runtime}) not ready after 60 s`);
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    await inst.stop();
  }
}

/** `databases`: an already-migrated database per strategy; `env`: what each server needs (JWT_KEYS...). */
export async function measureStartup(databases: Record<Strategy, string>, env: Record<Strategy, Record<string, string>>): Promise<StartupRecord> {
  const ms: StartupRecord['ms'] = { compiled: { session: [], jwt: [] }, tsx: { session: [], jwt: [] } };
  // Interleaved (compiled, tsx, compiled, ...) so a burst of outside load hits both alike.
  for (let i = 0; i < REPETITIONS; i++) {
    for (const strategy of ['session', 'jwt'] as const) {
      for (const runtime of ['compiled', 'tsx'] as const) {
        ms[runtime][strategy].push(Math.round(await readyAfterMs(strategy, runtime, databases[strategy], env[strategy])));
      }
    }
  }
  const med = (xs: number[]) => Math.round(summarize(xs).median);
  return {
    repetitions: REPETITIONS,
    ms,
    medianMs: {
      compiled: { session: med(ms.compiled.session), jwt: med(ms.compiled.jwt) },
      tsx: { session: med(ms.tsx.session), jwt: med(ms.tsx.jwt) },
    },
  };
}

/** The start-up measurement on a running batch's databases (its `jwt` and `session` groups). */
export async function measureBatchStartup(
  fleet: { jwtKeys: string },
  groups: Map<string, { spec: { variant: { name: string; strategy: Strategy } }; db: { url: string } }>,
  env: (strategy: Strategy) => Record<string, string>,
): Promise<StartupRecord | null> {
  const find = (name: string) => [...groups.values()].find((g) => g.spec.variant.name === name);
  const jwt = find('jwt');
  const session = find('session');
  if (!jwt || !session || !fleet.jwtKeys) return null;
  return measureStartup({ jwt: jwt.db.url, session: session.db.url }, { jwt: env('jwt'), session: env('session') });
}
