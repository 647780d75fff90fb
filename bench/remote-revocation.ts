// The revocation scenario against a deployed stack (scenarios/revocation.ts is the local one): per
// repetition a user logs in through one URL, the revoking request goes through it at t0, and from t0
// every instance is probed with the old credential until its first 401. Behind a balancer the bench
// cannot address an instance: it keeps as many probe loops per URL as instances answer behind it
// (each one request in flight) and files every answer under the X-Instance-Id that gave it, so each
// instance still gets its own window. The reduction is the local one (revocation-window.ts).
import type { Credential } from './credentials';
import { codecFor } from './credentials';
import { BENCH_PASSWORD } from './fleet';
import { type RemoteAgent, remoteAgent, remoteSend, revocationSource } from './remote-http';
import type { RemoteTarget } from './remote-discovery';
import { type RemoteSetup, remoteUser } from './remote-users';
import { credentialHeaders, EXPECTED_STATUS, emptyRepetition, revokingRequest } from './revoke';
import { instanceOutcome, type ProbeLog, remainingValidity, type RepetitionRecord } from './revocation-window';
import type { RevocationEvent } from './scenarios/types';

export interface RemoteRevocationOptions {
  target: RemoteTarget;
  event: RevocationEvent;
  repetitions: number;
  boundMs: number;
  maxProbesPerInstance: number;
  setup: RemoteSetup;
  /** admin-disable only: an admin credential valid on every instance of the target. */
  admin: Credential | null;
  /** Tags the users a run disables (they cannot be reused). */
  runTag: string;
}

/** Answers per instance before t0: the credential must reach (and, for memory variants, be cached on) every one. */
const BEFORE_T0_TRIES_PER_INSTANCE = 12;

const auth = credentialHeaders;

interface Ledger {
  logs: Map<string, ProbeLog>;
}

function logOf(ledger: Ledger, instance: string): ProbeLog {
  let log = ledger.logs.get(instance);
  if (!log) {
    log = { probes: 0, okSentMs: [], reject: null, unexpected: null, endMs: 0 };
    ledger.logs.set(instance, log);
  }
  return log;
}

/** One probe loop on one URL; every answer is filed under its instance. Stops when every instance of the URL refused. */
async function probeLoop(
  agent: RemoteAgent,
  url: string,
  expected: string[],
  credential: Credential,
  t0: number,
  o: RemoteRevocationOptions,
  ledger: Ledger,
  ackMs: () => number,
) {
  const done = () => expected.every((id) => ledger.logs.get(id)?.reject || ledger.logs.get(id)?.unexpected);
  const maxProbes = o.maxProbesPerInstance * expected.length;
  for (let n = 0; n < maxProbes && !done(); n++) {
    const sentMs = performance.now() - t0;
    // The bound counts from the revoking response, not from t0: a deployment's password change hashes
    // at its own scrypt cost (2^14: ~250 ms here), which the local scenario sets to 2^10 and a remote
    // run cannot. Past it only until every instance got a probe: a balancer may route the first few
    // to one instance (the revoking request takes a turn of its rotation too).
    const ack = ackMs();
    if (!Number.isNaN(ack) && sentMs > ack + o.boundMs && expected.every((id) => (ledger.logs.get(id)?.probes ?? 0) > 0)) return;
    const r = await remoteSend(agent, url, { method: 'GET', path: '/auth/me', headers: auth(credential) });
    const atMs = performance.now() - t0;
    const log = logOf(ledger, r.instance ?? `${url} (no X-Instance-Id)`);
    log.probes++;
    log.endMs = atMs;
    if (log.reject || log.unexpected) continue; // this instance is decided; others behind the URL may not be
    if (r.status === 200) log.okSentMs.push(sentMs);
    else if (r.status === 401) log.reject = { sentMs, atMs };
    else log.unexpected = { status: r.status, atMs, body: r.body.slice(0, 200) };
  }
}

