// Runs the revocation scenario (scenarios/revocation.ts): per repetition a fresh credential, revoked
// on one instance at t0, probed with GET /auth/me on every instance at once until the first 401.
// HTTP goes through node:http with keep-alive agents (one for the probes and one for everything else
// per instance), so a probe costs one loopback round trip and no connection set-up.
import http from 'node:http';
import { codecFor, type Credential, login } from './credentials';
import { BENCH_PASSWORD, benchUser, type Fleet, type InstanceGroup } from './fleet';
import type { Progress } from './progress';
import type { RevocationCellRecord } from './results';
import { instanceOutcome, type ProbeLog, remainingValidity, type RepetitionRecord } from './revocation-window';
import { REVOCATION_ADMIN } from './scenarios/revocation';
import type { RevocationCellPlan, RevocationEvent } from './scenarios/types';

interface Reply {
  status: number;
  body: string;
  setCookies: string[];
}

/** One request; a network error is status 0 (never a throw: the caller decides what it means). */
function send(agent: http.Agent, baseUrl: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Reply> {
  const u = new URL(baseUrl);
  return new Promise((resolve) => {
    const req = http.request(
      {
        agent,
        host: u.hostname,
        port: u.port,
        method,
        path,
        headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = res.headers['set-cookie'];
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), setCookies: raw ? [...raw] : [] });
        });
        res.on('error', (err) => resolve({ status: 0, body: String(err), setCookies: [] }));
      },
    );
    req.on('error', (err) => resolve({ status: 0, body: String(err), setCookies: [] }));
    req.end(body);
  });
}

export const credentialHeaders = (c: Credential) => ({ [c.header]: c.value });

/** `credential.revocation` of a GET /auth/me body (null when the variant reports none). */
function sourceOf(body: string): string | null {
  try {
    const r = (JSON.parse(body) as { credential?: { revocation?: unknown } }).credential?.revocation;
    return typeof r === 'string' ? r : null;
  } catch {
    return null;
  }
}

async function probeLoop(agent: http.Agent, baseUrl: string, credential: Credential, t0: number, boundMs: number, maxProbes: number): Promise<ProbeLog> {
  const okSentMs: number[] = [];
  const headers = credentialHeaders(credential);
  let probes = 0;
  for (;;) {
    const sentMs = performance.now() - t0;
    if (probes >= maxProbes || sentMs > boundMs) return { probes, okSentMs, reject: null, unexpected: null, endMs: sentMs };
    const r = await send(agent, baseUrl, 'GET', '/auth/me', headers);
    probes++;
    const atMs = performance.now() - t0;
    if (r.status === 200) okSentMs.push(sentMs);
    else if (r.status === 401) return { probes, okSentMs, reject: { sentMs, atMs }, unexpected: null, endMs: atMs };
    else return { probes, okSentMs, reject: null, unexpected: { status: r.status, atMs, body: r.body.slice(0, 200) }, endMs: atMs };
  }
}

export const EXPECTED_STATUS: Record<RevocationEvent, number> = { logout: 204, 'logout-all': 204, 'password-change': 200, 'admin-disable': 204 };

/** The revoking request of an event, for the user's credential (or the admin's, for a disable). */
export function revokingRequest(event: RevocationEvent, credential: Credential, userId: string, admin: Credential | null, repetition: number) {
  switch (event) {
    case 'logout':
      return { method: 'POST', path: '/auth/logout', headers: credentialHeaders(credential) };
    case 'logout-all':
      return { method: 'POST', path: '/auth/logout-all', headers: credentialHeaders(credential) };
    case 'password-change':
      return {
        method: 'POST',
        path: '/auth/password',
        headers: { ...credentialHeaders(credential), 'content-type': 'application/json' },
        body: JSON.stringify({ currentPassword: BENCH_PASSWORD, newPassword: `${BENCH_PASSWORD}-changed-${repetition}` }),
      };
    case 'admin-disable':
      return { method: 'POST', path: `/admin/users/${encodeURIComponent(userId)}/disable`, headers: credentialHeaders(admin as Credential) };
  }
}

/** Tries before a memory-answering instance is declared to be on its fallback path. */
const MEMORY_CHECK_TRIES = 5;

export interface RevocationCtx {
  fleet: Fleet;
  groups: Map<string, InstanceGroup>;
  progress: Progress;
  /** Next unused user of the revocation pool, per instance group. */
  nextUser: Map<string, number>;
}

function takeUser(ctx: RevocationCtx, fleetKey: string) {
  const n = ctx.nextUser.get(fleetKey) ?? 0;
  ctx.nextUser.set(fleetKey, n + 1);
  return benchUser('revocation', n);
}

/** The warm-up's probe bound: long enough to see the 401s, short for plain jwt (which never gives one). */
const WARM_UP_BOUND_MS = 100;

