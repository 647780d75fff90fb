// LOG_REQUESTS=1: one JSON line per request, whatever its outcome (edge.ts writes it after the error
// funnel answered, so 401/403/429/503/500 are logged too). Method, path, route, status, error code and time only:
// query strings and headers may carry credentials and are never logged (SECURITY.md).
import type { Context } from 'koa';
import type { Logger } from '../log';
import { routeOf } from './route-label';

// A path is client input: a 16 KB one is not copied into every log line.
const MAX_LOGGED_PATH = 200;

export function requestLog(log: Logger): (ctx: Context, startedMs: number) => void {
  return (ctx, startedMs) => {
    const code = ctx.state.errorCode as string | undefined;
    log.info('request', {
      requestId: ctx.state.requestId,
      method: ctx.method,
      path: ctx.path.slice(0, MAX_LOGGED_PATH),
      route: routeOf(ctx),
      status: ctx.status,
      ...(code !== undefined ? { code } : {}),
      ms: +(performance.now() - startedMs).toFixed(2),
    });
  };
}
