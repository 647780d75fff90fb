// Cost counters read from outside the servers: process CPU time from /proc, database work from
// Postgres' cumulative statistics. Reading them is cheap and prints nothing; compare.ts and the
// report turn deltas into per-request figures.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

// ---------------------------------------------------------------------------------------------
// CPU: /proc/<pid>/stat utime + stime (all threads of the process, e.g. libuv's scrypt pool).

let clockTicks: number | null = null;
function ticksPerSecond(): number {
  if (clockTicks === null) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100; // USER_HZ is 100 on every mainstream Linux build
    }
  }
  return clockTicks;
}

interface ProcStat {
  ppid: number;
  /** utime + stime of the process itself. */
  own: number;
  /** cutime + cstime: children it has waited for (the postmaster reaps exited backends). */
  reaped: number;
}

function readProcStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name may hold spaces and parentheses: fields start after the last ')'.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // f[0] is field 3 (state): ppid = field 4, utime..cstime = fields 14..17.
  return { ppid: Number(f[1]), own: Number(f[11]) + Number(f[12]), reaped: Number(f[13]) + Number(f[14]) };
}

export function cpuAvailable(): boolean {
  return process.platform === 'linux' && readProcStat(process.pid) !== null;
}

/** The postmaster's pid (first line of postmaster.pid), or null when it is not running. */
export function postmasterPid(dataDir: string): number | null {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return readProcStat(pid) ? pid : null;
  } catch {
    return null;
  }
}

/** Every process the postmaster started (backends, checkpointer, walwriter...). */
export function postgresChildren(postmaster: number): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => readProcStat(pid)?.ppid === postmaster);
}

/** The postmaster and every process it started. */
function postgresTicks(dataDir: string): number | null {
  const postmaster = postmasterPid(dataDir);
  const root = postmaster === null ? null : readProcStat(postmaster);
  if (postmaster === null || !root) return null;
  let ticks = root.own + root.reaped;
  for (const pid of postgresChildren(postmaster)) {
    const st = readProcStat(pid);
    if (st) ticks += st.own + st.reaped;
  }
  return ticks;
}

function machineTicks(): { busy: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((a, b) => a + b, 0);
  const idle = cpu[3] + (cpu[4] ?? 0); // idle + iowait
  return { busy: total - idle, total };
}

export interface CpuSample {
  atNs: bigint;
  servers: number;
  postgres: number | null;
  loadgenUs: number;
  machine: { busy: number; total: number };
}

/** What one run cost, in CPU seconds (null: not measurable, e.g. an external Postgres). */
export interface CpuUsage {
  wallSeconds: number;
  serverSeconds: number;
  postgresSeconds: number | null;
  loadgenSeconds: number;
  /** Busy time of the whole machine, all cores: what else ran shows up here. */
  machineBusySeconds: number;
}

export class CpuMeter {
  constructor(
    private readonly serverPids: number[],
    private readonly postgresDataDir: string | null,
  ) {}

  /** Synchronous on purpose: called right before a run starts and right when it ends. */
  sample(): CpuSample {
    const usage = process.cpuUsage();
    return {
      atNs: process.hrtime.bigint(),
      servers: this.serverPids.reduce((sum, pid) => sum + (readProcStat(pid)?.own ?? 0), 0),
      postgres: this.postgresDataDir ? postgresTicks(this.postgresDataDir) : null,
      loadgenUs: usage.user + usage.system,
      machine: machineTicks(),
    };
  }

