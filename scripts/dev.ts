// npm run dev: an embedded Postgres (or DATABASE_URL) and one instance of each server, ready to
// curl or open in a browser. Ctrl-C stops everything.
import { randomBytes } from 'node:crypto';
import { generateJwtKeys, type Instance, startInstance, type Strategy } from './instances';
import { portInUse } from './port-check';
import { type PostgresHandle, startPostgres } from './postgres';

/** The variable that moves each server, named in every port error. */
const PORT_VARIABLES: Record<Strategy, string> = { session: 'SESSION_PORT', jwt: 'JWT_PORT' };
const DEFAULT_PORTS: Record<Strategy, number> = { session: 3001, jwt: 3002 };

function port(strategy: Strategy): number {
  const name = PORT_VARIABLES[strategy];
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? DEFAULT_PORTS[strategy] : Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number (0 = any free port), got "${raw}"`);
  return n;
}

let stopping = false;

async function main(): Promise<void> {
  const ports = { session: port('session'), jwt: port('jwt') };
  // Checked before Postgres starts: a taken port then costs nothing to fix. The server says the
  // same if the port is taken in between (it names PORT, which dev sets from these variables).
  for (const strategy of ['session', 'jwt'] as const) {
    if (ports[strategy] !== 0 && (await portInUse(ports[strategy]))) {
      throw new Error(
        `port ${ports[strategy]} is already in use: stop what listens there, or set ${PORT_VARIABLES[strategy]} to another port (e.g. ${PORT_VARIABLES[strategy]}=0 for any free port)`,
      );
    }
  }
  const instances: Instance[] = [];
  let postgres: Promise<PostgresHandle | null> = Promise.resolve(null);
  // Installed before Postgres starts: a Ctrl-C during its start waits for it (a few seconds),
  // then stops it and deletes its folder. A second Ctrl-C exits at once; postgres-cleanup.ts
  // still deletes the folder on the way out.
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await Promise.allSettled(instances.map((i) => i.stop()));
    await (await postgres.catch(() => null))?.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  process.stdout.write('starting Postgres...\n');
  postgres = startPostgres().catch((err: unknown) => {
    if (stopping) return null; // Ctrl-C reached initdb too: nothing to report
    throw err;
  });
  const pg = await postgres;
  if (!pg || stopping) return;
  const databaseUrl = pg.embedded ? await pg.createDatabase('sessions_vs_tokens') : (process.env.DATABASE_URL as string);
  const adminPassword = process.env.ADMIN_PASSWORD ?? randomBytes(12).toString('base64url');
  const env = {
    JWT_KEYS: process.env.JWT_KEYS ?? generateJwtKeys('dev-1'),
    ADMIN_USERNAME: process.env.ADMIN_USERNAME ?? 'admin',
    ADMIN_PASSWORD: adminPassword,
    LOG_REQUESTS: process.env.LOG_REQUESTS ?? '1',
  };
  for (const strategy of ['session', 'jwt'] as const) {
    if (stopping) return;
    const instance = await startInstance({
      strategy,
      databaseUrl,
      env: { ...env, PORT: String(ports[strategy]) },
      // Not the 20 s default: on a busy 2-core machine a start (tsx compile, migrations, two scrypt
      // hashes) took longer, and dev failed although nothing was wrong. A user can wait.
      startTimeoutMs: 120_000,
      onLog: (line) => process.stdout.write(`[${strategy}] ${line}\n`),
    }).catch((err: unknown) => {
      // The server's own one-line reason names PORT; here the variable that sets it is another.
      const message = err instanceof Error ? err.message : String(err);
      if (/already in use/.test(message)) throw new Error(`port ${ports[strategy]} is already in use: set ${PORT_VARIABLES[strategy]} to another port`);
      throw err;
    });
    instances.push(instance);
    instance.exited.then((code) => {
      if (stopping) return;
      process.stderr.write(`${strategy} server exited (${code}); stopping\n`);
      void stop(1);
    });
  }
  if (stopping) return;
  const [s, j] = instances;
  process.stdout.write(`
  session server: ${s.url}   (credential: HttpOnly cookie)
  jwt server:     ${j.url}   (credential: Authorization: Bearer <accessToken>)
  admin user:     ${env.ADMIN_USERNAME} / ${adminPassword}
  database:       ${pg.embedded ? 'embedded PostgreSQL (deleted on exit)' : 'DATABASE_URL'}
  ports:          SESSION_PORT=${s.port} JWT_PORT=${j.port} (set them to move the servers; 0 = any free port)

  try:
    curl -s -X POST ${s.url}/auth/register -H 'content-type: application/json' -d '{"username":"alice","password":"correct horse"}'
    curl -s -c jar -X POST ${s.url}/auth/login -H 'content-type: application/json' -d '{"username":"alice","password":"correct horse"}'
    curl -s -b jar ${s.url}/auth/me
    curl -s -X POST ${j.url}/auth/login -H 'content-type: application/json' -d '{"username":"alice","password":"correct horse"}'
    curl -s ${j.url}/auth/me -H "authorization: Bearer <accessToken from the login response>"

  Ctrl-C stops everything.
`);
}

main().catch((err) => {
  if (stopping) return; // a Ctrl-C under way: its own exit follows
  process.stderr.write(`npm run dev failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1); // postgres-cleanup.ts stops and deletes an embedded Postgres on the way out
});
