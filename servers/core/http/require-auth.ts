// The one middleware that turns "not authenticated" (null from the strategy) into a 401.
import type { Context, Middleware } from 'koa';
import type { AuthStrategy, Principal } from '../auth';
import { apiError } from './errors';

export function requireAuth(strategy: AuthStrategy): Middleware {
  return async (ctx, next) => {
    const principal = await strategy.authenticate(ctx);
    if (!principal) {
      const challenge = strategy.challenge(ctx);
      throw apiError('unauthorized', undefined, challenge ? { 'WWW-Authenticate': challenge } : {});
    }
    ctx.state.principal = principal;
    await next();
  };
}

export function principalOf(ctx: Context): Principal {
  const p = ctx.state.principal as Principal | undefined;
  if (!p) throw new Error('route needs requireAuth'); // a wiring bug, not a client error
  return p;
}

export function requireRole(role: Principal['role']): Middleware {
  return async (ctx, next) => {
    if (principalOf(ctx).role !== role) throw apiError('forbidden');
    await next();
  };
}
