// `npm run dev` leaves nothing behind, however it ends: interrupted while initdb writes the data
// folder, while Postgres starts, once ready (SIGINT, SIGTERM, two Ctrl-C), or failing to start.
// Each run gets its own TMPDIR, watched while it runs: the superuser password file must never be
// readable by other users, and afterwards the folder must be empty and no process of the run alive.
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Command, command, processesMentioning } from './command';

jest.setTimeout(180_000);

/** Not ours to delete: tsx's compile cache, and the shared copy of the binaries made for root (postgres-binaries.ts). */
const NOT_LEFTOVERS = /^(tsx-\d+|svt-pg-bin-.+)$/;

interface Watch {
  /** Password files seen, with whether another user could have read them. */
  passwordFiles: { path: string; readableByOthers: boolean }[];
  /** Resolves once a path matching `test` (relative to TMPDIR, depth <= 3) exists. */
  seen(test: RegExp): Promise<void>;
  stop(): void;
}

/** Another user can read `file` if it is o+r and every folder from `root` down to it is o+x. */
function readableByOthers(root: string, file: string): boolean {
  if ((statSync(file).mode & 0o004) === 0) return false;
  for (let dir = join(file, '..'); dir.startsWith(root); dir = join(dir, '..')) {
    if ((statSync(dir).mode & 0o001) === 0) return false;
  }
  return (statSync(root).mode & 0o001) !== 0;
}

/** Polls TMPDIR every 5 ms (initdb holds the password file for about a second). */
function watch(root: string): Watch {
  const passwordFiles: Watch['passwordFiles'] = [];
  const waiters: { test: RegExp; resolve: () => void }[] = [];
  const scan = (dir: string, rel: string, depth: number) => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of entries) {
      const path = join(dir, name);
      const relPath = rel ? `${rel}/${name}` : name;
      for (const w of [...waiters]) {
        if (w.test.test(relPath)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
      try {
        if (name.startsWith('pg-password') && !passwordFiles.some((p) => p.path === path)) {
          passwordFiles.push({ path, readableByOthers: readableByOthers(root, path) });
        }
        if (depth < 3 && name !== 'lib' && statSync(path).isDirectory()) scan(path, relPath, depth + 1);
      } catch {
        // removed meanwhile
      }
    }
  };
  const timer = setInterval(() => scan(root, '', 1), 5);
  return {
    passwordFiles,
    seen: (test) => new Promise((resolve) => waiters.push({ test, resolve })),
    stop: () => clearInterval(timer),
  };
}

function closed(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((res) => {
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      res(false);
    });
    socket.once('error', () => res(true));
  });
}

async function eventually(check: () => boolean | Promise<boolean>, ms = 20_000): Promise<boolean> {
  for (const until = Date.now() + ms; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
    if (await check()) return true;
  }
  return check();
}

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'svt-leftovers-'));
  chmodSync(root, 0o755); // as a system temp dir is: as root, Postgres runs as the postgres user, who must enter it
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** Starts `npm run dev` on free ports with TMPDIR = root, runs `interrupt`, checks what is left. */
async function devRun(interrupt: (dev: Command, w: Watch) => Promise<void>, env: Record<string, string> = {}) {
  const w = watch(root);
  const dev = command('scripts/dev.ts', [], { TMPDIR: root, SESSION_PORT: '0', JWT_PORT: '0', ...env });
  // A moment that never comes (dev failed early) fails the test with dev's output instead of hanging.
  const seen = w.seen;
  w.seen = (test) =>
    Promise.race([
      seen(test),
      dev.exited.then(() => {
        throw new Error(`dev exited before ${test}:\n${dev.stdout()}\n${dev.stderr()}`);
      }),
    ]);
  try {
    await interrupt(dev, w);
    const exit = await dev.exited;
    // Servers get SIGTERM on the way out and stop on their own: give them a moment.
    const urls = [...dev.stdout().matchAll(/(?:session|jwt) server: +(http:\/\/\S+)/g)].map((m) => m[1]);
    for (const url of urls) expect(await eventually(() => closed(url))).toBe(true);
    expect(await eventually(() => processesMentioning(root).length === 0)).toBe(true);
    return { exit, output: dev.stdout() + dev.stderr(), passwordFiles: w.passwordFiles, left: readdirSync(root).filter((n) => !NOT_LEFTOVERS.test(n)) };
  } finally {
    w.stop();
    dev.child.kill('SIGKILL');
  }
}

const READY = /Ctrl-C stops everything/;

describe('npm run dev leaves nothing in the temp folder', () => {
  it('Ctrl-C while initdb writes the data folder (the password file exists then)', async () => {
    const r = await devRun(async (dev, w) => {
      await w.seen(/^svt-pg-[^/]+\/secrets\/pg-password/);
      dev.child.kill('SIGINT');
    });
    expect(r.passwordFiles.length).toBeGreaterThan(0); // the moment was hit: initdb was running
    expect(r.passwordFiles.filter((p) => p.readableByOthers)).toEqual([]);
    expect(r.left).toEqual([]);
  });

  it('Ctrl-C while Postgres starts (postmaster.pid written, not ready yet)', async () => {
    const r = await devRun(async (dev, w) => {
      await w.seen(/^svt-pg-[^/]+\/data\/postmaster\.pid$/);
      dev.child.kill('SIGINT');
    });
    expect(r.left).toEqual([]);
  });

  it('Ctrl-C once ready, and no password file was ever readable by others', async () => {
    const r = await devRun(async (dev) => {
      await dev.waitFor(READY);
      dev.child.kill('SIGINT');
    });
    expect(r.exit.code).toBe(0);
    expect(r.passwordFiles.length).toBeGreaterThan(0);
    expect(r.passwordFiles.filter((p) => p.readableByOthers)).toEqual([]);
    expect(r.left).toEqual([]);
  });

  it('SIGTERM once ready', async () => {
    const r = await devRun(async (dev) => {
      await dev.waitFor(READY);
      dev.child.kill('SIGTERM');
    });
    expect(r.left).toEqual([]);
  });

  it('a second Ctrl-C right after the first (exit at once)', async () => {
    const r = await devRun(async (dev) => {
      await dev.waitFor(READY);
      dev.child.kill('SIGINT');
      await new Promise((res) => setTimeout(res, 50));
      dev.child.kill('SIGINT');
    });
    expect(r.left).toEqual([]);
  });

  it('two Ctrl-C while initdb runs', async () => {
    const r = await devRun(async (dev, w) => {
      await w.seen(/^svt-pg-[^/]+\/data\/base$/);
      dev.child.kill('SIGINT');
      dev.child.kill('SIGINT');
    });
    expect(r.left).toEqual([]);
  });

  it('a failed start (the jwt server refuses its key) exits non-zero and cleans up', async () => {
    const r = await devRun(() => Promise.resolve(), { JWT_KEYS: 'k1:short' });
    expect(r.exit.code).not.toBe(0);
    expect(r.output).toMatch(/JWT_KEYS/);
    expect(r.left).toEqual([]);
  });
});
