// Starts server instances as separate processes (never in the caller's process: the bench's load
// generator and the tests must not share an event loop with the server they measure or attack).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { distIsFresh } from './build-freshness';

export type Strategy = 'session' | 'jwt';

export interface Instance {
  strategy: Strategy;
  url: string;
  port: number;
  pid: number;
  instanceId: string;
  /** GET /metrics of this instance (its own loopback port), or null with METRICS_ENABLED=0. */
  metricsUrl: string | null;
  /** How the process was started: compiled JavaScript or TypeScript through tsx. */
  runtime: 'compiled' | 'tsx';
  /** From spawn to the "listening" log line, in ms (migrations and, for tsx, compiling included). */
  startMs: number;
  /** Every stdout/stderr line so far (JSON logs), for assertions and post-mortems. */
  logs: string[];
  /** SIGTERM, wait for exit (SIGKILL after 5 s). */
  stop(): Promise<void>;
  readonly exited: Promise<number | null>;
}

export interface InstanceOptions {
  strategy: Strategy;
  databaseUrl: string;
  /** Extra environment: AUTH_VARIANT, timeouts... PORT defaults to 0 (a free port). */
  env?: Record<string, string>;
  /** Forward the server's log lines to this function (e.g. a prefixer for `npm run dev`). */
  onLog?: (line: string) => void;
  startTimeoutMs?: number;
  /** Default: `SERVER_RUNTIME` from the environment, else `auto` (see serverCommand). */
  runtime?: Runtime;
  /** Another server program than servers/<strategy>/main (the bench's floor servers: bench/floor/main). */
  entry?: ServerEntry;
  /** Extra node options before the entry (e.g. --cpu-prof for bench/profile.ts). */
  nodeArgs?: string[];
}

/** A server program: `<dir>/<name>.ts` in the source tree, `dist/<dir>/<name>.js` compiled. */
export interface ServerEntry {
  dir: string;
  name: string;
}

export type Runtime = 'compiled' | 'tsx' | 'auto';

// Compiled, this file is dist/scripts/instances.js and the repository is two folders up.
const COMPILED = __filename.endsWith('.js');
const ROOT = COMPILED ? join(__dirname, '..', '..') : join(__dirname, '..');

/**
 * The node arguments that start a server. `compiled`: dist/servers/<s>/main.js with plain node
 * (source maps on, so stack traces name .ts lines). `tsx`: the TypeScript source through tsx.
 * `auto` (the default): compiled when this script itself runs compiled, or when dist/ is up to date
 * with the sources (a stale dist would run yesterday's code); tsx otherwise, and always under jest,
 * whose suites test the source without a build step (test/build only spawns dist on purpose).
 */
export function serverCommand(entry: ServerEntry, runtime: Runtime = 'auto'): { args: string[]; runtime: 'compiled' | 'tsx' } {
  const useCompiled = runtime === 'compiled' || (runtime !== 'tsx' && (COMPILED || (process.env.JEST_WORKER_ID === undefined && distIsFresh(ROOT))));
  return useCompiled
    ? { args: [join(ROOT, 'dist', entry.dir, `${entry.name}.js`)], runtime: 'compiled' }
    : { args: ['--import', 'tsx', join(ROOT, entry.dir, `${entry.name}.ts`)], runtime: 'tsx' };
}

export const REPO_ROOT = ROOT;

/**
 * Children still running. A script that exits without stopping them (an error, a second Ctrl-C)
 * would leave servers holding their ports and database connections: 'exit' sends them SIGTERM
 * (synchronous, the only kind of work 'exit' allows; each server then shuts itself down).
 */
const alive = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of alive) child.kill('SIGTERM');
});

/** A fresh HS256 key set for JWT_KEYS: one 256-bit key (RFC 7518 3.2 minimum for HS256). */
export function generateJwtKeys(kid = 'k1'): string {
  return `${kid}:${randomBytes(32).toString('base64url')}`;
}

export function startInstance(opts: InstanceOptions): Promise<Instance> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    // Many instances share this host: each gets a free loopback port for /metrics (reported below).
    METRICS_PORT: '0',
    // Also set by servers/core/threadpool.ts; here too because a TypeScript loader may touch the
    // thread pool before the server's first module runs.
    UV_THREADPOOL_SIZE: '8',
    ...opts.env,
    DATABASE_URL: opts.databaseUrl,
    NODE_ENV: process.env.NODE_ENV === 'test' ? 'production' : (process.env.NODE_ENV ?? 'production'),
  };
  // Jest sets these in its workers; they must not leak into a server process.
  delete env.JEST_WORKER_ID;
  const command = serverCommand(
    opts.entry ?? { dir: join('servers', opts.strategy), name: 'main' },
    opts.runtime ?? (process.env.SERVER_RUNTIME as Runtime | undefined),
  );
  const spawnedAt = performance.now();
  const child: ChildProcess = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...command.args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  let metricsUrl: string | null = null;
  alive.add(child);
  const exited = new Promise<number | null>((res) =>
    child.once('exit', (code) => {
      alive.delete(child);
      res(code);
    }),
  );

  return new Promise<Instance>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${opts.strategy} instance did not start within ${opts.startTimeoutMs ?? 20000} ms:\n${logs.slice(-20).join('\n')}`));
    }, opts.startTimeoutMs ?? 20000);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${opts.strategy} instance exited with ${code} before listening:\n${logs.slice(-20).join('\n')}`));
    });
    const onLine = (line: string) => {
      logs.push(line);
      if (logs.length > 5000) logs.splice(0, 1000);
      opts.onLog?.(line);
      if (line.includes('"msg":"metrics listening"')) metricsUrl = (JSON.parse(line) as { metricsUrl: string }).metricsUrl;
      if (!line.includes('"msg":"listening"')) return;
      const started = JSON.parse(line) as { url: string; port: number; instance: string };
      clearTimeout(timer);
      resolve({
        strategy: opts.strategy,
        url: started.url,
        port: started.port,
        pid: child.pid as number,
        instanceId: started.instance,
        metricsUrl,
        runtime: command.runtime,
        startMs: performance.now() - spawnedAt,
        logs,
        exited,
        async stop() {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill('SIGTERM');
          const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(kill);
        },
      });
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
  });
}
