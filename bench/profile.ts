// Where the µs of one request go (ISSUE 11, docs/profiling.md). Starts an embedded Postgres and one
// compiled server per endpoint under `node --cpu-prof`, loads it with autocannon (32 connections,
// each with its own user), stops it so V8 writes the profile, and prints the top self-time
// functions and the self time grouped by where the code lives (our middleware, koa, the router,
// pg, crypto, node internals, GC).
//
//   tsx bench/profile.ts [--seconds 10] [--out /tmp/profiles] [--only jwt-me,session-me,public]
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { generateJwtKeys, startInstance, type Strategy } from '../scripts/instances';
import { startPostgres } from '../scripts/postgres';
import { login } from './credentials';

interface Target {
  name: string;
  strategy: Strategy;
  variant: string;
  path: string;
  credential: boolean;
}

const TARGETS: Target[] = [
  { name: 'public', strategy: 'jwt', variant: 'jwt', path: '/products', credential: false },
  { name: 'jwt-me', strategy: 'jwt', variant: 'jwt', path: '/auth/me', credential: true },
  { name: 'session-me', strategy: 'session', variant: 'session', path: '/auth/me', credential: true },
];
const CONNECTIONS = 32;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The load window in the profile's clock: V8's and process.hrtime are both CLOCK_MONOTONIC (µs here). */
interface Window {
  fromUs: number;
  toUs: number;
}

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/** Where a function lives, by its script URL. */
export function groupOf(url: string, fn: string): string {
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(idle)') return 'idle';
  if (fn === '(program)' || (url === '' && fn.startsWith('('))) return 'V8/native (program)';
  if (/node_modules\/(pg|pg-protocol|pg-pool|pg-types|pgpass|pg-connection-string)\//.test(url)) return 'pg';
  if (/node_modules\/(jsonwebtoken|jws|jwa|safe-buffer|buffer-equal-constant-time|ecdsa-sig-formatter|ms|semver|lodash\.)/.test(url)) return 'jsonwebtoken';
  if (/node_modules\/@koa\/router\/|node_modules\/path-to-regexp\//.test(url)) return 'router';
  if (/node_modules\/koa-session\//.test(url)) return 'koa-session';
  if (
    /node_modules\/(koa|koa-compose|cookies|keygrip|http-errors|statuses|on-finished|type-is|content-type|accepts|vary|delegates|mime|encodeurl|escape-html|fresh|content-disposition|destroy|parseurl|negotiator|mime-types|mime-db|depd)\//.test(
      url,
    )
  )
    return 'koa and its helpers';
  if (/node_modules\/@koa\/bodyparser|node_modules\/co-body|node_modules\/raw-body/.test(url)) return 'body parser';
  if (/node_modules\/prom-client\//.test(url)) return 'prom-client (metrics)';
  if (/node_modules\/zod\//.test(url)) return 'zod';
  if (/\/servers\/core\/metrics\//.test(url)) return 'ours: metrics';
  if (/\/servers\//.test(url)) return 'ours: servers/';
  if (/node_modules\//.test(url)) return `other package: ${/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1]}`;
  if (/node:internal\/crypto|node:crypto/.test(url)) return 'node: crypto';
  if (
    /node:(internal\/)?(http|_http|net|stream|internal\/streams|timers|internal\/timers|events|buffer|internal\/url|url|internal\/async_hooks|async_hooks)/.test(
      url,
    ) ||
    /^node:/.test(url)
  )
    return 'node: http, net, streams, timers';
  if (url === '') return 'V8/native (builtins)';
  return 'other';
}

/** Self time per function and per group, counting only samples inside `window` (start-up and setup excluded). */
export function analyse(profile: CpuProfile, window?: Window): { totalMs: number; byGroup: [string, number][]; top: [string, string, number][] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    if (window && (t < window.fromUs || t > window.toUs)) continue;
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + delta);
  }
  const groups = new Map<string, number>();
  const fns = new Map<string, { group: string; us: number }>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    if (!n) continue;
    const { functionName, url, lineNumber } = n.callFrame;
    const group = groupOf(url, functionName);
    if (group === 'idle') continue;
    total += us;
    groups.set(group, (groups.get(group) ?? 0) + us);
    const where = url ? `${url.replace(/^.*\/(node_modules|servers|dist)\//, '$1/')}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where}`;
    const f = fns.get(key) ?? { group, us: 0 };
    f.us += us;
    fns.set(key, f);
  }
  return {
    totalMs: total / 1000,
    byGroup: [...groups].sort((a, b) => b[1] - a[1]),
    top: [...fns]
      .sort((a, b) => b[1].us - a[1].us)
      .slice(0, 25)
      .map(([k, v]) => [k, v.group, v.us]),
  };
}

async function profileOne(t: Target, pgAdmin: { createDatabase(name: string): Promise<string> }, seconds: number, outDir: string): Promise<void> {
  const db = await pgAdmin.createDatabase(`profile_${t.name.replace(/-/g, '_')}`);
  const dir = join(outDir, t.name);
  let window: Window | undefined;
  let responses = 0;
  mkdirSync(dir, { recursive: true });
  const inst = await startInstance({
    strategy: t.strategy,
    databaseUrl: db,
    runtime: 'compiled',
    // File by file (tsc's output): a profile of the bundle would name one file for every function.
    entry: { dir: join('servers', t.strategy), name: 'main.unbundled' },
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
    env: { AUTH_VARIANT: t.variant, JWT_KEYS: generateJwtKeys('prof'), SCRYPT_LOG_N: '10', LOG_REQUESTS: '0', ACCESS_TOKEN_TTL_SECONDS: '3600' },
  });
  try {
    const headers: Record<string, string>[] = [];
    for (let c = 0; c < CONNECTIONS; c++) {
      if (!t.credential) {
        headers.push({});
        continue;
      }
      const user = { username: `prof-${c}`, password: 'profile-password-1' };
      await fetch(`${inst.url}/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(user) });
      const cred = await login(inst.url, t.strategy, user);
      headers.push({ [cred.header]: cred.value });
    }
    const fromUs = monotonicUs();
    const result = await autocannon({
      url: inst.url,
      connections: CONNECTIONS,
      duration: seconds,
      requests: [{ method: 'GET', path: t.path }],
      setupClient: (client) => {
        // Each connection with its own credential, as in the bench.
        const i = (setupCount++ % CONNECTIONS) as number;
        client.setHeaders(headers[i]);
      },
    });
    window = { fromUs, toUs: monotonicUs() };
    responses = result['2xx'] + result.non2xx;
    const ok = result['2xx'];
    process.stdout.write(
      `\n## ${t.name}: GET ${t.path} on ${t.variant}, ${CONNECTIONS} connections, ${seconds} s: ${Math.round(ok / seconds)} req/s (2xx ${ok}, non-2xx ${result.non2xx})\n`,
    );
  } finally {
    await inst.stop();
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  const a = analyse(JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile, window);
  // µs per response: self time in the load window over the responses served in it (the profiler's
  // own sampling overhead is included, so the absolute figures run above the bench's).
  const perReq = (us: number) => (responses > 0 ? (us / responses).toFixed(2) : '–');
  process.stdout.write(
    `profile: ${join(dir, file)}; ${a.totalMs.toFixed(0)} ms busy in the load window = ${perReq(a.totalMs * 1000)} µs per response\n\n| group | self time | µs/response |\n| --- | ---: | ---: |\n`,
  );
  for (const [g, us] of a.byGroup) process.stdout.write(`| ${g} | ${((us / 1000 / a.totalMs) * 100).toFixed(1)}% | ${perReq(us)} |\n`);
  process.stdout.write('\n| function | group | self | µs/response |\n| --- | --- | ---: | ---: |\n');
  for (const [fn, g, us] of a.top) process.stdout.write(`| \`${fn}\` | ${g} | ${((us / 1000 / a.totalMs) * 100).toFixed(1)}% | ${perReq(us)} |\n`);
}

let setupCount = 0;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { seconds: { type: 'string', default: '10' }, out: { type: 'string', default: '/tmp/sessions-vs-tokens-profiles' }, only: { type: 'string' } },
  });
  const only = values.only?.split(',');
  const pg = await startPostgres();
  try {
    for (const t of TARGETS.filter((x) => !only || only.includes(x.name))) {
      setupCount = 0;
      await profileOne(t, pg, Number(values.seconds), resolve(values.out));
    }
  } finally {
    await pg.stop();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`profile failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
