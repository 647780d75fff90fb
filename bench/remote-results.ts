// The raw results of a remote run (bench/remote.ts), written once as results.json; report.md is
// built from them alone (remote-report.ts).
import type { FireResult } from './fire';
import type { Profile } from './profiles';
import type { RepetitionRecord } from './revocation-window';
import type { RevocationEvent } from './scenarios/types';
import type { WorkloadName } from './workloads';

export const REMOTE_SCHEMA = 'sessions-vs-tokens/bench-remote@1';
export const NOT_MEASURED = 'not measured (remote)';

/** One autocannon run of a cell: fire()'s counts, without the process and database samples a remote run cannot take. */
export type RemoteRun = Omit<FireResult<unknown>, 'before' | 'after' | 'wallSeconds' | 'outcome'> & {
  round: number;
  seconds: number;
  /** The load generator's own CPU seconds: the one CPU figure a remote run can measure. */
  loadgenCpuSeconds: number;
  /** Memory-answering variants: every instance answered a credential of the cell from memory right after the run. */
  fromMemory?: boolean;
};

export interface RemoteCellRecord {
  id: string;
  workload: WorkloadName;
  target: string;
  variant: string;
  connections: number;
  expected: number[];
  warmup: RemoteRun | null;
  rounds: RemoteRun[];
  valid: boolean;
  problems: string[];
}

export interface RemoteRevocationRecord {
  id: string;
  target: string;
  variant: string;
  event: RevocationEvent;
  instanceIds: string[];
  boundMs: number;
  repetitions: RepetitionRecord[];
  valid: boolean;
  problems: string[];
}

export interface RemoteResults {
  schema: typeof REMOTE_SCHEMA;
  profile: Profile;
  args: string[];
  startedAt: string;
  finishedAt: string;
  loadGenerator: { host: string; cores: number; cpuModel: string; node: string };
  targets: { key: string; label: string; variant: string; urls: string[]; instances: string[]; instancesByUrl: Record<string, string[]> }[];
  cells: RemoteCellRecord[];
  revocation: RemoteRevocationRecord[];
  /** What a local run measures and this one could not, and why. */
  notMeasured: string[];
  notes: string[];
  valid: boolean;
}
