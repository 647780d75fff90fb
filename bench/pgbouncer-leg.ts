// The run-time side of the PgBouncer leg (scenarios/pgbouncer.ts): starts PgBouncer when a batch
// needs it, reads its CPU and the Postgres connections around each group, and says why the leg was
// skipped when pgbouncer is not installed. run.ts calls it in four places; nothing else knows it.
import { CpuMeter } from './cost';
import type { InstanceGroup } from './fleet';
import { findPgBouncer, type PgBouncer, startPgBouncer } from './pgbouncer';
import type { PostgresHandle } from '../scripts/postgres';
import type { Batch, GroupPlan } from './scenarios';
import { PGBOUNCER_POOL_SIZE } from './scenarios/pgbouncer';

export interface PoolingGroupRecord {
  groupId: string;
  /** PgBouncer's CPU seconds over the whole group (warm-up included: its pooled cell's `sent` of every run is the divisor). */
  pgbouncerCpuSeconds: number;
  /** Postgres client backends per cell right after the group (pool connections still open; PgBouncer's server connections). */
  postgresConnections: Record<string, number>;
}

export interface PoolingResults {
  /** null: the leg did not run, and why. */
  skipped: string | null;
  version: string | null;
  settings: Record<string, string>;
  groups: PoolingGroupRecord[];
}

export class PoolingLeg {
  private bouncer: PgBouncer | null = null;
  private ran: { version: string; settings: Record<string, string> } | null = null;
  private readonly groups: PoolingGroupRecord[] = [];

  /** Starts PgBouncer if a batch has a pooled group; returns it (Fleet.pooler) or null. */
  async start(pg: PostgresHandle, batches: Batch[]): Promise<PgBouncer | null> {
    if (!batches.some((b) => b.fleet.some((g) => g.pooler))) return null;
    this.bouncer = await startPgBouncer({ upstreamUrl: pg.adminUrl, poolSize: PGBOUNCER_POOL_SIZE });
    if (this.bouncer) this.ran = { version: this.bouncer.version, settings: this.bouncer.settings };
    return this.bouncer;
  }

  /** Runs a group; for a pgbouncer group, with PgBouncer's CPU and the connections read around it. */
  async around(group: GroupPlan, groups: Map<string, InstanceGroup>, run: () => Promise<void>): Promise<void> {
    if (!this.bouncer || !group.cells.some((c) => c.scenario === 'pgbouncer')) return run();
    const meter = new CpuMeter([this.bouncer.pid], null);
    const before = meter.sample();
    await run();
    const usage = CpuMeter.usage(before, meter.sample());
    const postgresConnections: Record<string, number> = {};
    for (const cell of group.cells) {
      const g = groups.get(cell.fleetKey) as InstanceGroup;
      const rows = await g.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()`,
      );
      postgresConnections[cell.id] = rows[0].n;
    }
    this.groups.push({ groupId: group.id, pgbouncerCpuSeconds: usage.serverSeconds, postgresConnections });
  }

  /** For results.json: present when the leg was selected. */
  results(selected: boolean): { pooling: PoolingResults } | Record<string, never> {
    if (!selected) return {};
    const found = findPgBouncer();
    return {
      pooling: {
        skipped: found ? null : 'pgbouncer is not installed (Debian: apt-get install pgbouncer): the PgBouncer leg did not run',
        version: this.ran?.version ?? found?.version ?? null,
        settings: this.ran?.settings ?? {},
        groups: this.groups,
      },
    };
  }

  async stop(): Promise<void> {
    await this.bouncer?.stop();
    this.bouncer = null;
  }
}
