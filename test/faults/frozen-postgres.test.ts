// Issue 8, defect 5: a frozen Postgres (SIGSTOP: a hung host, a silent network) is not a stopped one.
// Connections stay open and nothing answers, so no error arrives from the socket; on the servers as
// first built requests failed after ~6 s with 500 and pg's "Query read timeout", which the error
// funnel did not classify. Expected: every request that needs the database answers 503
// database_unavailable + Retry-After (never 500, never a hang), and service returns after SIGCONT.
//
// This file freezes its OWN embedded Postgres (test/support/separate-postgres.ts); the one the other
// test files share is never touched. Every process of that cluster is stopped (the postmaster and
// each backend), and always continued again in `finally`.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDatabase } from '../../scripts/postgres';
import { ApiClient, type ApiResponse, eventually, STRATEGIES, type Strategy, sql, startTestServer, stopAllServers, type TestServer } from '../support/harness';
import { type SeparatePostgres, startSeparatePostgres } from '../support/separate-postgres';
import { shape, within } from '../support/attack';

// Generous: the servers get 1 s connect and statement timeouts; an answer within 15 s is "bounded".
const ANSWER_WITHIN_MS = 15_000;

/** The postmaster (first line of postmaster.pid) and every process whose parent it is. */
async function clusterPids(adminUrl: string): Promise<number[]> {
  const [{ data_directory }] = await sql<{ data_directory: string }>(adminUrl, 'SHOW data_directory');
  const postmaster = Number(readFileSync(join(data_directory, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so split after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === postmaster) children.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  if (!Number.isInteger(postmaster) || postmaster <= 1) throw new Error(`no postmaster pid in ${data_directory}`);
  return [postmaster, ...children];
}

function signalAll(pids: number[], signal: 'SIGSTOP' | 'SIGCONT'): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // a backend that exited meanwhile
    }
  }
}

interface Twin {
  strategy: Strategy;
  server: TestServer;
  user: ApiClient;
}

describe('Postgres frozen (SIGSTOP) and thawed (SIGCONT)', () => {
  let pg: SeparatePostgres;
  const twins: Twin[] = [];

  beforeAll(async () => {
    pg = await startSeparatePostgres();
    for (const strategy of STRATEGIES) {
      const db = await createDatabase(pg.adminUrl, `frozen_${strategy}_${randomBytes(4).toString('hex')}`);
      const server = await startTestServer(strategy, { DB_CONNECT_TIMEOUT_MS: '1000', DB_STATEMENT_TIMEOUT_MS: '1000' }, db);
      const user = await new ApiClient(strategy, server.url).signUp();
      expect((await user.post('/cart/items', { sku: 'KB-001', qty: 1 })).status).toBe(200);
      twins.push({ strategy, server, user });
    }
  }, 120_000);

  afterAll(async () => {
    await stopAllServers();
    await pg?.stop();
  }, 60_000);

  it('while frozen: login, cart, sessions and /readyz answer 503 database_unavailable + Retry-After; after SIGCONT, 200 again', async () => {
    const pids = await clusterPids(pg.adminUrl);
    expect(pids.length).toBeGreaterThan(1); // the postmaster and at least the servers' backends
    const requests = (t: Twin): [string, () => Promise<ApiResponse>][] => [
      ['login', () => new ApiClient(t.strategy, t.server.url).login(t.user.username!)],
      ['GET /cart', () => t.user.get('/cart')],
      ['POST /cart/items', () => t.user.post('/cart/items', { sku: 'KB-001', qty: 1 })],
      ['GET /auth/sessions', () => t.user.get('/auth/sessions')],
      ['GET /readyz', () => t.user.get('/readyz', { auth: false })],
    ];
    signalAll(pids, 'SIGSTOP');
    try {
      const answers = await Promise.all(
        twins.flatMap((t) =>
          requests(t).map(async ([name, send]) => {
            const res = await within(ANSWER_WITHIN_MS, send());
            return { request: `${t.strategy} ${name}`, answer: res === 'timeout' ? 'no answer within 15 s' : shape(res) };
          }),
        ),
      );
      expect(answers).toEqual(answers.map(({ request }) => ({ request, answer: { status: 503, code: 'database_unavailable', retryAfter: true } })));
      // The processes stayed up.
      for (const t of twins) expect((await t.user.get('/healthz', { auth: false })).status).toBe(200);
    } finally {
      signalAll(pids, 'SIGCONT');
    }

    for (const t of twins) {
      expect(await eventually(async () => (await t.user.get('/readyz', { auth: false })).status === 200, 20_000, 200)).toBe(true);
      expect(await eventually(async () => (await t.user.get('/cart')).status === 200, 10_000, 200)).toBe(true);
      expect((await new ApiClient(t.strategy, t.server.url).login(t.user.username!)).status).toBe(200);
    }
  }, 90_000);
});
