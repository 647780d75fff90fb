// Runs the outage scenario (scenarios/outage.ts): probe loops on one instance of every variant, all
// at once, while Postgres is stopped and started again. Every response is kept (time, status, what
// answered) and reduced by outage-timeline.ts.
import http from 'node:http';
import pg from 'pg';
import type { PostgresHandle } from '../scripts/postgres';
import { codecFor, type Credential } from './credentials';
import { benchUser, type InstanceGroup } from './fleet';
import { binOutage, type OutageMarks, type OutageSample, type Source, summarizeOutage } from './outage-timeline';
import type { Progress } from './progress';
import type { OutageResults } from './results';
import type { OutagePlan } from './scenarios/types';

/** A request the server never answers is cut here (the servers' own bound is the 5 s pool wait). */
const CLIENT_TIMEOUT_MS = 10_000;
export const OUTAGE_BIN_MS = 100;

function get(agent: http.Agent, baseUrl: string, credential: Credential): Promise<{ status: number; body: string }> {
  const u = new URL(baseUrl);
  return new Promise((resolve) => {
    const req = http.request(
      {
        agent,
        host: u.hostname,
        port: u.port,
        method: 'GET',
        path: '/auth/me',
        headers: { [credential.header]: credential.value },
        timeout: CLIENT_TIMEOUT_MS,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', () => resolve({ status: 0, body: '' }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end();
  });
}

function sourceOf(body: string): Source {
  try {
    const r = (JSON.parse(body) as { credential?: { revocation?: unknown } }).credential?.revocation;
    return r === 'memory' || r === 'database' ? r : null;
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface OutageCtx {
  pg: PostgresHandle;
  groups: Map<string, InstanceGroup>;
  progress: Progress;
  /** Shared with the revocation scenario: the next unused user of the revocation pool, per group. */
  nextUser: Map<string, number>;
}

export async function runOutage(ctx: OutageCtx, plan: OutagePlan): Promise<OutageResults> {
  const targets = await Promise.all(
    plan.fleetKeys.map(async (key) => {
      const g = ctx.groups.get(key) as InstanceGroup;
      const inst = g.instances[0];
      const agent = new http.Agent({ keepAlive: true });
      const credentials: Credential[] = [];
      for (let c = 0; c < plan.connections; c++) {
        const n = ctx.nextUser.get(key) ?? 0;
        ctx.nextUser.set(key, n + 1);
        const res = await fetch(`${inst.url}/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(benchUser('revocation', n)),
        });
        const body = await res.text();
        const credential = codecFor(g.spec.variant.strategy).fromLogin({ status: res.status, setCookies: res.headers.getSetCookie(), body });
        if (!credential) throw new Error(`outage: login on ${inst.instanceId} gave no credential: ${res.status} ${body.slice(0, 200)}`);
        // A memory-answering variant answers this credential from memory before the stop (session-cached: second lookup).
        for (let t = 0; t < 3; t++) if (sourceOf((await get(agent, inst.url, credential)).body) !== 'database') break;
        credentials.push(credential);
      }
      return { g, inst, agent, credentials, samples: [] as OutageSample[] };
    }),
  );

  // A fast shutdown ends with a checkpoint, which after a whole bench run writes seconds of dirty
  // pages: checkpoint now, so the stop itself is quick and the timeline shows the outage, not the disk.
  const admin = new pg.Client({ connectionString: ctx.pg.adminUrl });
  await admin.connect();
  try {
    await admin.query('CHECKPOINT');
  } finally {
    await admin.end();
  }

  const total = (plan.beforeMs + plan.downMs + plan.afterMs) / 1000;
  ctx.progress.step(
    `outage: ${targets.length} variants x ${plan.connections} probe loops; Postgres stops after ${plan.beforeMs / 1000} s, down ${plan.downMs / 1000} s, then ${plan.afterMs / 1000} s after its restart`,
    total,
  );
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  let stop = false;
  const loops = targets.flatMap((t) =>
    t.credentials.map(async (credential) => {
      while (!stop) {
        const sentMs = now();
        const r = await get(t.agent, t.inst.url, credential);
        t.samples.push({ sentMs, atMs: now(), status: r.status, source: r.status === 200 ? sourceOf(r.body) : null });
        // A refused connection answers at once: do not spin on it.
        if (r.status === 0) await sleep(1);
      }
    }),
  );
  let marks: OutageMarks;
  try {
    await sleep(plan.beforeMs);
    const stopCalledMs = now();
    await ctx.pg.pause();
    const stoppedMs = now();
    await sleep(plan.downMs);
    const startCalledMs = now();
    await ctx.pg.resume();
    const startedMs = now();
    await sleep(plan.afterMs);
    marks = { stopCalledMs, stoppedMs, startCalledMs, startedMs, endMs: now() };
  } finally {
    stop = true;
    await Promise.all(loops);
    for (const t of targets) t.agent.destroy();
  }
  ctx.progress.spent(total + 1);
  for (const t of targets) t.g.db.touch();
  return {
    ...marks,
    binMs: OUTAGE_BIN_MS,
    connections: plan.connections,
    variants: targets.map((t) => ({
      variant: t.g.spec.variant.name,
      instance: t.inst.instanceId,
      responses: t.samples.length,
      summary: summarizeOutage(t.samples, marks),
      bins: binOutage(t.samples, OUTAGE_BIN_MS, marks.endMs),
    })),
  };
}
