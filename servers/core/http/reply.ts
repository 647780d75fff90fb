// How a JSON answer is written: the status line and every header in ONE writeHead, then the body.
//
// Routes (and the error funnel) answer with `reply(ctx, value)` instead of `ctx.body = value`; edge.ts
// calls writeResponse() once the answer is decided. Why not Koa's own response path: it sets each
// header with its own setHeader call (name check, value check, lower-casing, a map entry: six
// security headers, the instance and request ids, Content-Type, Content-Length per response), then
// serialises them again. Node's writeHead with a flat name/value array checks each header once, while it serialises
// it, which is what Fastify does. ISSUE 11: plain node http, 50 connections, the same 12 headers:
// 32.0 us of CPU per response through setHeader, 28.2 through one writeHead (28.8 with only
// Content-Type and Content-Length); docs/profiling.md has the measurements on our servers.
//
// Koa still writes every other response (a page, a 204, a preflight): `ctx.respond = false` is its
// documented way out, taken only for a reply. If anything already set a header with setHeader (a
// Set-Cookie, CORS), Node would merge the array header by header, slower than setHeader; then the
// reply's headers go through setHeader too, with the same result on the wire.
import type { Context } from 'koa';
import type { SecurityHeaders } from './security-headers';

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
const REPLY = Symbol('reply');

interface Reply {
  status: number;
  json: string;
  headers: Readonly<Record<string, string>> | undefined;
}
type Replied = Context & { [REPLY]?: Reply };

/**
 * Answers `value` as JSON with `status` (serialised here, so a value JSON cannot encode throws in the
 * route). `headers`: extra ones (Retry-After, Allow...), never one of the security headers.
 */
export function reply(ctx: Context, value: unknown, status = 200, headers?: Readonly<Record<string, string>>): void {
  replyJsonText(ctx, JSON.stringify(value), status, headers);
}

/** Answers a JSON text serialised beforehand (a body that never changes, e.g. the catalog). */
export function replyJsonText(ctx: Context, json: string, status = 200, headers?: Readonly<Record<string, string>>): void {
  (ctx as Replied)[REPLY] = { status, json, headers };
  // The status is read before the write (metrics, request log, refuseUnanswered); Koa's status
  // setter would also look up a status message and check the body, which this path never uses.
  ctx.res.statusCode = status;
}

/** A reply already decided for this request (an error replaces it: the funnel replies again). */
export function hasReply(ctx: Context): boolean {
  return (ctx as Replied)[REPLY] !== undefined;
}

/** Writes the response: a reply in one writeHead, anything else through Koa with the same headers. */
export function responseWriter(security: SecurityHeaders): (ctx: Context) => void {
  return (ctx) => {
    const r = (ctx as Replied)[REPLY];
    const res = ctx.res;
    if (r === undefined) {
      security.apply(ctx); // Koa's respond() writes the rest
      return;
    }
    ctx.respond = false;
    if (!ctx.writable) return; // the client is gone (Koa's respond() skips these too)
    const length = String(Buffer.byteLength(r.json));
    if (res.getHeaderNames().length === 0) {
      const head = security.pairs(ctx);
      if (r.headers !== undefined) for (const name in r.headers) head.push(name, r.headers[name]);
      head.push('Content-Type', JSON_CONTENT_TYPE, 'Content-Length', length);
      res.writeHead(r.status, head);
    } else {
      security.apply(ctx);
      if (r.headers !== undefined) for (const name in r.headers) res.setHeader(name, r.headers[name]);
      res.setHeader('Content-Type', JSON_CONTENT_TYPE);
      res.setHeader('Content-Length', length);
      res.writeHead(r.status);
    }
    // Node sends no body for HEAD (the GET route answered it) and keeps its Content-Length.
    res.end(r.json);
  };
}
