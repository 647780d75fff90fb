// A capacity model from measured per-request costs: what a cluster of A app cores and P Postgres
// cores can serve, which side saturates first, and what a target rate needs. Pure arithmetic, so a
// reader can check it by hand: every resource serves at most (cores × 10^6 / µs per request) req/s,
// and the cluster serves the smallest of those. It ignores what costs no CPU (network latency, lock
// waits) and assumes one instance per app core (Node runs one event loop per process); the scaling
// scenario puts its predictions beside the budgeted mini-cluster's measurements to show how far
// that holds.

/** What one request costs, as the bench measures it (bench/cost.ts, bench/report/metrics.ts). */
export interface RequestCost {
  /** CPU of the server process per request, µs. */
  serverCpuUs: number;
  /** CPU of every Postgres process per request, µs (0 when the request path has no query). */
  postgresCpuUs: number;
  /** Database transactions per request (round trips), when measured. */
  dbRoundTrips?: number | null;
}

export interface ClusterSize {
  appCores: number;
  postgresCores: number;
}

export type Side = 'app' | 'postgres';

export interface Capacity {
  /** Requests per second the cluster can serve. */
  rps: number;
  /** The side that saturates first (ties go to postgres: it is the one that cannot be scaled out). */
  limitedBy: Side;
  /** What each side alone could serve (Infinity: the side does no work per request). */
  appRps: number;
  postgresRps: number;
  /** Busy share of each side at `rps` (1 for the limiting side). */
  appUtilisation: number;
  postgresUtilisation: number;
}

/** Below this much Postgres CPU per request the request path has no query: the rest is background noise. */
export const NO_QUERY_US = 5;

function sideRps(cores: number, us: number): number {
  return us > 0 ? (cores * 1e6) / us : Number.POSITIVE_INFINITY;
}

export function capacity(cost: RequestCost, cluster: ClusterSize): Capacity {
  const appRps = sideRps(cluster.appCores, cost.serverCpuUs);
  const postgresRps = sideRps(cluster.postgresCores, cost.postgresCpuUs);
  const rps = Math.min(appRps, postgresRps);
  return {
    rps,
    limitedBy: postgresRps <= appRps ? 'postgres' : 'app',
    appRps,
    postgresRps,
    appUtilisation: Number.isFinite(appRps) ? rps / appRps : 0,
    postgresUtilisation: Number.isFinite(postgresRps) ? rps / postgresRps : 0,
  };
}

/**
 * "One Postgres core carries N app cores": the app cores whose traffic keeps one Postgres core
 * busy. Infinity when the request path costs Postgres nothing measurable.
 */
export function appCoresPerPostgresCore(cost: RequestCost): number {
  return cost.postgresCpuUs >= NO_QUERY_US ? cost.serverCpuUs / cost.postgresCpuUs : Number.POSITIVE_INFINITY;
}

/** Cores each side needs to serve `rps` at full utilisation (no headroom: add your own). */
export function coresFor(cost: RequestCost, rps: number): { app: number; postgres: number } {
  return { app: (rps * cost.serverCpuUs) / 1e6, postgres: (rps * cost.postgresCpuUs) / 1e6 };
}

/** The budgeted mini-cluster: N instances of `instanceCores` each, Postgres on `postgresCores`. */
export interface MiniCluster {
  instances: number;
  instanceCores: number;
  postgresCores: number;
}

export function predictMiniCluster(cost: RequestCost, m: MiniCluster): Capacity {
  return capacity(cost, { appCores: m.instances * m.instanceCores, postgresCores: m.postgresCores });
}

/** The first N (in order) at which Postgres, not the app, limits the mini-cluster; null if none does. */
export function predictedKnee(cost: RequestCost, m: Omit<MiniCluster, 'instances'>, ns: number[]): number | null {
  return ns.find((n) => predictMiniCluster(cost, { ...m, instances: n }).limitedBy === 'postgres') ?? null;
}

/**
 * The app side calibrated on the mini-cluster itself: server CPU per request as measured at N = 1
 * under the instance budget (what a budgeted CPU-second buys there: on a shared 2-core VM it bought
 * ~1.3-2x less than in the unbudgeted cells, bench/prime.ts), Postgres per request kept from the
 * unbudgeted cells (at N = 1 Postgres is far from its budget, and its per-request share there is
 * mostly background: autovacuum, connection start-ups). Only N = 1 feeds it: its predictions for
 * N > 1 are checked against cells it never saw.
 */
export function calibrateApp(cost: RequestCost, budgetedServerCpuUs: number): RequestCost {
  return { ...cost, serverCpuUs: budgetedServerCpuUs };
}

/** The agreement band the report states for the model (and the issue asked for): ±25 %. */
export const AGREEMENT_BAND = 0.25;

/** How many errors fall within ±band, of how many there are, and their median (null ones skipped). */
export function agreement(errors: (number | null)[], band = AGREEMENT_BAND): { within: number; of: number; median: number | null } {
  const xs = errors.filter((e): e is number => e !== null && Number.isFinite(e)).sort((a, b) => a - b);
  const mid = xs.length ? (xs.length % 2 ? xs[(xs.length - 1) / 2] : (xs[xs.length / 2 - 1] + xs[xs.length / 2]) / 2) : null;
  return { within: xs.filter((e) => Math.abs(e) <= band).length, of: xs.length, median: mid };
}

/** (measured - predicted) / predicted: +0.1 means the cluster did 10 % better than the model said. */
export function relativeError(predicted: number, measured: number): number | null {
  return predicted > 0 && Number.isFinite(predicted) ? (measured - predicted) / predicted : null;
}

/**
 * Instances that fit under max_connections when each holds `perInstance` connections, after the
 * superuser-reserved slots and `other` connections (monitors, admin). Postgres refuses the next
 * connection with "sorry, too many clients already" (SQLSTATE 53300).
 */
export function maxInstances(perInstance: number, maxConnections: number, reserved: number, other = 0): number {
  if (perInstance <= 0) return Number.POSITIVE_INFINITY;
  return Math.max(0, Math.floor((maxConnections - reserved - other) / perInstance));
}

/** What N instances cost Postgres in connections and backend memory (bytes). */
export function connectionCost(instances: number, perInstance: number, bytesPerConnection: number): { connections: number; bytes: number } {
  const connections = instances * perInstance;
  return { connections, bytes: connections * bytesPerConnection };
}
