// createApp(deps) -> a Koa app. It never listens: run-server.ts does, tests use real processes.
import Koa from 'koa';
import type { AuthStrategy } from './auth';
import { createCartStore } from './cart/cart-store';
import type { Config } from './config';
import type { Db } from './db/db';
import { errorFunnel } from './http/error-funnel';
import { bodyGuard } from './http/json-body';
import { originCheck } from './http/origin-check';
import { requestLog } from './http/request-log';
import { securityHeaders } from './http/security-headers';
import type { Logger } from './log';
import { httpMetrics } from './metrics/http-metrics';
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

  // First, so it also times what the error funnel answers; nothing per request when metrics are off.
  if (config.metrics.enabled) app.use(httpMetrics());
  app.use(securityHeaders(config.instanceId));
  // Outside the funnel, so it logs every answer: 401, 403, 429, 503 and 500 included.
  if (config.logRequests) app.use(requestLog(log));
  app.use(errorFunnel(log, db.isUnavailable));
  app.use(originCheck(config.allowedOrigins));
  app.use(bodyGuard(config.bodyLimitBytes));
  for (const mw of strategy.middleware) app.use(mw);
  for (const mw of mountRoutes(routes, deps)) app.use(mw);
  return app;
}
