// The process around an app: config -> database -> migrations -> strategy -> listen, and a clean
// shutdown on SIGTERM/SIGINT. servers/<strategy>/main.ts call this with their strategy factory.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app';
import type { StrategyFactory, StrategyName } from './auth';
import { ConfigError, loadConfig } from './config';
import { createDb } from './db/db';
import { migrate } from './db/migrate';
import { createLogger, errorFields } from './log';
import { startMetrics } from './metrics/metrics-server';
import { loadCatalog } from './products/catalog';
import { createLoginThrottle } from './users/login-throttle';
import { unmatchableHash } from './users/password';
import { ensureBootstrapAdmin } from './users/admin-bootstrap';
import { createHashingQueue } from './users/hashing-queue';
import { createUserStore } from './users/user-store';
import { answerClientError } from './http/client-error';
import { mapStackTracesOnDemand } from './stack-traces';

export async function runServer(strategyName: StrategyName, factory: StrategyFactory): Promise<void> {
  mapStackTracesOnDemand(); // before anything can log a stack (stack-traces.ts)
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(strategyName);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`configuration error: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger({ instance: config.instanceId });
  const db = createDb(
    {
      connectionString: config.databaseUrl,
      poolMax: config.db.poolMax,
      connectTimeoutMs: config.db.connectTimeoutMs,
      statementTimeoutMs: config.db.statementTimeoutMs,
      applicationName: config.instanceId,
      directConnectionString: config.pooler.listenDatabaseUrl,
      preparedStatements: config.pooler.preparedStatements,
    },
    (err) => log.warn('idle database connection lost', errorFields(err)),
  );

  const users = createUserStore(db);
  // Start-up work that does not wait on each other runs at once; only the schema comes first, since
  // every read needs it. Serially, catalog + strategy + metrics listener were ~12 ms on the 2-core
  // reference box, and the bootstrap admin's password check one scrypt (~40-90 ms), now overlapped
  // with them. The bootstrap admin is settled before the server listens, never after: a rotated
  // ADMIN_PASSWORD must have revoked the old credentials, and a squatted name must stop the start,
  // before any request is served.
  const [{ catalog, strategy }] = await Promise.all([
    (async () => {
      await migrate(db);
      const [catalog, strategy] = await Promise.all([
        loadCatalog(db),
        factory({ config, db, users, log }),
        config.admin.username && config.admin.password
          ? ensureBootstrapAdmin(users, { username: config.admin.username, password: config.admin.password, scryptLogN: config.password.scryptLogN, log })
          : undefined,
      ]);
      return { catalog, strategy };
    })(),
    startMetrics({ config, pool: db.pool, log }),
  ]);
  const throttle = createLoginThrottle(db, config.login);
  const app = createApp({
    config,
    strategy,
    db,
    users,
    throttle,
    hashing: createHashingQueue(config.hashing),
    catalog,
    log,
    // Built, not hashed: a scrypt at start-up would be ~40-90 ms before the first /readyz 200.
    dummyHash: unmatchableHash(config.password.scryptLogN),
  });
  const throttlePruner = setInterval(() => {
    throttle.prune(1000).catch((err: unknown) => log.warn('login throttle prune failed', errorFields(err)));
  }, config.login.pruneIntervalMs);
  throttlePruner.unref();

  const server = createServer({ maxHeaderSize: 16 * 1024 }, app.callback());
  // Requests Node's parser refuses (an unknown method token, a malformed line, headers over the
  // limit) never reach Koa: answer them in the API's JSON shape too, never with a raw 400 page.
  server.on('clientError', answerClientError);
  server.keepAliveTimeout = 65_000; // longer than common load balancer idle timeouts (60 s)
  server.headersTimeout = 66_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((res, rej) => {
    server.once('error', rej); // EADDRINUSE, EACCES: reported by main() in one line
    server.listen(config.port, config.host, () => {
      server.off('error', rej);
      res();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  log.info('listening', { url: `http://${host}:${port}`, port, strategy: strategy.strategy, variant: strategy.variant });

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info('shutting down', { signal });
    const force = setTimeout(() => process.exit(1), 10_000).unref();
    server.closeIdleConnections();
    await new Promise((res) => server.close(res));
    clearInterval(throttlePruner);
    await strategy.close();
    await db.close();
    clearTimeout(force);
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('unhandledRejection', (err) => log.error('unhandled rejection', errorFields(err)));
}

/**
 * One line a user can act on for the start-up failures people actually meet (a port in use, a
 * database that is not there), naming the variable to change; anything else keeps its message.
 */
export function describeStartError(err: unknown): string {
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
  const code = e?.code ?? (err instanceof AggregateError ? (err.errors[0] as NodeJS.ErrnoException)?.code : undefined);
  if (code === 'EADDRINUSE')
    return `port ${e.port} on ${e.address} is already in use: stop what listens there, or set PORT to another port (PORT=0: any free port)`;
  if (code === 'EACCES' && e.syscall === 'listen') return `no permission to listen on port ${e.port}: set PORT to a port above 1023`;
  // Connection failures (the first query is the migration) and Postgres' own refusals: 28P01 bad
  // password, 28000 no such role, 3D000 no such database.
  if (code && ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', '28P01', '28000', '3D000'].includes(code)) {
    const reason = e.message || code;
    return `cannot use the database at DATABASE_URL (${reason}): check DATABASE_URL (postgres://user:password@host:5432/database) and that Postgres runs there`;
  }
  if (e instanceof Error && /timeout exceeded when trying to connect|Connection terminated due to connection timeout/i.test(e.message)) {
    return `cannot reach the database at DATABASE_URL (${e.message}): check DATABASE_URL and that Postgres runs there`;
  }
  return err instanceof Error ? err.message : String(err);
}

export function main(strategyName: StrategyName, factory: StrategyFactory): void {
  runServer(strategyName, factory).catch((err) => {
    process.stderr.write(`failed to start: ${describeStartError(err)}\n`);
    process.exit(1);
  });
}
