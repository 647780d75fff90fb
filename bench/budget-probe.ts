// What a CPU budget does to one instance: the experiment behind bench/prime.ts and the scaling
// paragraphs of bench/README.md. One embedded Postgres, one instance of a variant, GET /auth/me;
// each step runs with or without a quota on Postgres and on the instance, at a CFS period and a
// connection count of its own, and prints one JSON line: req/s, latency, server and Postgres CPU per
// request, throttled periods, and Postgres' CPU split by process (backends, autovacuum, walwriter...).
// The steps run in order on the same processes, so a cold step followed by warm ones shows JIT warm-up.
//
//   flock /work/heavy.lock npx tsx bench/budget-probe.ts session \
//     'cold,0.2,0.15,100000,50,4 unbudgeted,-,-,100000,50,4 warm,0.2,0.15,100000,50,4 period-10ms,0.2,0.15,10000,50,4'
//
// A step is label,postgresCores|-,instanceCores|-,periodUs,connections,seconds[,idleBeforeSeconds]
// ("-": no quota; idleBeforeSeconds: the instance idles that long first, as between interleaved rounds).
// Needs root (a cgroup); without one every step runs unbudgeted and the line says so.
import { readFileSync } from 'node:fs';
import { startPostgres } from '../scripts/postgres';
import { type BudgetGroup, CpuBudgets, throttleDelta } from './cgroup';
import { CpuMeter, postgresChildren, postmasterPid } from './cost';
import { type Credential, codecFor } from './credentials';
import { fire } from './fire';
import { benchUser, Fleet } from './fleet';
import { VARIANTS } from './variants';
import { getWorkload } from './workloads';

export interface ProbeStep {
  label: string;
  postgresCores: number | null;
  instanceCores: number | null;
  periodUs: number;
  connections: number;
  seconds: number;
  /** Seconds the instance sits idle before the step (the bench's interleaved rounds leave gaps like this). */
  idleBeforeSeconds: number;
}

export function parseStep(text: string): ProbeStep {
  const [label, pg, inst, period, conns, secs, idle = '0'] = text.split(',');
  const cores = (x: string) => (x === '-' ? null : Number(x));
  const step = {
    label,
    postgresCores: cores(pg),
    instanceCores: cores(inst),
    periodUs: Number(period),
    connections: Number(conns),
    seconds: Number(secs),
    idleBeforeSeconds: Number(idle),
  };
  if (!label || ![step.periodUs, step.connections, step.seconds].every((n) => n > 0) || !(step.idleBeforeSeconds >= 0))
    throw new Error(`bad step "${text}": label,pgCores|-,instanceCores|-,periodUs,connections,seconds[,idleBeforeSeconds]`);
  return step;
}

/** CPU ticks of every Postgres process by kind (the process title without its database and client). */
function postgresByKind(postmaster: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pid of [postmaster, ...postgresChildren(postmaster)]) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      // "postgres: postgres probe_x 127.0.0.1(5432) idle" is a client backend; others name themselves.
      const kind = pid === postmaster ? 'postmaster' : /\d+\.\d+\.\d+\.\d+/.test(title) ? 'client backend' : title.replace(/^postgres: /, '');
      out[kind] = (out[kind] ?? 0) + Number(f[11]) + Number(f[12]);
      // Children that exited (autovacuum workers, closed connections) are only in the postmaster's cutime/cstime.
      if (pid === postmaster) out['exited children'] = Number(f[13]) + Number(f[14]);
    } catch {} // exited between the listing and the read
  }
  return out;
}

const CONNECTIONS_MAX = 200;