async function repetition(o: RemoteRevocationOptions, rep: number, boundMs: number): Promise<RepetitionRecord & { instanceIds: string[] }> {
  const { target, event, setup } = o;
  const strategy = target.variant.strategy;
  const ids = target.instances;
  const a = ((rep % target.urls.length) + target.urls.length) % target.urls.length;
  const url = target.urls[a];
  // A disabled user is gone for good: a new one every run and target (targets may share a database).
  // The others are reused across runs (the password change is undone below), so repeated runs do not
  // fill the deployment with users.
  const user = event === 'admin-disable' ? remoteUser(`${target.key}-disable`, rep + 1, o.runTag) : remoteUser('revocation', rep + 1);
  await setup.ensureUser(target.key, url, user);
  const { credential, userId } = await setup.login(url, strategy, user);
  const problems: string[] = [];
  const agents = target.urls.map((u) => target.instancesBehind(u).map(() => remoteAgent(u, 1)));
  const control = remoteAgent(url, 2);
  try {
    // Before t0: every instance answers the credential (from memory, for the variants that can).
    const sourceBefore = new Map<string, string | null>();
    const wantMemory = target.variant.answersFromMemory === true;
    const settled = (id: string) => sourceBefore.has(id) && (!wantMemory || sourceBefore.get(id) === 'memory');
    for (const [ui, u] of target.urls.entries()) {
      const behind = target.instancesBehind(u);
      for (let t = 0; t < BEFORE_T0_TRIES_PER_INSTANCE * behind.length && !behind.every(settled); t++) {
        const r = await remoteSend(agents[ui][0], u, { method: 'GET', path: '/auth/me', headers: auth(credential) });
        if (r.status !== 200) {
          problems.push(`before t0: ${r.instance ?? u} answered ${r.status} for a fresh credential: ${r.body.slice(0, 200)}`);
          break;
        }
        if (r.instance && !settled(r.instance)) sourceBefore.set(r.instance, revocationSource(r.body));
      }
    }
    for (const id of ids.filter((i) => !settled(i))) {
      problems.push(
        sourceBefore.has(id)
          ? `before t0: ${id} answered from '${sourceBefore.get(id)}', not from memory: the fallback path, not the variant`
          : `before t0: ${id} was not reached (the balancer did not route a probe to it)`,
      );
    }
    const before = ids.map((id) => sourceBefore.get(id) ?? null);
    if (problems.length > 0) return { ...emptyRepetition(rep, a, before, problems), instanceIds: ids };

    // The local scenario's requests (password change: to `${BENCH_PASSWORD}-changed-${rep}`).
    const req = revokingRequest(event, credential, userId, o.admin, rep);
    const newPassword = `${BENCH_PASSWORD}-changed-${rep}`;
    const ledger: Ledger = { logs: new Map() };
    const sentAt = new Date().toISOString();
    const t0 = performance.now();
    let ackMs = Number.NaN;
    const revoked = remoteSend(control, url, req).then((r) => {
      ackMs = performance.now() - t0;
      return r;
    });
    const loops = target.urls.flatMap((u, ui) =>
      agents[ui].map((agent) => probeLoop(agent, u, target.instancesBehind(u), credential, t0, { ...o, boundMs }, ledger, () => ackMs)),
    );
    const [reply] = await Promise.all([revoked, ...loops]);
    if (reply.status !== EXPECTED_STATUS[event])
      problems.push(`the revoking request ${req.method} ${req.path} answered ${reply.status}: ${reply.body.slice(0, 200)}`);
    for (const [id, log] of ledger.logs) {
      if (log.unexpected) problems.push(`${id}: probe answered ${log.unexpected.status} at ${log.unexpected.atMs.toFixed(1)} ms: ${log.unexpected.body}`);
    }
    const extra = [...ledger.logs.keys()].filter((id) => !ids.includes(id));
    if (extra.length > 0) problems.push(`instances not seen at discovery answered: ${extra.join(', ')}`);
    const outcomes = ids.map((id, i) => {
      const log = ledger.logs.get(id) ?? { probes: 0, okSentMs: [], reject: null, unexpected: null, endMs: 0 };
      return instanceOutcome(log, i, id === reply.instance, ackMs);
    });
    for (const [i, id] of ids.entries()) if (outcomes[i].probes === 0) problems.push(`${id}: no probe reached it after t0`);

    let final: RepetitionRecord['final'] = null;
    let validity = remainingValidity(credential.value, false);
    if (outcomes.some((x) => x.windowMs === null)) {
      const statuses = await Promise.all(
        target.urls.map((u, ui) => remoteSend(agents[ui][0], u, { method: 'GET', path: '/auth/me', headers: auth(credential) }).then((r) => r.status)),
      );
      final = { atMs: performance.now() - t0, statuses };
      validity = remainingValidity(credential.value, strategy === 'jwt');
    }

    let freshCredentialStatus: number | null = null;
    if (event === 'password-change' && reply.status === 200) {
      const fresh = codecFor(strategy).fromLogin(reply);
      freshCredentialStatus = fresh ? (await remoteSend(control, url, { method: 'GET', path: '/auth/me', headers: auth(fresh) })).status : 0;
      if (freshCredentialStatus !== 200) problems.push(`the fresh credential of the password change answered ${freshCredentialStatus}`);
      if (fresh) {
        // Back to the bench password, so the next run can log this user in again.
        const back = await remoteSend(control, url, {
          method: 'POST',
          path: '/auth/password',
          headers: auth(fresh),
          json: { currentPassword: newPassword, newPassword: BENCH_PASSWORD },
        });
        if (back.status !== 200) problems.push(`restoring the bench password answered ${back.status}`);
      }
    }
    return {
      repetition: rep,
      sentAt,
      revokingInstance: Math.max(0, ids.indexOf(reply.instance ?? '')),
      revokeStatus: reply.status,
      ackMs,
      sourceBefore: before,
      instances: outcomes,
      final,
      ...validity,
      freshCredentialStatus,
      problems,
      instanceIds: ids,
    };
  } finally {
    for (const agent of [...agents.flat(), control]) agent.destroy();
  }
}

/** Warm-up (one discarded repetition, short bound: first requests compile routes and open pool connections), then the repetitions. */
export async function runRemoteRevocation(o: RemoteRevocationOptions): Promise<RepetitionRecord[]> {
  const warm = await repetition(o, -1, Math.min(100, o.boundMs));
  if (warm.problems.length > 0) throw new Error(`revocation warm-up of ${o.target.label} ${o.event}: ${warm.problems.join('; ')}`);
  const out: RepetitionRecord[] = [];
  for (let rep = 0; rep < o.repetitions; rep++) out.push(await repetition(o, rep, o.boundMs));
  return out;
}
