// Starts Debian's PgBouncer (apt-get install pgbouncer) in front of a Postgres, in transaction mode,
// on a free port: for the bench's pooling leg and the test that a revocation crosses it. The servers
// reach the database through it (DATABASE_URL) and LISTEN directly (LISTEN_DATABASE_URL).
// Absent binary -> null with the reason: callers skip with a note, never fail.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, withDatabase } from '../scripts/postgres';

export interface PgBouncer {
  version: string;
  pid: number;
  port: number;
  /** The settings it runs with (no secrets), for the results. */
  settings: Record<string, string>;
  /** A connection string for `database` through the pooler (same user and password as upstream). */
  url(database: string): string;
  /** SHOW <what> on the admin console (POOLS, CLIENTS, STATS...). */
  show(what: string): Promise<Record<string, unknown>[]>;
  stop(): Promise<void>;
}

export interface PgBouncerOptions {
  /** Any connection string of the upstream Postgres (its user and password are used). */
  upstreamUrl: string;
  /** Server connections per database and user: what Postgres sees, however many clients connect. */
  poolSize?: number;
  maxClientConnections?: number;
}

const BINARY_CANDIDATES = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer', 'pgbouncer'];

/** The pgbouncer binary and its version, or null when it is not installed. */
export function findPgBouncer(): { binary: string; version: string } | null {
  for (const binary of BINARY_CANDIDATES) {
    try {
      const out = execFileSync(binary, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      return {
        binary,
        version: out
          .split('\n')[0]
          .replace(/^PgBouncer\s*/i, '')
          .trim(),
      };
    } catch {
      // not this one
    }
  }
  return null;
}

/** uid/gid of a system user from /etc/passwd (PgBouncer refuses to run as root: it switches with -u). */
function systemUser(name: string): { uid: number; gid: number } | null {
  try {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${name}:`));
    if (!line) return null;
    const [, , uid, gid] = line.split(':');
    return { uid: Number(uid), gid: Number(gid) };
  } catch {
    return null;
  }
}

/** A userlist.txt line: PgBouncer's quoting doubles the quote character. */
const quoted = (s: string) => `"${s.replace(/"/g, '""')}"`;

export async function startPgBouncer(opts: PgBouncerOptions): Promise<PgBouncer | null> {
  const found = findPgBouncer();
  if (!found) return null;
  const upstream = new URL(opts.upstreamUrl);
  const user = decodeURIComponent(upstream.username || 'postgres');
  const password = decodeURIComponent(upstream.password);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'svt-pgbouncer-'));
  const settings: Record<string, string> = {
    listen_addr: '127.0.0.1',
    listen_port: String(port),
    unix_socket_dir: '',
    pool_mode: 'transaction',
    // SCRAM from the servers to PgBouncer, and with the same plain-text secret on to Postgres.
    auth_type: 'scram-sha-256',
    auth_file: join(dir, 'userlist.txt'),
    // Postgres sees at most this many connections per database, however many clients the servers open.
    default_pool_size: String(opts.poolSize ?? 20),
    max_client_conn: String(opts.maxClientConnections ?? 1000),
    // node-postgres sends statement_timeout as a startup parameter, which PgBouncer cannot carry over
    // pooled connections: ignored here (the servers' client-side query timeout still bounds each query).
    ignore_startup_parameters: 'statement_timeout',
    // Transaction mode: nothing session-level survives a transaction, so there is nothing to reset.
    server_reset_query: '',
    // The upstream user may read SHOW POOLS / SHOW CLIENTS on the `pgbouncer` admin database.
    admin_users: user,
    log_connections: '0',
    log_disconnections: '0',
  };
  const ini = [
    '[databases]',
    // The fallback entry: any database name the client asks for, on the upstream server.
    `* = host=${upstream.hostname} port=${upstream.port || '5432'}`,
    '[pgbouncer]',
    ...Object.entries(settings).map(([k, v]) => `${k} = ${v}`),
    '',
  ].join('\n');
  writeFileSync(join(dir, 'pgbouncer.ini'), ini);
  writeFileSync(join(dir, 'userlist.txt'), `${quoted(user)} ${quoted(password)}\n`, { mode: 0o600 });

  const args = [join(dir, 'pgbouncer.ini')];
  if (process.getuid?.() === 0) {
    const name = systemUser('postgres') ? 'postgres' : 'nobody';
    const runAs = systemUser(name);
    if (!runAs) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error('pgbouncer refuses to run as root and there is no `postgres` or `nobody` user to run it as');
    }
    chmodSync(dir, 0o700);
    for (const f of ['', 'pgbouncer.ini', 'userlist.txt']) chownSync(join(dir, f), runAs.uid, runAs.gid);
    args.unshift('-u', name);
  }
  const child: ChildProcess = spawn(found.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const keep = (d: Buffer) => {
    output.push(...String(d).split('\n').filter(Boolean));
    if (output.length > 200) output.splice(0, output.length - 200);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  let running = true;
  void exited.then(() => {
    running = false;
  });

  const handle: PgBouncer = {
    version: found.version,
    pid: child.pid as number,
    port,
    settings: { ...settings, auth_file: '<temp userlist.txt>' },
    url: (database) => {
      const u = new URL(withDatabase(opts.upstreamUrl, database));
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    async show(what) {
      if (!/^[a-z_]+$/i.test(what)) throw new Error(`not a SHOW command: ${what}`);
      const client = new pg.Client({ connectionString: handle.url('pgbouncer') });
      await client.connect();
      try {
        return (await client.query(`SHOW ${what}`)).rows as Record<string, unknown>[];
      } finally {
        await client.end();
      }
    },
    async stop() {
      if (running) {
        child.kill('SIGTERM');
        const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(kill);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };

  // Ready when a query goes through it (the listen socket opens before the config is fully applied).
  const until = Date.now() + 15_000;
  for (;;) {
    if (!running) {
      await handle.stop();
      throw new Error(`pgbouncer exited at start:\n${output.slice(-20).join('\n')}`);
    }
    const client = new pg.Client({ connectionString: handle.url(decodeURIComponent(upstream.pathname.slice(1)) || 'postgres') });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return handle;
    } catch (err) {
      await client.end().catch(() => {});
      if (Date.now() > until) {
        await handle.stop();
        throw new Error(`pgbouncer did not answer within 15 s (${String(err)}):\n${output.slice(-20).join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Server settings of an instance behind `bouncer`: pooled queries, direct LISTEN, unnamed statements. */
export function pooledServerEnv(bouncer: PgBouncer, database: string, directUrl: string): { databaseUrl: string; env: Record<string, string> } {
  return { databaseUrl: bouncer.url(database), env: { LISTEN_DATABASE_URL: directUrl, PG_PREPARED_STATEMENTS: '0' } };
}
