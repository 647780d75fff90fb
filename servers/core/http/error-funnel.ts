// The one place where anything thrown becomes a response: `{"error": {"code", "message"}}` with a
// stable code (http/errors.ts). Database outages become 503 + Retry-After; anything unexpected is
// logged with the request id and answered with a generic 500 (no stack, SQL or paths leak).
import type { Context } from 'koa';
import type { Logger } from '../log';
import { errorFields } from '../log';
import { ApiError, type ErrorCode } from './errors';
import { hasReply, reply } from './reply';

const RETRY_AFTER_SECONDS = '2';

/** Errors thrown by Koa and its body parser carry an HTTP status: map the ones clients can cause. */
function fromHttpStatus(status: number, err: unknown): ErrorCode | null {
  if (status === 400 && err instanceof SyntaxError) {
    // co-body (via @koa/bodyparser) refuses "__proto__" keys with a SyntaxError of its own.
    return /prototype/i.test(err.message) ? 'validation_failed' : 'invalid_json';
  }
  if (status === 400) return 'bad_request';
  if (status === 413) return 'payload_too_large';
  if (status === 415) return 'unsupported_media_type';
  if (status === 431) return 'request_header_fields_too_large';
  if (status === 404) return 'not_found';
  if (status === 405) return 'method_not_allowed';
  return null;
}

/** A route that set no body answered nothing: the JSON 404 (or 405) every other miss gets. */
export function refuseUnanswered(ctx: Context): void {
  if (ctx.body === undefined && !hasReply(ctx) && (ctx.status === 404 || ctx.status === 405)) {
    throw new ApiError(ctx.status === 404 ? 'not_found' : 'method_not_allowed');
  }
}

/** Turns whatever a request threw into its JSON error response (edge.ts calls it from its catch). */
export function errorFunnel(log: Logger, isDbUnavailable: (err: unknown) => boolean): (ctx: Context, err: unknown) => void {
  return (ctx, err) => {
    let apiErr: ApiError;
    if (err instanceof ApiError) {
      apiErr = err;
    } else if (isDbUnavailable(err)) {
      log.warn('database unavailable', { requestId: ctx.state.requestId, ...errorFields(err) });
      apiErr = new ApiError('database_unavailable', undefined, { 'Retry-After': RETRY_AFTER_SECONDS });
    } else {
      const status = (err as { status?: unknown }).status;
      const code = typeof status === 'number' && status < 500 ? fromHttpStatus(status, err) : null;
      if (code) {
        apiErr = new ApiError(code);
      } else {
        log.error('unhandled error', { requestId: ctx.state.requestId, method: ctx.method, path: ctx.path, ...errorFields(err) });
        apiErr = new ApiError('internal_error');
      }
    }
    const body: { code: ErrorCode; message: string; details?: unknown } = { code: apiErr.code, message: apiErr.message };
    if (apiErr.details !== undefined) body.details = apiErr.details;
    ctx.state.errorCode = apiErr.code; // for the request log
    reply(ctx, { error: body }, apiErr.status, apiErr.headers);
  };
}
