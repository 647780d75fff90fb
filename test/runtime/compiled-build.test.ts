// npm run build: dist/ runs with plain node (no TypeScript loader), serves /healthz and /metrics,
// maps stack traces to .ts lines, and the floor servers of the bench answer like ours.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, startInstance } from '../../scripts/instances';
import { ApiClient, newDatabase, stopAllServers, TEST_JWT_KEYS } from '../support/harness';
import { sampleValue, scrape } from './prometheus-text';

const started: { stop(): Promise<void> }[] = [];
afterAll(async () => {
  await Promise.all(started.map((s) => s.stop()));
  await stopAllServers();
});

beforeAll(() => {
  // Builds only when dist/ is missing or older than a source (a full build takes ~10-30 s here).
  execFileSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts', 'build.ts'), '--if-stale'], { cwd: REPO_ROOT, stdio: 'pipe' });
}, 180_000);

/** The command line of a running process, as the kernel has it. */
const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').filter(Boolean);

describe('the compiled servers', () => {
  it.each(['session', 'jwt'] as const)(
    '%s: starts from dist/ with plain node and answers /healthz, /readyz and /metrics',
    async (strategy) => {
      const db = await newDatabase();
      const inst = await startInstance({
        strategy,
        databaseUrl: db,
        runtime: 'compiled',
        startTimeoutMs: 60_000,
        env: { JWT_KEYS: TEST_JWT_KEYS, SCRYPT_LOG_N: '10' },
      });
      started.push(inst);
      expect(inst.runtime).toBe('compiled');
      const args = cmdline(inst.pid);
      expect(args.slice(1)).toEqual([join(REPO_ROOT, 'dist', 'servers', strategy, 'main.js')]);
      expect(args.join(' ')).not.toContain('tsx');

      const health = await fetch(`${inst.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok', strategy });
      expect((await fetch(`${inst.url}/readyz`)).status).toBe(200); // migrations were found in dist/ and applied
      expect((await fetch(`${inst.url}/`)).status).toBe(200); // the demo page was copied beside the code
      // The bundle's third run-time file: common-passwords.txt (password-policy.ts), read on first use.
      const common = await fetch(`${inst.url}/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: `bundle-${strategy}`, password: 'password123' }),
      });
      expect(common.status).toBe(400);
      expect(await common.json()).toMatchObject({ error: { code: 'validation_failed' } });
      const metrics = await scrape(inst.metricsUrl);
      expect(sampleValue(metrics, 'http_requests_total', { method: 'GET', route: '/healthz', status: '200' })).toBe(1);
    },
    120_000,
  );

  it('maps stack traces to the TypeScript source (source maps)', () => {
    const compiled = join(REPO_ROOT, 'dist', 'servers', 'core', 'config.js');
    const r = spawnSync(process.execPath, ['--enable-source-maps', '-e', `require(${JSON.stringify(compiled)}).loadConfig('jwt', {})`], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('DATABASE_URL is required');
    expect(r.stderr).toMatch(/servers\/core\/config\.ts:\d+:\d+/);
  });
});

