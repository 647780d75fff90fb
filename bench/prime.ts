// Unbudgeted priming of the mini-cluster's instances, before their CPU budgets are applied.
//
// Why: a fresh Node process runs the request path in V8's interpreter and spends CPU compiling it
// (optimising compilers run on helper threads, charged to the same cgroup). Measured on this
// machine (2026-12-01, one `jwt` instance, GET /auth/me, 50 connections, unbudgeted, 0.5 s steps):
// 644 µs of server CPU per request over its first ~1,000 requests, 256 µs over the next ~2,000,
// ~100 µs from ~8,000 on. The same cold `session` instance under a 0.15-core quota served 162 req/s
// at 949 µs per request; warmed first, 609 req/s at 252 µs (unbudgeted: 205-257 µs). A 0.15-core
// budget stretches that warm-up to tens of seconds of wall time, longer than the whole scaling group:
// the old scenario measured JIT warm-up, which is why the capacity model (fed warm, unbudgeted
// costs) over-predicted it 3-10x. Priming also fills every instance's pool (PG_POOL_MAX backends,
// each a fork plus a SCRAM handshake charged to Postgres' budget) before any budgeted round.
import type autocannon from 'autocannon';
import { CpuMeter, type CpuUsage } from './cost';
import { type FireSpec, fire } from './fire';
import type { Instance, InstanceGroup } from './fleet';
import type { CellPlan } from './scenarios';

export interface PrimePlan {
  /** Correct (or outcome) responses every instance must have answered before the budgets apply. */
  requestsPerInstance: number;
  /** Give up after this long per instance group, and say so (a machine too busy to warm up in time). */
  maxSeconds: number;
  /**
   * Unbudgeted load on a cell's own instances right before each of its budgeted rounds (budgets lifted
   * meanwhile). An instance idles while the other cells of the interleaved group run (up to ~20 s),
   * and a warm Node instance that idled pays a one-off re-warm on its next burst, ~100-200 ms of CPU
   * (what V8 does meanwhile is not pinned down: a run with --no-flush-bytecode was as noisy): on
   * 0.15 core that is more than a whole 1 s round.
   * Measured (bench/budget-probe.ts, one jwt instance, 2026-12-01): budgeted right after 10 s idle
   * 81, 132, 87, 73 µs per /auth/me; after the same idle and 0.5 s unbudgeted, 72, 82, 85, 74 µs;
   * unbudgeted 66-74 µs. Unbudgeted cells absorb it in a few ms of their 10,000+ req/s.
   */
  beforeEachRunSeconds: number;
}

/** What priming did for one instance group: recorded with the cells, so the report can show it. */
export interface PrimeRecord {
  fleetKey: string;
  variant: string;
  /** Responses per instance, in instance order. */
  responses: number[];
  seconds: number;
  /** Every instance reached requestsPerInstance. */
  complete: boolean;
  /**
   * What a request cost over the last (warmest) step: the same processes, unbudgeted, seconds before
   * the budgeted rounds. The mini-cluster check feeds the model these: on a shared VM a CPU-second
   * buys different work from one minute to the next (the same warm instance read 78 and 125 µs per
   * /auth/me 10 minutes apart on 2026-12-01), so costs measured minutes earlier in another scenario
   * mix the neighbours' load into the model's error. Null when the step answered nothing.
   */
  cost: PrimeCost | null;
}

export interface PrimeCost {
  responses: number;
  serverCpuUs: number;
  /** Null with an external Postgres (DATABASE_URL): its CPU is not measurable from here. */
  postgresCpuUs: number | null;
}

/**
 * The short unbudgeted burst before one budgeted round (PrimePlan.beforeEachRunSeconds): the cell's own
 * instances and requests, nothing recorded.
 */
export async function rewarm(
  instances: Instance[],
  cell: CellPlan,
  requestsFor: (connection: number) => autocannon.Request[],
  expected: number[],
  seconds: number,
): Promise<void> {
  if (seconds <= 0) return;
  await fire(cellLoad(instances, cell, requestsFor, expected, seconds), () => null);
}

/** The cell's own load (its connections, requests and statuses) on `instances`, unbudgeted or not. */
function cellLoad(instances: Instance[], cell: CellPlan, requestsFor: FireSpec['requestsFor'], expected: number[], seconds: number): FireSpec {
  return { urls: instances.map((i) => i.url), connections: cell.connections, seconds, requestsFor, expected, outcome: cell.outcome };
}

/** One short step of load at a time, so priming stops soon after the slowest instance is warm. */
const STEP_SECONDS = 1;

/**
 * Unbudgeted /auth/me throughput of a whole group of instances on this 2-core machine, for the time
 * estimate only (--help): ~2,000-3,500 req/s for `session`, ~4,000-6,000 for `jwt`, 2026-12-01 at
 * load average 3-7. The slower figure, so the estimate errs long.
 */
const ESTIMATE_RPS = 2500;

/** Seconds priming a group of `instances` should take (at least one step, at most the cap). */
export function primeEstimateSeconds(plan: PrimePlan, instances: number): number {
  return Math.min(plan.maxSeconds, Math.max(STEP_SECONDS, (plan.requestsPerInstance * instances) / ESTIMATE_RPS));
}

/** True when every instance has answered at least `target` responses. */
export function primed(responses: number[], target: number): boolean {
  return responses.length > 0 && responses.every((n) => n >= target);
}

/**
 * Loads every instance of `cell`'s group (its largest cell: all instances, its credentials and
 * statuses) without any budget until each answered `plan.requestsPerInstance`, or maxSeconds passed.
 * Errors here are not measurements: they surface in the budgeted warm-up and rounds that follow.
 */
export async function primeInstances(
  g: InstanceGroup,
  cell: CellPlan,
  requestsFor: (connection: number) => autocannon.Request[],
  expected: number[],
  plan: PrimePlan,
  postgresDataDir: string | null,
): Promise<PrimeRecord> {
  const instances = g.instances.slice(0, cell.instances);
  const responses = instances.map(() => 0);
  const meter = new CpuMeter(
    instances.map((i) => i.pid),
    postgresDataDir,
  );
  let cost: PrimeCost | null = null;
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
  while (!primed(responses, plan.requestsPerInstance) && elapsed() < plan.maxSeconds) {
    const r = await fire(cellLoad(instances, cell, requestsFor, expected, STEP_SECONDS), () => meter.sample());
    r.perUrl.forEach((n, i) => {
      responses[i] += n;
    });
    cost = stepCost(r.responses, CpuMeter.usage(r.before, r.after));
  }
  return { fleetKey: cell.fleetKey, variant: cell.variant.name, responses, seconds: elapsed(), complete: primed(responses, plan.requestsPerInstance), cost };
}

/** Per-request CPU of one step (null when it answered nothing). */
export function stepCost(responses: number, usage: CpuUsage): PrimeCost | null {
  if (responses <= 0) return null;
  return {
    responses,
    serverCpuUs: (usage.serverSeconds * 1e6) / responses,
    postgresCpuUs: usage.postgresSeconds === null ? null : (usage.postgresSeconds * 1e6) / responses,
  };
}
