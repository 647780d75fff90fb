// createApp(deps) -> a Koa app. It never listens: run-server.ts does, tests use real processes.
import Koa from 'koa';
import type { AuthStrategy } from './auth';
import { createCartStore } from './cart/cart-store';
import type { Config } from './config';
import type { Db } from './db/db';
import { errorFunnel } from './http/error-funnel';
import { jsonBody } from './http/json-body';
import { originCheck } from './http/origin-check';
import { securityHeaders } from './http/security-headers';
import type { Logger } from './log';
import type { Catalog } from './products/catalog';
import { adminRoutes } from './routes/admin-routes';
import { authRoutes } from './routes/auth-routes';
import { cartRoutes } from './routes/cart-routes';
import { systemRoutes } from './routes/system-routes';
import { webRoutes } from './routes/web-routes';
import type { LoginThrottle } from './users/login-throttle';
import type { UserStore } from './users/user-store';

export interface AppDeps {
  config: Config;
  strategy: AuthStrategy;
  db: Db;
  users: UserStore;
  throttle: LoginThrottle;
  catalog: Catalog;
  log: Logger;
  dummyHash: string;
}

export function createApp(deps: AppDeps): Koa {
  const { config, strategy, db, users, catalog, log } = deps;
  // proxy: honour X-Forwarded-Proto/-For only behind our own proxy (TRUST_PROXY=1); maxIpsCount 1
  // takes the address our proxy appended, not one a client wrote into X-Forwarded-For.
  const app = new Koa({ proxy: config.trustProxy, maxIpsCount: 1 });
  app.silent = true; // the funnel logs; Koa's default handler would print stacks for 4xx too

  const info = { strategy: strategy.strategy, variant: strategy.variant, instance: config.instanceId };
  const routers = [
    systemRoutes(info, db, catalog),
    authRoutes({ config, strategy, users, throttle: deps.throttle, dummyHash: deps.dummyHash }),
    cartRoutes(strategy, createCartStore(db, catalog), catalog),
    adminRoutes(strategy, users),
    webRoutes(),
  ];

  app.use(securityHeaders(config.instanceId));
  app.use(errorFunnel(log, db.isUnavailable));
  if (config.logRequests) {
    app.use(async (ctx, next) => {
      const start = performance.now();
      await next();
      // Method, path and status only: query strings and headers may carry credentials.
      log.info('request', {
        requestId: ctx.state.requestId,
        method: ctx.method,
        path: ctx.path,
        status: ctx.status,
        ms: +(performance.now() - start).toFixed(2),
      });
    });
  }
  app.use(originCheck(config.allowedOrigins));
  for (const mw of jsonBody(config.bodyLimitBytes)) app.use(mw);
  for (const mw of strategy.middleware) app.use(mw);
  for (const router of routers) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  return app;
}
