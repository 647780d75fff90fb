// createApp(deps) -> a Koa app. It never listens: run-server.ts does, tests use real processes.
import Koa from 'koa';
import type { AuthStrategy } from './auth';
import { createCartStore } from './cart/cart-store';
import type { Config } from './config';
import type { Db } from './db/db';
import { edge } from './http/edge';
import type { Logger } from './log';
import type { Catalog } from './products/catalog';
import { allRoutes, mountRoutes } from './routes/route-table';
import type { HashingQueue } from './users/hashing-queue';
import type { LoginThrottle } from './users/login-throttle';
import type { UserStore } from './users/user-store';

export interface AppDeps {
  config: Config;
  strategy: AuthStrategy;
  db: Db;
  users: UserStore;
  throttle: LoginThrottle;
  hashing: HashingQueue;
  catalog: Catalog;
  log: Logger;
  dummyHash: string;
}

export function createApp(deps: AppDeps): Koa {
  const { config, strategy, db, catalog, log } = deps;
  // proxy: honour X-Forwarded-Proto/-For only behind our own proxy (TRUST_PROXY=1); maxIpsCount 1
  // takes the address our proxy appended, not one a client wrote into X-Forwarded-For.
  const app = new Koa({ proxy: config.trustProxy, maxIpsCount: 1 });
  app.silent = true; // the funnel logs; Koa's default handler would print stacks for 4xx too

  const info = { strategy: strategy.strategy, variant: strategy.variant, instance: config.instanceId };
  const routes = allRoutes({ ...deps, carts: createCartStore(db, catalog), info });

  app.use(
    edge({
      instanceId: config.instanceId,
      log,
      isDbUnavailable: db.isUnavailable,
      allowedOrigins: config.allowedOrigins,
      bodyLimitBytes: config.bodyLimitBytes,
      metrics: config.metrics.enabled,
      logRequests: config.logRequests,
    }),
  );
  for (const mw of strategy.middleware) app.use(mw);
  app.use(mountRoutes(routes, deps));
  return app;
}
