// The processes a run needs: one Postgres (embedded, or DATABASE_URL), a fresh database per
// instance group, server instances as separate processes, bench users seeded by SQL and credentials
// issued through the API. Knows nothing of workloads or measurements.
import pg from 'pg';
import { generateJwtKeys, type Instance, type ServerEntry, startInstance } from '../scripts/instances';
import type { PostgresHandle } from '../scripts/postgres';
import { hashPassword } from '../servers/core/users/password';
import { DbMonitor } from './cost';
import { type PgBouncer, pooledServerEnv } from './pgbouncer';
import { type BenchUser, type Credential, login, probe } from './credentials';
import { BENCH_SERVER_ENV, type Strategy, type Variant } from './variants';

/** Instances of one variant sharing one database. */
export interface InstanceGroupSpec {
  key: string;
  variant: Variant;
  count: number;
  database: string;
  /** Server settings of this group on top of the variant's (the revocation scenario's lifetimes, admin). */
  env?: Record<string, string>;
  /** Another server program than ours (the floor servers, bench/floor/main). */
  entry?: ServerEntry;
  /**
   * Key of an earlier group whose database this group shares and whose first instance issues its
   * credentials (a floor server has no login: it accepts what ours issued). `database` is then unused.
   */
  issuer?: string;
  /** Queries through the run's PgBouncer (Fleet.pooler), LISTEN direct (scenarios/pgbouncer.ts). */
  pooler?: boolean;
}

export interface InstanceGroup {
  spec: InstanceGroupSpec;
  db: DbMonitor;
  instances: Instance[];
  /** The instance that logs this group's users in, when it is not the group's own (spec.issuer). */
  issuer?: Instance;
}

/** Secrets a strategy's server needs before it starts (the same value for every instance of a run). */
function strategySecrets(strategy: Strategy, jwtKeys: string): Record<string, string> {
  return strategy === 'jwt' ? { JWT_KEYS: jwtKeys } : {};
}

/** What the results record instead of a secret's value. */
export function describeSecrets(strategy: Strategy): Record<string, string> {
  return strategy === 'jwt' ? { JWT_KEYS: '<redacted: one HS256 key of 32 random bytes, generated per run, shared by every jwt instance>' } : {};
}

export function serverEnv(variant: Variant, jwtKeys: string, instanceId: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ...BENCH_SERVER_ENV, ...variant.env, ...extra, ...strategySecrets(variant.strategy, jwtKeys), INSTANCE_ID: instanceId };
}

export const BENCH_PASSWORD = 'bench-password-not-secret';
export const BACKGROUND_USERS = 10_000;
/**
 * Pools whose logins are measured (login, journey) get the server's real scrypt cost. The steady
 * pool only logs in during setup, to get the credentials that me/cart-* send: its hash is cheaper
 * (2^10 instead of 2^14, ~16x less CPU), which shortens the setup and changes no measured figure.
 */
const MEASURED_LOGIN_POOLS: readonly string[] = ['login', 'journey'];
export const SETUP_ONLY_SCRYPT_LOG_N = 10;
/** `revocation`: one fresh user per repetition of the revocation scenario (each is logged out, disabled...). */
export const USER_POOLS = ['steady', 'journey', 'login', 'revocation'] as const;
export type UserPool = (typeof USER_POOLS)[number];

