// LOG_REQUESTS=1: one JSON line per request, whatever its outcome (it runs outside the error funnel,
// so 401/403/429/503/500 are logged too). Method, path, route, status, error code and time only:
// query strings and headers may carry credentials and are never logged (SECURITY.md).
import type { Middleware } from 'koa';
import type { Logger } from '../log';
import { routeOf } from '../metrics/http-metrics';

// A path is client input: a 16 KB one is not copied into every log line.
const MAX_LOGGED_PATH = 200;

export function requestLog(log: Logger): Middleware {
  return async (ctx, next) => {
    const start = performance.now();
    try {
      await next();
    } finally {
      const body = ctx.body as { error?: { code?: unknown } } | null | undefined;
      log.info('request', {
        requestId: ctx.state.requestId,
        method: ctx.method,
        path: ctx.path.slice(0, MAX_LOGGED_PATH),
        route: routeOf(ctx),
        status: ctx.status,
        ...(body && typeof body === 'object' && !Buffer.isBuffer(body) && body.error ? { code: body.error.code } : {}),
        ms: +(performance.now() - start).toFixed(2),
      });
    }
  };
}
