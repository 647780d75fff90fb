// Headers on every response, errors included (the funnel runs inside this middleware).
import type { Middleware } from 'koa';
import { randomUUID } from 'node:crypto';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function securityHeaders(instanceId: string): Middleware {
  return async (ctx, next) => {
    const incoming = ctx.get('X-Request-Id');
    ctx.state.requestId = SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.set({
      'X-Instance-Id': instanceId,
      'X-Request-Id': ctx.state.requestId,
      'X-Content-Type-Options': 'nosniff',
      // An API returns JSON only: nothing may load, run or frame it (OWASP REST Security cheat sheet).
      'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Resource-Policy': 'same-origin',
      // Responses carry or depend on credentials: never stored by browsers or shared caches.
      'Cache-Control': 'no-store',
    });
    if (ctx.secure) ctx.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    await next();
  };
}
