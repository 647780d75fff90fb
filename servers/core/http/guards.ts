// The guards route-table.ts puts in front of every route, chosen by the route's `access`. The
// strategy says who is calling (`Principal | null`, never an exception for client input); these turn
// "nobody" into 401 and "not allowed" into 403.
import type { Context, Middleware } from 'koa';
import type { AuthStrategy, Principal } from '../auth';
import type { UserStore } from '../users/user-store';
import { apiError } from './errors';

export function requireUser(strategy: AuthStrategy): Middleware {
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

/**
 * After requireUser. The role in a credential is what it was when the credential was issued: a
 * stateless access token of an admin who has since been disabled or demoted still says "admin" until
 * its exp. Admin actions are rare and powerful, so the actor is checked against the database on every
 * one (one primary-key read): a disabled admin cannot disable anyone, even within that window.
 */
export function requireAdmin(users: UserStore): Middleware {
  return async (ctx, next) => {
    const principal = principalOf(ctx);
    if (principal.role !== 'admin') throw apiError('forbidden');
    const actor = await users.findById(principal.userId);
    if (actor?.role !== 'admin' || actor.disabled) throw apiError('forbidden');
    await next();
  };
}

export function principalOf(ctx: Context): Principal {
  const p = ctx.state.principal as Principal | undefined;
  if (!p) throw new Error('route needs a guard'); // a wiring bug, not a client error
  return p;
}
