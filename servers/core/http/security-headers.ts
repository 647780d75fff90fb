// Headers on every response, errors included. The request id is assigned when the request arrives
// (edge.ts, before anything can fail or log); the headers themselves are written with the response
// (reply.ts), where a route's own value of one of them (a page's CSP) wins.
import type { Context } from 'koa';
import { randomUUID } from 'node:crypto';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

const CONSTANT_HEADERS: readonly (readonly [string, string])[] = [
  ['X-Content-Type-Options', 'nosniff'],
  // An API returns JSON only: nothing may load, run or frame it (OWASP REST Security cheat sheet).
  ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'"],
  ['X-Frame-Options', 'DENY'],
  ['Referrer-Policy', 'no-referrer'],
  ['Cross-Origin-Resource-Policy', 'same-origin'],
  // Responses carry or depend on credentials: never stored by browsers or shared caches.
  ['Cache-Control', 'no-store'],
];
const HSTS: readonly [string, string] = ['Strict-Transport-Security', 'max-age=31536000; includeSubDomains'];

/** The id this request is logged and answered under: the client's X-Request-Id if it is safe, else a UUID. */
export function assignRequestId(ctx: Context): string {
  const incoming = ctx.req.headers['x-request-id'];
  const id = typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  ctx.state.requestId = id;
  return id;
}

export interface SecurityHeaders {
  /** The headers of this response as flat name/value pairs, for one writeHead (reply.ts). A new array. */
  pairs(ctx: Context): string[];
  /** The same headers through setHeader, keeping any a route set itself (responses Koa writes). */
  apply(ctx: Context): void;
}

export function securityHeaders(instanceId: string): SecurityHeaders {
  const constant = CONSTANT_HEADERS.flat();
  const pairs = (ctx: Context): string[] => {
    const head = ['X-Instance-Id', instanceId, 'X-Request-Id', ctx.state.requestId as string, ...constant];
    if (ctx.secure) head.push(HSTS[0], HSTS[1]);
    return head;
  };
  return {
    pairs,
    apply(ctx) {
      const res = ctx.res;
      const head = pairs(ctx);
      for (let i = 0; i < head.length; i += 2) if (!res.hasHeader(head[i])) res.setHeader(head[i], head[i + 1]);
    },
  };
}