/** Everything one repetition needs of its cell, open for the whole cell. */
interface CellRun {
  cell: RevocationCellPlan;
  g: InstanceGroup;
  instances: InstanceGroup['instances'];
  probeAgents: http.Agent[];
  controlAgents: http.Agent[];
  /** The admin's credential, for admin-disable (logged in once per cell on instance 1; it works on every instance). */
  admin: Credential | null;
}

async function openCell(cell: RevocationCellPlan, g: InstanceGroup): Promise<CellRun> {
  const instances = g.instances.slice(0, cell.instances);
  return {
    cell,
    g,
    instances,
    probeAgents: instances.map(() => new http.Agent({ keepAlive: true, maxSockets: 1 })),
    controlAgents: instances.map(() => new http.Agent({ keepAlive: true })),
    admin: cell.event === 'admin-disable' ? await login(instances[0].url, cell.variant.strategy, REVOCATION_ADMIN) : null,
  };
}

function closeCell(run: CellRun): void {
  for (const agent of [...run.probeAgents, ...run.controlAgents]) agent.destroy();
}

/** One repetition: a fresh user logs in on instance `a`, is revoked there at t0, probed everywhere. */
async function runRepetition(ctx: RevocationCtx, run: CellRun, rep: number, a: number, boundMs: number): Promise<RepetitionRecord> {
  const { cell, g, instances, probeAgents, controlAgents, admin } = run;
  const strategy = cell.variant.strategy;
  const user = takeUser(ctx, cell.fleetKey);
  const loginReply = await send(controlAgents[a], instances[a].url, 'POST', '/auth/login', { 'content-type': 'application/json' }, JSON.stringify(user));
  const credential = codecFor(strategy).fromLogin(loginReply);
  if (!credential)
    throw new Error(`login of ${user.username} on ${instances[a].instanceId} gave no credential: ${loginReply.status} ${loginReply.body.slice(0, 200)}`);
  const userId = String((JSON.parse(loginReply.body) as { user: { id: string | number } }).user.id);
  const problems: string[] = [];

  // Before t0: the credential works everywhere, and a memory-answering variant answers it from
  // memory on every instance (session-cached fills its cache on the first lookup).
  const sourceBefore = await Promise.all(
    instances.map(async (inst, i) => {
      let source: string | null = null;
      for (let t = 0; t < MEMORY_CHECK_TRIES; t++) {
        const r = await send(probeAgents[i], inst.url, 'GET', '/auth/me', credentialHeaders(credential));
        if (r.status !== 200) {
          problems.push(`before t0: ${inst.instanceId} answered ${r.status} for a fresh credential: ${r.body.slice(0, 200)}`);
          return null;
        }
        source = sourceOf(r.body);
        if (!cell.variant.answersFromMemory || source === 'memory') return source;
      }
      problems.push(`before t0: ${inst.instanceId} answered from '${source}' ${MEMORY_CHECK_TRIES} times, not from memory: the fallback path, not the variant`);
      return source;
    }),
  );
  g.db.touch();
  if (problems.length > 0) return emptyRepetition(rep, a, sourceBefore, problems);

  const req = revokingRequest(cell.event, credential, userId, admin, rep);
  const sentAt = new Date().toISOString();
  // t0: the revoking request is handed to the socket now; the probe loops start in the same tick.
  const t0 = performance.now();
  let ackMs = Number.NaN;
  const revoked = send(controlAgents[a], instances[a].url, req.method, req.path, req.headers, req.body).then((r) => {
    ackMs = performance.now() - t0;
    return r;
  });
  const loops = instances.map((inst, i) => probeLoop(probeAgents[i], inst.url, credential, t0, boundMs, cell.maxProbesPerInstance));
  const [reply, ...logs] = await Promise.all([revoked, ...loops]);
  g.db.touch();
  if (reply.status !== EXPECTED_STATUS[cell.event]) {
    problems.push(`the revoking request ${req.method} ${req.path} answered ${reply.status}: ${reply.body.slice(0, 200)}`);
  }
  logs.forEach((log, i) => {
    if (log.unexpected)
      problems.push(`${instances[i].instanceId}: probe answered ${log.unexpected.status} at ${log.unexpected.atMs.toFixed(1)} ms: ${log.unexpected.body}`);
  });
  const outcomes = logs.map((log, i) => instanceOutcome(log, i, i === a, ackMs));

  // A credential that outlived the bound (plain jwt): one more probe everywhere, and its exp.
  let final: RepetitionRecord['final'] = null;
  let validity = remainingValidity(credential.value, false);
  if (outcomes.some((o) => o.windowMs === null)) {
    const statuses = await Promise.all(
      instances.map((inst, i) => send(probeAgents[i], inst.url, 'GET', '/auth/me', credentialHeaders(credential)).then((r) => r.status)),
    );
    final = { atMs: performance.now() - t0, statuses };
    validity = remainingValidity(credential.value, strategy === 'jwt');
  }

  // Password change: the caller's fresh credential must work (else "revoked" only means "broken").
  let freshCredentialStatus: number | null = null;
  if (cell.event === 'password-change' && reply.status === 200) {
    const fresh = codecFor(strategy).fromLogin(reply);
    freshCredentialStatus = fresh ? (await send(controlAgents[a], instances[a].url, 'GET', '/auth/me', credentialHeaders(fresh))).status : 0;
    if (freshCredentialStatus !== 200) problems.push(`the fresh credential of the password change answered ${freshCredentialStatus}`);
  }
  return {
    repetition: rep,
    sentAt,
    revokingInstance: a,
    revokeStatus: reply.status,
    ackMs,
    sourceBefore,
    instances: outcomes,
    final,
    ...validity,
    freshCredentialStatus,
    problems,
  };
}

