// Runs a project command the way a user does (a real process: `node --import tsx <file>`, what the
// npm scripts run) and keeps its output, for the first-hour tests: set-up, errors, leftovers.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

export interface Command {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Exit code (null when killed by a signal) and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when stdout + stderr match `pattern`; rejects if the process exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

/** The environment of the jest process minus what would change what the command does. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['DATABASE_URL', 'JEST_WORKER_ID', 'TEST_PG_ADMIN_URL', 'NODE_OPTIONS', 'PORT', 'SESSION_PORT', 'JWT_PORT']) delete env[name];
  return env;
}

export function command(file: string, args: string[] = [], env: Record<string, string> = {}): Command {
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
    cwd: ROOT,
    env: { ...cleanEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      if (w.pattern.test(out + err)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    check();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    check();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.once('exit', (code, signal) => res({ code, signal })));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(pattern, timeoutMs = 120_000) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}:\n${out}\n${err}`)), timeoutMs);
        waiters.push({
          pattern,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
        check();
        exited.then(({ code, signal }) => {
          clearTimeout(timer);
          reject(new Error(`exited (${code ?? signal}) before ${pattern}:\n${out}\n${err}`));
        });
      });
    },
  };
}

/** Runs to the end; resolves with the exit code and the output. */
export async function runToEnd(file: string, args: string[] = [], env: Record<string, string> = {}) {
  const c = command(file, args, env);
  const { code } = await c.exited;
  return { code, stdout: c.stdout(), stderr: c.stderr() };
}

/** A stack trace's frames ("    at fn (file:line)"): a user-facing error must have none. */
export const STACK_FRAME = /^\s+at .+[:(]/m;

/** Processes (other than us) whose command line mentions `text`: what a run may have left running. */
export function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(text)) found.push(`${pid}: ${cmdline}`);
    } catch {
      // gone meanwhile
    }
  }
  return existsSync('/proc/self') ? found : [];
}
