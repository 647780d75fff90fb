// CSRF defence for cookie-authenticated state changes (and login CSRF): a browser always sends
// Origin on a cross-origin POST/PUT/DELETE, and Sec-Fetch-Site where supported. SameSite cookies are
// defence in depth, not the defence (OWASP CSRF cheat sheet). Clients without Origin (curl, the
// bench, native apps) are not browsers and carry no ambient credential risk.
// CORS answers only the configured origins: it never reflects an arbitrary Origin and never
// combines `*` with credentials.
import type { Context } from 'koa';
import { apiError } from './errors';

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function originAllowed(ctx: Context, origin: string, allowed: ReadonlySet<string>): boolean {
  // Not ctx.origin: Koa 3 derives that from the Origin header itself, which would allow everything.
  return origin === `${ctx.protocol}://${ctx.host}` || allowed.has(origin);
}

/** Throws forbidden_origin, or answers a CORS preflight (returns true: nothing else to do). */
export function originCheck(allowedOrigins: readonly string[]): (ctx: Context) => boolean {
  const allowed = new Set(allowedOrigins);
  return (ctx) => {
    const origin = ctx.req.headers.origin ?? '';
    if (origin && allowed.has(origin)) {
      ctx.set({ 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true' });
      ctx.vary('Origin');
      if (ctx.method === 'OPTIONS') {
        ctx.set({
          'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE',
          'Access-Control-Allow-Headers': 'Content-Type, Authorization',
          'Access-Control-Max-Age': '600',
        });
        ctx.status = 204;
        return true;
      }
    }
    if (UNSAFE_METHODS.has(ctx.method)) {
      if (ctx.get('Sec-Fetch-Site') === 'cross-site' && !(origin && allowed.has(origin))) throw apiError('forbidden_origin');
      if (origin && !originAllowed(ctx, origin, allowed)) throw apiError('forbidden_origin');
    }
    return false;
  };
}