async function main(): Promise<void> {
  const [variantName = 'session', stepsText = ''] = process.argv.slice(2);
  const variant = VARIANTS.find((v) => v.name === variantName);
  if (!variant) throw new Error(`unknown variant ${variantName}`);
  const steps = stepsText.split(/\s+/).filter(Boolean).map(parseStep);
  const pg = await startPostgres();
  const fleet = new Fleet(pg, 'probe', (l) => process.stderr.write(`${l}\n`));
  const groups = await fleet.start([{ key: 'probe', variant, count: 1, database: 'probe' }], { steady: CONNECTIONS_MAX });
  const g = groups.get('probe');
  const budgets = CpuBudgets.open();
  try {
    if (!g || !pg.dataDir) throw new Error('no instance or no embedded Postgres');
    const inst = g.instances[0];
    const workload = getWorkload('me');
    const creds: Credential[] = [];
    for (let c = 0; c < CONNECTIONS_MAX; c++) creds.push(await fleet.credential(g, 0, benchUser('steady', c)));
    await fleet.analyze(groups.values());
    await g.db.query('CHECKPOINT');
    const postmaster = postmasterPid(pg.dataDir) as number;
    let pgGroup: BudgetGroup | null = null;
    let instGroup: BudgetGroup | null = null;
    if (budgets instanceof CpuBudgets) {
      pgGroup = budgets.group('postgres', null);
      instGroup = budgets.group('instance', null);
      budgets.move(pgGroup, [postmaster, ...postgresChildren(postmaster)]);
      budgets.move(instGroup, [inst.pid]);
    }
    const codec = codecFor(variant.strategy);
    for (const step of steps) {
      if (budgets instanceof CpuBudgets && pgGroup && instGroup) {
        budgets.group('postgres', step.postgresCores, step.periodUs);
        budgets.group('instance', step.instanceCores, step.periodUs);
      }
      if (step.idleBeforeSeconds > 0) await new Promise((r) => setTimeout(r, step.idleBeforeSeconds * 1000));
      const meter = new CpuMeter([inst.pid], pg.dataDir);
      const counters = () =>
        budgets instanceof CpuBudgets && pgGroup && instGroup ? { pg: budgets.counters(pgGroup), inst: budgets.counters(instGroup) } : null;
      const kindsBefore = postgresByKind(postmaster);
      const r = await fire(
        {
          urls: [inst.url],
          connections: step.connections,
          seconds: step.seconds,
          requestsFor: (c) => workload.requests({ index: c, user: benchUser('steady', c), credential: creds[c % CONNECTIONS_MAX], codec, skus: [] }),
          expected: workload.expected,
        },
        () => ({ cpu: meter.sample(), cg: counters() }),
      );
      const cpu = CpuMeter.usage(r.before.cpu, r.after.cpu);
      const kindsAfter = postgresByKind(postmaster);
      const perReq = (s: number | null) => (s === null || r.ok === 0 ? null : Math.round((s / r.ok) * 1e6));
      const thr = (a: ReturnType<typeof counters>, b: ReturnType<typeof counters>, k: 'pg' | 'inst') => {
        if (!a || !b) return 'unbudgeted';
        const d = throttleDelta(a[k], b[k]);
        return `${d.throttled}/${d.periods}`;
      };
      const split = Object.fromEntries(
        Object.entries(kindsAfter)
          .map(([k, v]) => [k, v - (kindsBefore[k] ?? 0)])
          .filter(([, v]) => Number(v) > 0),
      );
      process.stdout.write(
        `${JSON.stringify({
          ...step,
          ok: r.ok,
          bad: r.unexpected + r.errors,
          rps: Math.round(r.ok / r.wallSeconds),
          latencyMs: { p50: r.latencyUs.p50 / 1000, p99: r.latencyUs.p99 / 1000 },
          serverUsPerRequest: perReq(cpu.serverSeconds),
          postgresUsPerRequest: perReq(cpu.postgresSeconds),
          throttled: { instance: thr(r.before.cg, r.after.cg, 'inst'), postgres: thr(r.before.cg, r.after.cg, 'pg') },
          postgresTicksByKind: split,
          loadAverage: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
        })}\n`,
      );
    }
  } finally {
    if (budgets instanceof CpuBudgets) budgets.close();
    if (g) {
      await fleet.stop(groups.values());
      await g.db.close();
    }
    await pg.stop();
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err) => {
      process.stderr.write(`${String(err)}\n`);
      process.exit(1);
    },
  );
}
