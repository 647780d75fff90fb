// Runs the fan-out scenario (scenarios/fanout.ts): each LISTEN/NOTIFY variant grows through the
// instance counts; at each count a logout is revoked on one instance and probed on all
// (bench/revoke.ts), and the memory of the instances and the connections they hold on Postgres are
// read. Variants run one after the other; a variant's instances stop before the next one grows.
import { readFileSync } from 'node:fs';
import type { InstanceGroup } from './fleet';
import type { RevocationCellRecord } from './results';
import { type RevocationCtx, runRevocation } from './revoke';
import type { FanoutPlan } from './scenarios/types';

export interface FanoutStep {
  instances: number;
  /** The logout cell at this count: every repetition, every instance's window. */
  revocation: RevocationCellRecord;
  /** Resident memory of each instance (VmRSS), bytes, read after the repetitions. */
  instanceRssBytes: number[];
  /** Server backends on this variant's database, told apart by application_name (<instance id>[/listen]). */
  postgres: { pool: number; listener: number; other: number; backendPrivateBytes: number[] };
}

export interface FanoutResults {
  /** SHOW max_connections and the slots reserved for superusers (and, from PG 16, reserved_connections). */
  maxConnections: number;
  reservedConnections: number;
  /** Each instance's pool ceiling (PG_POOL_MAX of the fan-out servers). */
  poolMax: number;
  variants: { variant: string; steps: FanoutStep[] }[];
  valid: boolean;
  problems: string[];
}

/** The revocation scenario's context: the same fleet, progress and user pool. */
export type FanoutCtx = RevocationCtx;

/** A field of /proc/<pid>/status in bytes (VmRSS, RssAnon...), null when the process is gone. */
export function procStatusBytes(pid: number, field: string): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

async function connectionsOf(g: InstanceGroup): Promise<FanoutStep['postgres']> {
  const ids = new Set(g.instances.map((i) => i.instanceId));
  const rows = await g.db.query<{ pid: number; app: string }>(
    `SELECT pid, application_name AS app FROM pg_stat_activity
      WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()`,
  );
  const out: FanoutStep['postgres'] = { pool: 0, listener: 0, other: 0, backendPrivateBytes: [] };
  for (const r of rows) {
    const listener = r.app.endsWith('/listen');
    if (listener) out.listener++;
    else if (ids.has(r.app)) out.pool++;
    else {
      out.other++; // the bench's monitor and anything else: not the instances' cost
      continue;
    }
    // RssAnon: the backend's private memory (shared_buffers is shared memory, counted once for all).
    // Postgres runs on this machine only when it is the embedded one; otherwise nothing is read.
    const bytes = procStatusBytes(r.pid, 'RssAnon');
    if (bytes !== null) out.backendPrivateBytes.push(bytes);
  }
  return out;
}

async function settings(g: InstanceGroup): Promise<{ max: number; reserved: number }> {
  const rows = await g.db.query<{ name: string; setting: string }>(
    `SELECT name, setting FROM pg_settings WHERE name IN ('max_connections', 'superuser_reserved_connections', 'reserved_connections')`,
  );
  const get = (n: string) => Number(rows.find((r) => r.name === n)?.setting ?? 0);
  return { max: get('max_connections'), reserved: get('superuser_reserved_connections') + get('reserved_connections') };
}

export async function runFanout(ctx: FanoutCtx, plan: FanoutPlan): Promise<FanoutResults> {
  const first = ctx.groups.get(plan.fleetKeys[0]) as InstanceGroup;
  const limits = await settings(first);
  const results: FanoutResults = {
    maxConnections: limits.max,
    reservedConnections: limits.reserved,
    poolMax: Number(first.spec.env?.PG_POOL_MAX ?? 0),
    variants: [],
    valid: true,
    problems: [],
  };
  for (const key of plan.fleetKeys) {
    const g = ctx.groups.get(key) as InstanceGroup;
    const steps: FanoutStep[] = [];
    for (const n of plan.instances) {
      if (g.instances.length < n) ctx.progress.note(`fan-out: starting ${g.spec.variant.name} instances ${g.instances.length + 1}..${n}`);
      await ctx.fleet.grow(g, n);
      const [revocation] = await runRevocation(ctx, [
        {
          id: `fanout/${g.spec.variant.name}/x${n}`,
          variant: g.spec.variant,
          event: 'logout',
          fleetKey: key,
          instances: n,
          repetitions: plan.repetitions,
          boundMs: plan.boundMs,
          maxProbesPerInstance: plan.maxProbesPerInstance,
          label: `${g.spec.variant.name} x${n} logout`,
        },
      ]);
      const instanceRssBytes = g.instances.slice(0, n).map((i) => procStatusBytes(i.pid, 'VmRSS') ?? 0);
      const postgres = await connectionsOf(g);
      g.db.touch();
      steps.push({ instances: n, revocation, instanceRssBytes, postgres });
      if (!revocation.valid) {
        results.valid = false;
        results.problems.push(`${revocation.id}: ${revocation.problems.slice(0, 3).join('; ')}`);
      }
    }
    results.variants.push({ variant: g.spec.variant.name, steps });
    // Free the connections and memory before the next variant grows.
    await Promise.all(g.instances.map((i) => i.stop()));
  }
  return results;
}
