// Per-cell figures derived from the raw results: medians over the measured rounds (the warm-up is
// discarded), costs per response, utilisation. Pure: the raw JSON in, numbers out.
import { type Summary, summarize } from '../compare';
import type { CellRecord, RunRecord, RunResults } from '../results';

export interface Utilisation {
  /** Busy cores (CPU seconds per wall second), medians over the rounds. */
  server: number;
  postgres: number | null;
  loadgen: number;
  machine: number;
  /** Busy time of the machine not explained by the servers, Postgres or the load generator. */
  other: number;
}

export interface DbPerRequest {
  xacts: number;
  /** Table scans (index + sequential) per request: how many table reads a request costs. */
  reads: number;
  rowsRead: number;
  rowsWritten: number;
  settled: boolean;
  requests: number;
  byTable: Record<string, { reads: number; rowsRead: number; rowsWritten: number }>;
}

export interface CellMetrics {
  cell: CellRecord;
  /** Correct responses per second, per round. */
  rpsRounds: number[];
  rps: Summary;
  /** Every response (including the measured-outcome statuses) per second. */
  totalRps: Summary;
  latencyUs: { p50: number; p90: number; p99: number; p999: number };
  serverCpuUs: number | null;
  postgresCpuUs: number | null;
  loadgenCpuUs: number | null;
  utilisation: Utilisation;
  db: DbPerRequest | null;
  /** Share of responses with an outcome status (session-memory 401s in scaling), else null. */
  outcomeShare: number | null;
  requestsPerLoop: number;
}

const median = (xs: number[]) => summarize(xs).median;

function perResponseUs(rounds: RunRecord[], pick: (r: RunRecord) => number | null): number | null {
  const xs = rounds.filter((r) => r.responses > 0).map((r) => pick(r));
  if (xs.length === 0 || xs.some((x) => x === null)) return null;
  return median(rounds.filter((r) => r.responses > 0).map((r) => ((pick(r) as number) / r.responses) * 1e6));
}

export function cellMetrics(results: RunResults, cell: CellRecord): CellMetrics {
  const rounds = cell.rounds;
  const perLoop = results.workloads.find((w) => w.name === cell.workload)?.requestsPerLoop ?? 1;
  const util = (pick: (r: RunRecord) => number | null) => {
    const xs = rounds.map((r) => {
      const v = pick(r);
      return v === null || r.cpu.wallSeconds <= 0 ? null : v / r.cpu.wallSeconds;
    });
    return xs.some((x) => x === null) ? null : median(xs as number[]);
  };
  const server = util((r) => r.cpu.serverSeconds) ?? 0;
  const postgres = util((r) => r.cpu.postgresSeconds);
  const loadgen = util((r) => r.cpu.loadgenSeconds) ?? 0;
  const machine = util((r) => r.cpu.machineBusySeconds) ?? 0;
  const other = util((r) => Math.max(0, r.cpu.machineBusySeconds - r.cpu.serverSeconds - (r.cpu.postgresSeconds ?? 0) - r.cpu.loadgenSeconds)) ?? 0;

  let db: DbPerRequest | null = null;
  if (cell.db && cell.db.requests > 0) {
    const n = cell.db.requests;
    const byTable: DbPerRequest['byTable'] = {};
    let reads = 0;
    let rowsRead = 0;
    let rowsWritten = 0;
    for (const [name, t] of Object.entries(cell.db.tables)) {
      const tr = t.seqScan + t.idxScan;
      const trows = t.seqTupRead + t.idxTupFetch;
      const tw = t.inserted + t.updated + t.deleted;
      reads += tr;
      rowsRead += trows;
      rowsWritten += tw;
      byTable[name] = { reads: tr / n, rowsRead: trows / n, rowsWritten: tw / n };
    }
    db = { xacts: cell.db.xacts / n, reads: reads / n, rowsRead: rowsRead / n, rowsWritten: rowsWritten / n, settled: cell.db.settled, requests: n, byTable };
  }

  const outcomeTotal = rounds.reduce((s, r) => s + r.outcome, 0);
  const responses = rounds.reduce((s, r) => s + r.responses, 0);
  return {
    cell,
    rpsRounds: rounds.map((r) => r.ok / r.seconds),
    rps: summarize(rounds.map((r) => r.ok / r.seconds)),
    totalRps: summarize(rounds.map((r) => r.responses / r.seconds)),
    latencyUs: {
      p50: median(rounds.map((r) => r.latencyUs.p50)),
      p90: median(rounds.map((r) => r.latencyUs.p90)),
      p99: median(rounds.map((r) => r.latencyUs.p99)),
      p999: median(rounds.map((r) => r.latencyUs.p999)),
    },
    serverCpuUs: perResponseUs(rounds, (r) => r.cpu.serverSeconds),
    postgresCpuUs: perResponseUs(rounds, (r) => r.cpu.postgresSeconds),
    loadgenCpuUs: perResponseUs(rounds, (r) => r.cpu.loadgenSeconds),
    utilisation: { server, postgres, loadgen, machine, other },
    db,
    outcomeShare: cell.outcome.length > 0 && responses > 0 ? outcomeTotal / responses : null,
    requestsPerLoop: perLoop,
  };
}

export function allMetrics(results: RunResults): Map<string, CellMetrics> {
  return new Map(results.cells.map((c) => [c.id, cellMetrics(results, c)]));
}

/** CPU (cores) used by processes outside the bench during the measured rounds: median and max. */
export function outsideLoad(results: RunResults): { median: number; max: number } {
  const xs = results.cells.flatMap((c) =>
    c.rounds
      .filter((r) => r.cpu.wallSeconds > 0)
      .map((r) => Math.max(0, r.cpu.machineBusySeconds - r.cpu.serverSeconds - (r.cpu.postgresSeconds ?? 0) - r.cpu.loadgenSeconds) / r.cpu.wallSeconds),
  );
  const s = summarize(xs);
  return { median: s.n ? s.median : 0, max: s.n ? s.max : 0 };
}

/** Above this many cores of outside load a run's figures are flagged as unreliable. */
export const BUSY_MACHINE_CORES = 0.25;