export function benchUser(pool: UserPool, i: number): BenchUser {
  return { username: `${pool}-${String(i + 1).padStart(4, '0')}`, password: BENCH_PASSWORD };
}

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(size, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

export class Fleet {
  readonly jwtKeys = generateJwtKeys('bench');
  private readonly hashes = new Map<number, Promise<string>>();
  // Per instance PROCESS, not per URL: instances of a later batch can be given the port of a stopped
  // one, and a credential cached under the URL then belonged to another database (a PgBouncer-leg
  // cell of 2026-12-01 got ~45% 401s from the first request on: its users' cookies came from the
  // scaling batch's instance that had held the same port).
  private readonly credentials = new WeakMap<Instance, Map<string, Credential>>();
  private readonly databases: string[] = [];
  /** Cookie names each strategy set on login, as observed (the report counts them). */
  readonly observedCookies: Record<string, string[]> = {};
  /** The PgBouncer that groups with `pooler` reach Postgres through (set by run.ts when one runs). */
  pooler: PgBouncer | null = null;

  constructor(
    readonly pg: PostgresHandle,
    private readonly runTag: string,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * One scrypt hash per cost for every bench user: registering each through the API would cost one
   * scrypt per user, and the bench is not the server's client for setup. A hash carries its own
   * cost (scrypt$<logN>$...), and the server verifies with the cost stored in it.
   */
  private hash(pool: UserPool | 'background'): Promise<string> {
    const logN = MEASURED_LOGIN_POOLS.includes(pool) ? Number(BENCH_SERVER_ENV.SCRYPT_LOG_N) : SETUP_ONLY_SCRYPT_LOG_N;
    let h = this.hashes.get(logN);
    if (!h) {
      h = hashPassword(BENCH_PASSWORD, logN);
      this.hashes.set(logN, h);
    }
    return h;
  }

  async start(specs: InstanceGroupSpec[], users: Partial<Record<UserPool, number>>): Promise<Map<string, InstanceGroup>> {
    const groups = new Map<string, InstanceGroup>();
    for (const spec of specs) {
      const issuer = spec.issuer === undefined ? undefined : groups.get(spec.issuer);
      if (issuer) {
        groups.set(spec.key, { spec, db: issuer.db, instances: [] });
        continue;
      }
      const name = `${this.runTag}_${spec.database}`.replace(/[^a-z0-9_]/gi, '_').toLowerCase();
      const url = await this.pg.createDatabase(name);
      this.databases.push(name);
      groups.set(spec.key, { spec, db: await DbMonitor.connect(spec.database, url), instances: [] });
    }
    const jobs = [...groups.values()].flatMap((g) => Array.from({ length: g.spec.count }, (_, i) => ({ g, i })));
    this.log(`starting ${jobs.length} server instance(s): ${specs.map((s) => `${s.count}x ${s.variant.name}`).join(', ')}`);
    const started: Instance[] = [];
    try {
      // A few at a time: a dozen TypeScript processes starting at once on 2 cores time out.
      await inBatches(jobs, 4, async ({ g, i }) => {
        started.push(await this.startOne(g, i));
      });
    } catch (err) {
      await Promise.all(started.map((i) => i.stop()));
      throw err;
    }
    for (const g of groups.values()) if (!g.spec.issuer) await this.seed(g, users);
    for (const g of groups.values()) if (g.spec.issuer) g.issuer = groups.get(g.spec.issuer)?.instances[0];
    return groups;
  }

  /** Starts instance `i` of a group and checks it serves the variant it was asked for. */
  private async startOne(g: InstanceGroup, i: number): Promise<Instance> {
    const instanceId = `${g.spec.key.replace(/\//g, '-')}-${i + 1}`;
    const pooled = g.spec.pooler ? this.throughPooler(g) : null;
    const inst = await startInstance({
      strategy: g.spec.variant.strategy,
      databaseUrl: pooled?.databaseUrl ?? g.db.url,
      env: serverEnv(g.spec.variant, this.jwtKeys, instanceId, { ...g.spec.env, ...pooled?.env }),
      startTimeoutMs: 60_000,
      entry: g.spec.entry,
    });
    g.instances[i] = inst;
    const health = (await (await fetch(`${inst.url}/healthz`)).json()) as { variant?: string };
    if (health.variant !== g.spec.variant.env.AUTH_VARIANT) {
      await inst.stop();
      throw new Error(`${instanceId} reports variant ${health.variant}, expected ${g.spec.variant.env.AUTH_VARIANT}`);
    }
    return inst;
  }

  /** More instances of a running group, up to `count` in all (the fan-out scenario grows step by step). */
  async grow(g: InstanceGroup, count: number): Promise<void> {
    const from = g.instances.length;
    const added = Array.from({ length: Math.max(0, count - from) }, (_, k) => from + k);
    await inBatches(added, 4, async (i) => {
      await this.startOne(g, i);
    });
  }

  private throughPooler(g: InstanceGroup) {
    if (!this.pooler) throw new Error(`${g.spec.key} needs PgBouncer, and none runs`);
    return pooledServerEnv(this.pooler, decodeURIComponent(new URL(g.db.url).pathname.slice(1)), g.db.url);
  }

  /**
   * Bench users (all with one known password), a 3-line cart for every steady user, and
   * BACKGROUND_USERS other users with carts, so the users and cart tables have a realistic size
   * (with a few dozen rows the planner scans them sequentially, which no production database does).
   */
  private async seed(g: InstanceGroup, users: Partial<Record<UserPool, number>>): Promise<void> {
    await g.db.query(
      `INSERT INTO users (username, password_hash)
       SELECT 'background-' || g, $1 FROM generate_series(1, $2::int) g`,
      [await this.hash('background'), BACKGROUND_USERS],
    );
    for (const pool of USER_POOLS) {
      if (!users[pool]) continue;
      await g.db.query(
        `INSERT INTO users (username, password_hash)
         SELECT $1 || '-' || lpad(g::text, 4, '0'), $2 FROM generate_series(1, $3::int) g`,
        [pool, await this.hash(pool), users[pool]],
      );
    }
    await g.db.query(
      `INSERT INTO cart_items (user_id, sku, qty)
       SELECT u.id, p.sku, p.n FROM users u
       CROSS JOIN (SELECT sku, row_number() OVER (ORDER BY sku)::int AS n FROM products ORDER BY sku LIMIT 3) p
       WHERE u.username LIKE 'steady-%' OR u.username LIKE 'background-%'`,
    );
  }

  /** VACUUM ANALYZE every table (after seeding and logins, before any measurement window). */
  async analyze(groups: Iterable<InstanceGroup>): Promise<void> {
    for (const g of groups) await g.db.query('VACUUM ANALYZE');
  }

  /** The credential of `user` issued by `instance` (logged in once, then reused by every cell). */
  async credential(g: InstanceGroup, instanceIndex: number, user: BenchUser): Promise<Credential> {
    const inst = g.instances[instanceIndex];
    let mine = this.credentials.get(inst);
    if (!mine) {
      mine = new Map();
      this.credentials.set(inst, mine);
    }
    let c = mine.get(user.username);
    if (!c) {
      c = await login((g.issuer ?? inst).url, g.spec.variant.strategy, user, (names) => {
        this.observedCookies[g.spec.variant.name] ??= names;
      });
      const check = await probe(inst.url, c);
      if (check.status !== 200)
        throw new Error(`a fresh ${g.spec.variant.name} credential is refused by its own instance: ${check.status} ${check.body.slice(0, 200)}`);
      mine.set(user.username, c);
      g.db.touch();
    }
    return c;
  }

  /** Issues many credentials a few at a time (each login is one scrypt on the server). */
  async issueAll(needs: { g: InstanceGroup; instanceIndex: number; user: BenchUser }[]): Promise<void> {
    await inBatches(needs, 6, async (n) => {
      await this.credential(n.g, n.instanceIndex, n.user);
    });
  }

  async stop(groups: Iterable<InstanceGroup>): Promise<void> {
    await Promise.all([...groups].flatMap((g) => g.instances.map((i) => i.stop())));
  }

  /** An external Postgres (DATABASE_URL) keeps nothing of the run; the embedded one is deleted whole. */
  async dropDatabases(): Promise<void> {
    if (this.pg.embedded) return;
    const client = new pg.Client({ connectionString: this.pg.adminUrl });
    await client.connect();
    try {
      for (const name of this.databases.splice(0)) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } finally {
      await client.end();
    }
  }
}

export type { Instance };
