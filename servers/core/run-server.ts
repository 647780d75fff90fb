// The process around an app: config -> database -> migrations -> strategy -> listen, and a clean
// shutdown on SIGTERM/SIGINT. servers/<strategy>/main.ts call this with their strategy factory.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app';
import type { StrategyFactory, StrategyName } from './auth';
import { ConfigError, loadConfig } from './config';
import { createDb } from './db/db';
import { migrate } from './db/migrate';
import { createLogger, errorFields } from './log';
import { loadCatalog } from './products/catalog';
import { createLoginThrottle } from './users/login-throttle';
import { hashPassword } from './users/password';
import { createUserStore } from './users/user-store';

export async function runServer(strategyName: StrategyName, factory: StrategyFactory): Promise<void> {
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

  await migrate(db);
  const users = createUserStore(db);
  if (config.admin.username && config.admin.password) {
    await users.ensureAdmin(config.admin.username, await hashPassword(config.admin.password, config.password.scryptLogN));
  }
  const catalog = await loadCatalog(db);
  const strategy = await factory({ config, db, users, log });
  const app = createApp({
    config,
    strategy,
    db,
    users,
    throttle: createLoginThrottle(db, config.login),
    catalog,
    log,
    dummyHash: await hashPassword(randomBytes(16).toString('base64url'), config.password.scryptLogN),
  });

  const server = createServer({ maxHeaderSize: 16 * 1024 }, app.callback());
  server.keepAliveTimeout = 65_000; // longer than common load balancer idle timeouts (60 s)
  server.headersTimeout = 66_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((res) => server.listen(config.port, config.host, res));
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
    await strategy.close();
    await db.close();
    clearTimeout(force);
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('unhandledRejection', (err) => log.error('unhandled rejection', errorFields(err)));
}

export function main(strategyName: StrategyName, factory: StrategyFactory): void {
  runServer(strategyName, factory).catch((err) => {
    process.stderr.write(`failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
