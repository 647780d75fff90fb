// Starts server instances as separate processes (never in the caller's process: the bench's load
// generator and the tests must not share an event loop with the server they measure or attack).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export type Strategy = 'session' | 'jwt';

export interface Instance {
  strategy: Strategy;
  url: string;
  port: number;
  pid: number;
  instanceId: string;
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
}

const ROOT = join(__dirname, '..');

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
    // Also set by servers/core/threadpool.ts; here too because a TypeScript loader may touch the
    // thread pool before the server's first module runs.
    UV_THREADPOOL_SIZE: '8',
    ...opts.env,
    DATABASE_URL: opts.databaseUrl,
    NODE_ENV: process.env.NODE_ENV === 'test' ? 'production' : (process.env.NODE_ENV ?? 'production'),
  };
  // Jest sets these in its workers; they must not leak into a server process.
  delete env.JEST_WORKER_ID;
  const entry = join(ROOT, 'servers', opts.strategy, 'main.ts');
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
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
      if (!line.includes('"msg":"listening"')) return;
      const started = JSON.parse(line) as { url: string; port: number; instance: string };
      clearTimeout(timer);
      resolve({
        strategy: opts.strategy,
        url: started.url,
        port: started.port,
        pid: child.pid as number,
        instanceId: started.instance,
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
