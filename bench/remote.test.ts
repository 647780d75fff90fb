// Remote mode end to end, smoke-sized: servers the bench did not start (the test harness starts them),
// one target behind a round-robin balancer (one URL, two instances told apart by X-Instance-Id), one
// given as two instance URLs, both on one database. Users are created through the API only. Proves: every instance is found,
// the workloads and the per-instance revocation windows are measured, and the columns a remote run
// cannot measure say so instead of showing a figure.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRoundRobinProxy, type RoundRobinProxy } from '../deploy/round-robin-proxy';
import { PASSWORD, startTestServer, stopAllServers } from '../test/support/harness';
import { getProfile, type Profile } from './profiles';
import { runRemote } from './remote';
import type { RemoteResults } from './remote-results';
import { takeTargets } from './remote-targets';
import { VARIANTS } from './variants';

const smoke = getProfile('smoke');
const profile: Profile = {
  ...smoke,
  rounds: 1,
  connections: 4,
  revocation: { ...smoke.revocation, repetitions: 2, untilExpiryRepetitions: 1, boundMs: 500 },
};

let proxy: RoundRobinProxy;
let out: string;
let results: RemoteResults;
let report: string;

beforeAll(async () => {
  const a = await startTestServer('session', { AUTH_VARIANT: 'session-cached', INSTANCE_ID: 'cached-a' });
  const b = await startTestServer('session', { AUTH_VARIANT: 'session-cached', INSTANCE_ID: 'cached-b' }, a.databaseUrl);
  // One database for both servers, as in docker compose: users made for one target exist for the other.
  const j1 = await startTestServer('jwt', { AUTH_VARIANT: 'jwt-denylist', INSTANCE_ID: 'deny-1' }, a.databaseUrl);
  const j2 = await startTestServer('jwt', { AUTH_VARIANT: 'jwt-denylist', INSTANCE_ID: 'deny-2' }, j1.databaseUrl);
  proxy = await startRoundRobinProxy([a.url, b.url]);
  out = mkdtempSync(join(tmpdir(), 'svt-remote-'));
  const argv = ['--target', `session=${proxy.url}`, '--target', `jwt-denylist=${j1.url},${j2.url}`];
  const run = await runRemote({
    targets: takeTargets(argv).targets,
    profile,
    selection: { workloads: ['me', 'cart-read'], scaling: true, revocation: true, outage: true, fanout: false, variants: VARIANTS },
    outDir: out,
    args: argv,
    admin: { username: 'admin', password: PASSWORD },
  });
  results = run.results;
  report = readFileSync(join(run.dir, 'report.md'), 'utf8');
}, 300_000);

afterAll(async () => {
  await proxy?.stop();
  await stopAllServers();
  if (out) rmSync(out, { recursive: true, force: true });
});

describe('npm run bench -- --target ...', () => {
  it('finds every instance, behind the balancer by X-Instance-Id, and measures the variant the servers report', () => {
    expect(results.targets.map((t) => ({ label: t.label, variant: t.variant, instances: [...t.instances].sort() }))).toEqual([
      { label: 'session-cached (session)', variant: 'session-cached', instances: ['cached-a', 'cached-b'] },
      { label: 'jwt-denylist', variant: 'jwt-denylist', instances: ['deny-1', 'deny-2'] },
    ]);
  });

  it('runs the workloads on both targets, all valid, answered from memory where the variant can', () => {
    expect(results.cells.map((c) => c.id).sort()).toEqual([
      'remote/cart-read/jwt-denylist',
      'remote/cart-read/session',
      'remote/me/jwt-denylist',
      'remote/me/session',
    ]);
    for (const c of results.cells) {
      expect({ id: c.id, valid: c.valid, problems: c.problems }).toEqual({ id: c.id, valid: true, problems: [] });
      expect(c.rounds).toHaveLength(1);
      expect(c.rounds[0].ok).toBeGreaterThan(0);
    }
    expect(results.cells.filter((c) => c.variant === 'session-cached').every((c) => c.rounds[0].fromMemory === true)).toBe(true);
  });

  it('measures a revocation window on every instance, for every event', () => {
    expect(results.revocation).toHaveLength(8);
    for (const cell of results.revocation) {
      expect({ id: cell.id, problems: cell.problems }).toEqual({ id: cell.id, problems: [] });
      expect(cell.repetitions).toHaveLength(2);
      for (const rep of cell.repetitions) {
        expect(rep.instances).toHaveLength(2);
        // Both variants refuse a revoked credential (at the next request / within the notify latency).
        for (const i of rep.instances) expect(i.windowMs).not.toBeNull();
        if (cell.variant === 'session-cached') expect(rep.sourceBefore).toEqual(['memory', 'memory']);
      }
    }
  });

  it('says "not measured (remote)" where a figure would need the processes or the database', () => {
    const rows = report.split('\n').filter((l) => l.startsWith('| `me`') || l.startsWith('| `cart-read`'));
    expect(rows).toHaveLength(4);
    for (const row of rows) expect(row.split('|').filter((c) => c.trim() === 'not measured (remote)')).toHaveLength(3);
    expect(results.notMeasured.join('\n')).toMatch(/scaling[\s\S]*outage/);
    expect(report).toContain('## Revocation windows');
  });
});
