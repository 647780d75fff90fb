// Everything a request passes before its route, as ONE middleware: the order of these concerns is
// the security design, so it is written down here, once, rather than spread over six app.use calls.
//
//   1. the request id, before anything can fail or log;
//   2. the error funnel around everything below: whatever is thrown becomes a JSON error;
//   3. the origin check (CSRF / CORS preflight), then the body guard (no body is read here);
//   4. the route (routes/route-table.ts), reached through `next`;
//   5. once the answer is decided (4xx and 503 included): the response is written with the security
//      headers (reply.ts), then the request metrics and the request log.
//
// Each concern stays a plain function in its own file; only the sequencing lives here. Six Koa
// middlewares cost six async frames, six koa-compose dispatches and their promises per request, for
// nothing the order needs (ISSUE 11: GET /products cost 53.9 µs of server CPU against a plain Koa
// route's 35.4 in the reference run of 2026-12-01; docs/profiling.md says where it went).
import type { Middleware } from 'koa';
import type { Logger } from '../log';
import { recordRequest } from '../metrics/http-metrics';
import { errorFunnel, refuseUnanswered } from './error-funnel';
import { bodyGuard } from './json-body';
import { originCheck } from './origin-check';
import { responseWriter } from './reply';
import { requestLog } from './request-log';
import { assignRequestId, securityHeaders } from './security-headers';

export interface EdgeOptions {
  instanceId: string;
  log: Logger;
  isDbUnavailable: (err: unknown) => boolean;
  allowedOrigins: readonly string[];
  bodyLimitBytes: number;
  /** METRICS_ENABLED: count and time every request (nothing per request when off). */
  metrics: boolean;
  /** LOG_REQUESTS: one log line per request. */
  logRequests: boolean;
}

export function edge(opts: EdgeOptions): Middleware {
  const writeResponse = responseWriter(securityHeaders(opts.instanceId));
  const answerError = errorFunnel(opts.log, opts.isDbUnavailable);
  const checkOrigin = originCheck(opts.allowedOrigins);
  const checkBody = bodyGuard(opts.bodyLimitBytes);
  const logRequest = opts.logRequests ? requestLog(opts.log) : null;
  const measure = opts.metrics || logRequest !== null;

  return async (ctx, next) => {
    const startedMs = measure ? performance.now() : 0;
    assignRequestId(ctx);
    try {
      if (!checkOrigin(ctx)) {
        checkBody(ctx);
        await next();
        refuseUnanswered(ctx);
      }
    } catch (err) {
      answerError(ctx, err);
    }
    try {
      writeResponse(ctx);
    } catch (err) {
      // Node refused a header of the answer (a value no client can influence: a bug of ours). Nothing
      // was sent yet: the funnel's JSON 500, with the security headers, replaces it.
      answerError(ctx, err);
      writeResponse(ctx);
    }
    if (opts.metrics) recordRequest(ctx, startedMs);
    if (logRequest !== null) logRequest(ctx, startedMs);
  };
}