describe('the bundled entries (scripts/bundle-servers.ts)', () => {
  const entry = (strategy: string) => join(REPO_ROOT, 'dist', 'servers', strategy, 'main.js');
  const bundle = (strategy: string) => join(REPO_ROOT, 'dist', 'servers', strategy, 'main.bundle.js');

  it.each(['session', 'jwt'])('%s: main.bundle.js carries our code and its dependencies; it requires none of dist/ or node_modules by name', (strategy) => {
    const code = readFileSync(bundle(strategy), 'utf8');
    expect(code).toContain('async function runServer(');
    const required = [...code.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]);
    // Node built-ins, the optional pg-native, and the large JSON data files read by path (mime-db...).
    const others = required.filter((r) => !builtinModules.includes(r.replace(/^node:/, '')) && r !== 'pg-native' && !/\/node_modules\/.*\.json$/.test(r));
    expect(others).toEqual([]);
  });

  it.each(['session', 'jwt'])('%s: loading the bundle does not make Node load its fetch (undici, ~10 ms of start-up)', (strategy) => {
    // Node 20 defines fetch, Response, Blob... as getters that load undici on first use. A preload
    // wraps them to report any touch; without DATABASE_URL the server stops at its configuration,
    // after every module of the bundle has loaded (pg probed for Cloudflare with a Response here).
    const dir = mkdtempSync(join(tmpdir(), 'bundle-undici-'));
    try {
      const preload = join(dir, 'report-web-globals.js');
      writeFileSync(
        preload,
        `for (const name of ['fetch', 'Response', 'Request', 'Headers', 'FormData', 'Blob', 'File', 'ReadableStream', 'WebSocket']) {
           const d = Object.getOwnPropertyDescriptor(globalThis, name);
           if (!d || !d.get) continue;
           Object.defineProperty(globalThis, name, { configurable: true, get() { process.stderr.write('touched ' + name + '\\n'); return d.get.call(this); } });
         }\n`,
      );
      const r = spawnSync(process.execPath, ['--require', preload, entry(strategy)], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
      expect(r.stderr).toContain('DATABASE_URL is required');
      expect(r.stderr.split('\n').filter((l) => l.startsWith('touched'))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(['session', 'jwt'])('%s: main.js runs the bundle with the code cache the build made of it, and V8 accepts it', (strategy) => {
    expect(statSync(`${bundle(strategy)}.v8cache`).size).toBeGreaterThan(100_000);
    const env = { PATH: process.env.PATH ?? '' };
    const r = spawnSync(process.execPath, [entry(strategy)], { encoding: 'utf8', env });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('DATABASE_URL is required');
    expect(r.stderr).not.toContain('v8cache');
    // A cache V8 refuses (here: other V8 flags) is said once and only costs the compile.
    const refused = spawnSync(process.execPath, ['--stack-size=900', entry(strategy)], { encoding: 'utf8', env });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('main.bundle.js.v8cache not used');
    expect(refused.stderr).toContain('DATABASE_URL is required');
  });

  it('maps a stack trace thrown inside the bundle to the servers/*.ts line', () => {
    // process.exit made to throw: the configuration error (no DATABASE_URL) makes runServer call
    // exit(2), which now throws to main()'s catch, whose exit(1) throws uncaught with a stack
    // through that catch, inside the bundle.
    const dir = mkdtempSync(join(tmpdir(), 'bundle-trace-'));
    try {
      const preload = join(dir, 'exit-throws.js');
      writeFileSync(preload, "process.exit = (code) => { throw new Error('exit ' + code); };\n");
      const env = { PATH: process.env.PATH ?? '' };
      // No --enable-source-maps: the server maps its own traces when they are formatted (stack-traces.ts).
      const r = spawnSync(process.execPath, ['--require', preload, entry('jwt')], { encoding: 'utf8', env });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain('DATABASE_URL is required');
      expect(r.stderr).toContain('failed to start: exit 2');
      expect(r.stderr).toContain('Error: exit 1');
      // V8's own frame text with the location swapped: `at fn (/…/run-server.ts:L:C)` or `at /…/run-server.ts:L:C`.
      expect(r.stderr).toMatch(/^ {4}at (\S.* \()?\/\S*servers\/core\/run-server\.ts:\d+:\d+\)?$/m);
      expect(r.stderr).not.toMatch(/main(\.bundle)?\.js:\d+:\d+/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the floor servers (bench/floor)', () => {
  it('answer GET /products and GET /auth/me with the same shapes as ours, and 401 without a credential', async () => {
    const db = await newDatabase();
    const env = { JWT_KEYS: TEST_JWT_KEYS, SCRYPT_LOG_N: '10' };
    const [jwt, session] = await Promise.all(
      (['jwt', 'session'] as const).map((strategy) => startInstance({ strategy, databaseUrl: db, env, startTimeoutMs: 90_000 })),
    );
    started.push(jwt, session);
    const floor = async (kind: string, strategy: 'jwt' | 'session', extra: Record<string, string> = {}) => {
      const inst = await startInstance({
        strategy,
        databaseUrl: db,
        env: { ...env, FLOOR: kind, ...extra },
        entry: { dir: 'bench/floor', name: 'main' },
        startTimeoutMs: 90_000,
      });
      started.push(inst);
      return inst;
    };
    const [pub, floorJwt, floorSession, floorJwtHeaders] = await Promise.all([
      floor('public', 'jwt'),
      floor('jwt', 'jwt'),
      floor('session', 'session'),
      floor('jwt', 'jwt', { FLOOR_HEADERS: 'ours' }),
    ]);

    const ours = await (await fetch(`${jwt.url}/products`)).json();
    const floors = await (await fetch(`${pub.url}/products`)).json();
    expect(floors).toEqual(ours);
    expect(ours.products.length).toBeGreaterThan(0);

    // Credentials issued by our servers (same keys, same database) are accepted by the floors.
    for (const [server, floorInst, strategy] of [
      [jwt, floorJwt, 'jwt'],
      [session, floorSession, 'session'],
    ] as const) {
      const user = await new ApiClient(strategy, server.url).signUp();
      const mine = await user.get('/auth/me');
      const theirs = await user.clone(floorInst.url).get('/auth/me');
      expect(mine.status).toBe(200);
      expect(theirs.status).toBe(200);
      expect(theirs.body.user).toEqual(mine.body.user);
      expect(Object.keys(theirs.body.credential).sort()).toEqual(Object.keys(mine.body.credential).sort());
      expect({ ...theirs.body.credential, variant: 'x' }).toEqual({ ...mine.body.credential, variant: 'x' });
      const anonymous = await fetch(`${floorInst.url}/auth/me`);
      expect(anonymous.status).toBe(401);
      expect(await anonymous.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    }

    // FLOOR_HEADERS=ours: the floor answers with exactly the header names ours answers with (the
    // bench's split of ours-over-floor rests on it); the plain floor with none of our own.
    const names = (r: { headers: Headers }) => [...r.headers.keys()].sort();
    const user = await new ApiClient('jwt', jwt.url).signUp();
    const mine = await user.get('/auth/me');
    const withHeaders = await user.clone(floorJwtHeaders.url).get('/auth/me');
    const plain = await user.clone(floorJwt.url).get('/auth/me');
    expect([mine.status, withHeaders.status, plain.status]).toEqual([200, 200, 200]);
    expect(names(withHeaders)).toEqual(names(mine));
    expect(withHeaders.headers.get('content-security-policy')).toBe(mine.headers.get('content-security-policy'));
    expect(names(plain)).not.toContain('x-request-id');
    expect(names(plain)).not.toContain('content-security-policy');
  }, 240_000);
});
