// npm run dev: an embedded Postgres (or DATABASE_URL) and one instance of each server, ready to
// curl or open in a browser. Ctrl-C stops everything.
import { randomBytes } from 'node:crypto';
import { generateJwtKeys, type Instance, startInstance, type Strategy } from './instances';
import { startPostgres } from './postgres';

const PORTS: Record<Strategy, string> = { session: process.env.SESSION_PORT ?? '3001', jwt: process.env.JWT_PORT ?? '3002' };

async function main(): Promise<void> {
  process.stdout.write('starting Postgres...\n');
  const pg = await startPostgres();
  const databaseUrl = pg.embedded ? await pg.createDatabase('sessions_vs_tokens') : (process.env.DATABASE_URL as string);
  const adminPassword = process.env.ADMIN_PASSWORD ?? randomBytes(12).toString('base64url');
  const env = {
    JWT_KEYS: process.env.JWT_KEYS ?? generateJwtKeys('dev-1'),
    ADMIN_USERNAME: process.env.ADMIN_USERNAME ?? 'admin',
    ADMIN_PASSWORD: adminPassword,
    LOG_REQUESTS: process.env.LOG_REQUESTS ?? '1',
  };
  const instances: Instance[] = [];
  const stop = async () => {
    await Promise.allSettled(instances.map((i) => i.stop()));
    await pg.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  for (const strategy of ['session', 'jwt'] as const) {
    const instance = await startInstance({
      strategy,
      databaseUrl,
      env: { ...env, PORT: PORTS[strategy] },
      onLog: (line) => process.stdout.write(`[${strategy}] ${line}\n`),
    });
    instances.push(instance);
    instance.exited.then((code) => {
      process.stderr.write(`${strategy} server exited (${code}); stopping\n`);
      void stop();
    });
  }
  const [s, j] = instances;
  process.stdout.write(`
  session server: ${s.url}   (credential: HttpOnly cookie)
  jwt server:     ${j.url}   (credential: Authorization: Bearer <accessToken>)
  admin user:     ${env.ADMIN_USERNAME} / ${adminPassword}
  database:       ${pg.embedded ? 'embedded PostgreSQL (deleted on exit)' : 'DATABASE_URL'}

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
  process.stderr.write(`npm run dev failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