/**
 * Every event once on every instance, exactly as measured but discarded: a freshly started server
 * compiles each route on its first requests, and its pool opens a second Postgres connection only
 * when a probe first overlaps a revoking request (a SCRAM handshake: tens of ms on this class of
 * machine). Neither belongs in the first repetitions' windows.
 */
async function warmUp(ctx: RevocationCtx, cells: RevocationCellPlan[], g: InstanceGroup): Promise<void> {
  for (const cell of cells) {
    const run = await openCell(cell, g);
    try {
      for (let a = 0; a < run.instances.length; a++) {
        const r = await runRepetition(ctx, run, -1, a, Math.min(WARM_UP_BOUND_MS, cell.boundMs));
        if (r.problems.length) throw new Error(`revocation warm-up of ${cell.label}: ${r.problems.join('; ')}`);
      }
    } finally {
      closeCell(run);
    }
  }
}

export async function runRevocationCell(ctx: RevocationCtx, cell: RevocationCellPlan): Promise<RevocationCellRecord> {
  const g = ctx.groups.get(cell.fleetKey) as InstanceGroup;
  const record: RevocationCellRecord = {
    id: cell.id,
    variant: cell.variant.name,
    strategy: cell.variant.strategy,
    event: cell.event,
    instances: cell.instances,
    boundMs: cell.boundMs,
    maxProbesPerInstance: cell.maxProbesPerInstance,
    expectedRevokeStatus: EXPECTED_STATUS[cell.event],
    repetitions: [],
    valid: true,
    problems: [],
  };
  const run = await openCell(cell, g);
  try {
    for (let rep = 0; rep < cell.repetitions; rep++) {
      // The revoking instance rotates: every instance is A as often as the others.
      record.repetitions.push(await runRepetition(ctx, run, rep, rep % run.instances.length, cell.boundMs));
    }
  } finally {
    closeCell(run);
  }
  const problems = record.repetitions.flatMap((r) => r.problems.map((p) => `repetition ${r.repetition + 1}: ${p}`));
  if (problems.length > 0) {
    record.valid = false;
    record.problems.push(...problems);
  }
  return record;
}

export function emptyRepetition(rep: number, a: number, sourceBefore: (string | null)[], problems: string[]): RepetitionRecord {
  return {
    repetition: rep,
    sentAt: new Date().toISOString(),
    revokingInstance: a,
    revokeStatus: 0,
    ackMs: Number.NaN,
    sourceBefore,
    instances: [],
    final: null,
    expiresAt: null,
    remainingSeconds: null,
    freshCredentialStatus: null,
    problems,
  };
}

export async function runRevocation(ctx: RevocationCtx, cells: RevocationCellPlan[]): Promise<RevocationCellRecord[]> {
  const out: RevocationCellRecord[] = [];
  const warm = new Set<string>();
  for (const cell of cells) {
    if (!warm.has(cell.fleetKey)) {
      ctx.progress.note(`revocation: warming up ${cell.variant.name} (every event once on every instance, not measured)`);
      await warmUp(
        ctx,
        cells.filter((c) => c.fleetKey === cell.fleetKey),
        ctx.groups.get(cell.fleetKey) as InstanceGroup,
      );
      warm.add(cell.fleetKey);
    }
    const estimate = cell.repetitions * (0.08 + (cell.variant.revocation === 'expiry' ? cell.boundMs / 1000 : 0));
    ctx.progress.step(`revocation: ${cell.label}, ${cell.repetitions} repetition(s) on ${cell.instances} instances`, Math.round(estimate * 10) / 10);
    const record = await runRevocationCell(ctx, cell);
    ctx.progress.spent(estimate);
    if (!record.valid) ctx.progress.alarm(`INVALID revocation ${cell.label}: ${record.problems.slice(0, 3).join('; ')}`);
    out.push(record);
  }
  return out;
}
