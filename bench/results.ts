// The raw results: the single source every report view is built from. Written once per run.
import type { ServerCounters } from './server-metrics';
import type { StartupRecord } from './startup';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BudgetRecord, BudgetUse } from './budget';
import type { Complexity } from './complexity';
import type { CpuUsage, TableCounters } from './cost';
import type { Environment } from './environment';
import type { FanoutResults } from './fanout';
import type { LatencyUs } from './fire';
import type { Profile } from './profiles';
import type { PoolingResults } from './pgbouncer-leg';
import type { OutageBin, OutageMarks, OutageSummary } from './outage-timeline';
import type { RepetitionRecord } from './revocation-window';
import type { ScenarioName } from './scenarios';
import type { RevocationEvent } from './scenarios/types';
import type { RevocationPromise, Strategy } from './variants';
import type { WorkloadName } from './workloads';

export const RESULTS_SCHEMA = 'sessions-vs-tokens/bench-results@1';
export const RESULTS_FILE = 'results.json';

export interface RunRecord {
  /** 0 is the warm-up (discarded from every figure except database work per request). */
  round: number;
  startedAt: string;
  seconds: number;
  /** Requests sent, including up to one per connection still in flight when the run stopped. */
  sent: number;
  responses: number;
  ok: number;
  /** Responses with a status that is this cell's measured outcome (scaling: session-memory 401s). */
  outcome: number;
  unexpected: number;
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
  /** Responses per instance (in instance order). */
  perInstance: number[];
  latencyUs: LatencyUs;
  cpu: CpuUsage;
  /** Variants that answer from memory: every instance answered from memory right after this run. */
  fromMemory?: boolean;
  /** Budgeted cells (scaling): CFS throttling of Postgres' budget and of each instance's during the run. */
  budget?: BudgetUse;
}

export interface DbWork {
  /** Server transactions in the window (the bench's own statements subtracted). */
  xacts: number;
  tables: Record<string, TableCounters>;
  /** Requests sent in the window (warm-up and measured rounds): the server handled each, even
   *  the few still in flight when a run stopped, so this is the denominator of per-request work. */
  requests: number;
  /** Both snapshots were taken after the database had been idle for the statistics flush interval. */
  settled: boolean;
}

export interface CellRecord {
  id: string;
  scenario: ScenarioName;
  workload: WorkloadName;
  variant: string;
  strategy: Strategy;
  instances: number;
  connections: number;
  expected: number[];
  outcome: number[];
  warmup: RunRecord | null;
  rounds: RunRecord[];
  db: DbWork | null;
  /** Median bytes of the credential header per request (null: the workload sends none). */
  credentialBytes: number | null;
  credentialHeader: string | null;
  valid: boolean;
  problems: string[];
  /** Rounds that got no response at all (or left an instance without a request) and were run again (measure.ts). */
  stalls?: string[];
  diagnostics: { request: string; status: number; body: string }[];
  /** Counter differences the cell's own servers reported on /metrics over its runs (bench/server-metrics.ts). */
  serverMetrics?: ServerCounters;
  /** The scaling scenario's CPU budgets, or why there were none (absent: the cell never asked for one). */
  budget?: BudgetRecord;
}

export interface VariantRecord {
  name: string;
  strategy: Strategy;
  description: string;
  env: Record<string, string>;
  /** The server's resolved configuration (loadConfig with that env; secrets are not enumerable). */
  serverConfig: unknown;
  perInstanceState: boolean;
  comparedWith: string | null;
  /** Added with the revocation scenario; absent in older results. */
  trap?: boolean;
  revocation?: RevocationPromise | false;
  answersFromMemory?: boolean;
}

/** One variant and event of the revocation scenario: every repetition as measured. */
export interface RevocationCellRecord {
  id: string;
  variant: string;
  strategy: Strategy;
  event: RevocationEvent;
  instances: number;
  boundMs: number;
  maxProbesPerInstance: number;
  expectedRevokeStatus: number;
  repetitions: RepetitionRecord[];
  valid: boolean;
  problems: string[];
}

/** The outage scenario: when Postgres was stopped and started (ms since the probes began), and per variant what its probes saw. */
export interface OutageResults extends OutageMarks {
  binMs: number;
  /** Probe loops per variant. */
  connections: number;
  variants: { variant: string; instance: string; responses: number; summary: OutageSummary; bins: OutageBin[] }[];
}

export interface RevocationResults {
  /** Server settings of the revocation instances on top of each variant's (secrets redacted). */
  serverEnv: Record<string, string>;
  cells: RevocationCellRecord[];
}

export interface RunResults {
  schema: typeof RESULTS_SCHEMA;
  profile: Profile;
  args: string[];
  startedAt: string;
  finishedAt: string;
  wallSeconds: number;
  environment: Environment;
  load: { tool: string; version: string | null; pipelining: number; timeoutSeconds: number; inProcess: string };
  variants: VariantRecord[];
  workloads: { name: WorkloadName; summary: string; connections: number; requestsPerLoop: number; expected: number[] }[];
  scenarios: { name: ScenarioName; method: string }[];
  /** CPU milliseconds per scrypt hash, measured in the bench process. */
  scrypt: { logN: number; msPerHash: number[] };
  cells: CellRecord[];
  /** The revocation scenario (absent when it did not run, and in results older than it). */
  revocation?: RevocationResults;
  /** The outage scenario (absent when it did not run). */
  outage?: OutageResults;
  /** The fan-out scenario (absent when it did not run). */
  fanout?: FanoutResults;
  /** The PgBouncer leg (absent when not selected; `skipped` says why it did not run). */
  pooling?: PoolingResults;
  complexity: Complexity;
  /** Cookie names each variant's login response set. */
  cookies: Record<string, string[]>;
  /** Start-up to ready, compiled vs tsx (bench/startup.ts); with the floor scenario only. */
  runtime?: { startup: StartupRecord };
  notes: string[];
  valid: boolean;
}

export function readResults(dir: string): RunResults {
  const raw = JSON.parse(readFileSync(join(dir, RESULTS_FILE), 'utf8')) as RunResults;
  if (raw.schema !== RESULTS_SCHEMA) throw new Error(`${join(dir, RESULTS_FILE)} is not ${RESULTS_SCHEMA} (schema: ${String(raw.schema)})`);
  return raw;
}

export function writeResults(dir: string, results: RunResults): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, RESULTS_FILE), `${JSON.stringify(results, null, 2)}\n`);
}

/** results/latest/ is a plain copy (no symlink: it survives zips, Windows checkouts and artifacts). */
export function updateLatest(resultsRoot: string, dir: string): string {
  const latest = join(resultsRoot, 'latest');
  rmSync(latest, { recursive: true, force: true });
  cpSync(dir, latest, { recursive: true });
  return latest;
}