  static usage(a: CpuSample, b: CpuSample): CpuUsage {
    const hz = ticksPerSecond();
    const wallSeconds = Number(b.atNs - a.atNs) / 1e9;
    const machineTotal = b.machine.total - a.machine.total;
    return {
      wallSeconds,
      serverSeconds: (b.servers - a.servers) / hz,
      postgresSeconds: a.postgres === null || b.postgres === null ? null : (b.postgres - a.postgres) / hz,
      loadgenSeconds: (b.loadgenUs - a.loadgenUs) / 1e6,
      // /proc/stat sums every core: busy ticks / hz are busy core-seconds.
      machineBusySeconds: machineTotal > 0 ? (b.machine.busy - a.machine.busy) / hz : 0,
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Database work: pg_stat_database (transactions) and pg_stat_user_tables (scans, rows) of one
// database. Postgres flushes a backend's counters to shared memory lazily: at most once a second
// while busy, and an idle backend only after PGSTAT_IDLE_INTERVAL (10 s) or when it exits.
// Measured here: after a burst, ~1/3 of the last second's transactions appeared only 9-10 s later.
// So a snapshot is exact only once every backend of that database has been idle for 10 s (or has
// exited); the scheduler arranges that (two instance sides taking turns), and says when it could not.

export const STATS_IDLE_FLUSH_MS = 10_500;

export interface TableCounters {
  seqScan: number;
  seqTupRead: number;
  idxScan: number;
  idxTupFetch: number;
  inserted: number;
  updated: number;
  deleted: number;
}

export interface DbSnapshot {
  atMs: number;
  xacts: number;
  tables: Record<string, TableCounters>;
  /** Statements this monitor had run before the snapshot (its own transactions are subtracted). */
  ownXacts: number;
}

export interface DbDelta {
  /** Committed + rolled-back transactions of the servers (the monitor's own are subtracted). */
  xacts: number;
  tables: Record<string, TableCounters>;
}

const ZERO: TableCounters = { seqScan: 0, seqTupRead: 0, idxScan: 0, idxTupFetch: 0, inserted: 0, updated: 0, deleted: 0 };

export class DbMonitor {
  private ownXacts = 0;
  private canForceFlush = false;
  /** When the bench last sent traffic that reaches this database (ms since epoch). */
  lastActivityMs = Date.now();

  private constructor(
    readonly name: string,
    readonly url: string,
    private readonly client: pg.Client,
  ) {}

  static async connect(name: string, url: string): Promise<DbMonitor> {
    const client = new pg.Client({ connectionString: url, application_name: 'bench-monitor' });
    await client.connect();
    client.on('error', () => {}); // the database going away at the end is not an error here
    const m = new DbMonitor(name, url, client);
    const v = await m.query<{ v: string }>('SHOW server_version_num');
    // pg_stat_force_next_flush() exists from PostgreSQL 15: it makes the monitor's own counters
    // visible at once, so they can be subtracted exactly.
    m.canForceFlush = Number(v[0].v) >= 150000;
    return m;
  }

  /** A select-list item that makes this backend flush its own counters when the statement ends. */
  private flushCall(): string {
    return this.canForceFlush ? ', pg_stat_force_next_flush() AS flush' : '';
  }

  touch(): void {
    this.lastActivityMs = Date.now();
  }

  /** Setup SQL (seeding). Runs before any measurement window opens on this database. */
  async query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    this.ownXacts++;
    const r = await this.client.query<R>(text, values);
    if (this.canForceFlush) {
      this.ownXacts++;
      await this.client.query('SELECT pg_stat_force_next_flush()');
    }
    return r.rows;
  }

  /** Waits (if asked) until the database has been idle long enough for every counter to be flushed. */
  async snapshot(opts: { settle: boolean; onWait?: (ms: number) => void }): Promise<DbSnapshot & { settled: boolean }> {
    const idleMs = Date.now() - this.lastActivityMs;
    if (opts.settle && idleMs < STATS_IDLE_FLUSH_MS) {
      opts.onWait?.(STATS_IDLE_FLUSH_MS - idleMs);
      await new Promise((r) => setTimeout(r, STATS_IDLE_FLUSH_MS - idleMs));
    }
    const settled = Date.now() - this.lastActivityMs >= STATS_IDLE_FLUSH_MS;
    const ownBefore = this.ownXacts;
    this.ownXacts++;
    const { rows } = await this.client.query<{ relname: string; xacts: string } & Record<string, string>>(
      `SELECT d.xact_commit + d.xact_rollback AS xacts, t.relname,
              t.seq_scan, t.seq_tup_read, coalesce(t.idx_scan, 0) AS idx_scan, coalesce(t.idx_tup_fetch, 0) AS idx_tup_fetch,
              t.n_tup_ins, t.n_tup_upd, t.n_tup_del${this.flushCall()}
         FROM pg_stat_database d LEFT JOIN pg_stat_user_tables t ON true
        WHERE d.datname = current_database()`,
    );
    const tables: Record<string, TableCounters> = {};
    for (const r of rows) {
      if (!r.relname) continue;
      tables[r.relname] = {
        seqScan: Number(r.seq_scan),
        seqTupRead: Number(r.seq_tup_read),
        idxScan: Number(r.idx_scan),
        idxTupFetch: Number(r.idx_tup_fetch),
        inserted: Number(r.n_tup_ins),
        updated: Number(r.n_tup_upd),
        deleted: Number(r.n_tup_del),
      };
    }
    return { atMs: Date.now(), xacts: Number(rows[0]?.xacts ?? 0), tables, ownXacts: ownBefore, settled };
  }

  /** Waits until no server backend is connected to this database any more (their counters are flushed on exit). */
  async waitForNoBackends(timeoutMs = 5000): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      this.ownXacts++;
      const r = await this.client.query<{ n: string }>(
        `SELECT count(*) AS n${this.flushCall()} FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
      );
      if (Number(r.rows[0].n) === 0) return true;
      await new Promise((res) => setTimeout(res, 100));
    }
    return false;
  }

  static delta(a: DbSnapshot, b: DbSnapshot): DbDelta {
    const tables: Record<string, TableCounters> = {};
    for (const [name, after] of Object.entries(b.tables)) {
      const before = a.tables[name] ?? ZERO;
      const d: TableCounters = {
        seqScan: after.seqScan - before.seqScan,
        seqTupRead: after.seqTupRead - before.seqTupRead,
        idxScan: after.idxScan - before.idxScan,
        idxTupFetch: after.idxTupFetch - before.idxTupFetch,
        inserted: after.inserted - before.inserted,
        updated: after.updated - before.updated,
        deleted: after.deleted - before.deleted,
      };
      if (Object.values(d).some((x) => x !== 0)) tables[name] = d;
    }
    // Every statement the monitor ran from snapshot a (included) to snapshot b (excluded) is one
    // transaction that pg_stat_database counted (flushed at once with pg_stat_force_next_flush).
    return { xacts: b.xacts - a.xacts - (b.ownXacts - a.ownXacts), tables };
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => {});
  }
}
