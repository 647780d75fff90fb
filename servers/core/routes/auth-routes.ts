// /auth/*: written once against the AuthStrategy seam; the twins differ only behind it.
import Router from '@koa/router';
import type { Context } from 'koa';
import type { AuthStrategy } from '../auth';
import type { Config } from '../config';
import { apiError } from '../http/errors';
import { principalOf, requireAuth } from '../http/require-auth';
import { validate } from '../http/validate';
import type { LoginThrottle } from '../users/login-throttle';
import { hashPassword, verifyPassword } from '../users/password';
import { publicUser, type UserStore, type UserWithHash } from '../users/user-store';
import { loginBody, passwordChangeBody, registerBody } from './schemas';

export interface AuthRouteDeps {
  config: Config;
  strategy: AuthStrategy;
  users: UserStore;
  throttle: LoginThrottle;
  /** A hash of a random password, verified for unknown users so timing does not reveal them. */
  dummyHash: string;
}

export function authRoutes({ config, strategy, users, throttle, dummyHash }: AuthRouteDeps): Router {
  const router = new Router({ prefix: '/auth' });
  const auth = requireAuth(strategy);

  const tooMany = (seconds: number) => apiError('too_many_requests', undefined, { 'Retry-After': String(seconds) });

  /**
   * Unknown user, wrong password and disabled user get the same status, body and headers, after the
   * same amount of hashing work (OWASP Authentication cheat sheet; better-auth does the same).
   */
  async function checkPassword(ctx: Context, username: string, password: string): Promise<UserWithHash> {
    const wait = await throttle.retryAfterSeconds(username, ctx.ip);
    if (wait > 0) throw tooMany(wait);
    const user = await users.findByUsername(username);
    const ok = await verifyPassword(password, user?.passwordHash ?? dummyHash);
    if (!user || !ok || user.disabled) {
      await throttle.recordFailure(username, ctx.ip);
      throw apiError('invalid_credentials');
    }
    await throttle.recordSuccess(username);
    return user;
  }

  router.post('/register', async (ctx) => {
    const { username, password } = validate(registerBody, ctx.request.body);
    const user = await users.create(username, await hashPassword(password, config.password.scryptLogN));
    if (!user) throw apiError('username_taken');
    ctx.status = 201;
    ctx.body = { user };
  });

  router.post('/login', async (ctx) => {
    const { username, password } = validate(loginBody, ctx.request.body);
    const user = await checkPassword(ctx, username, password);
    const credential = await strategy.issue(ctx, user);
    ctx.body = { user: publicUser(user), ...credential };
  });

  router.post('/refresh', async (ctx) => {
    if (!strategy.refresh) throw apiError('not_found');
    const credential = await strategy.refresh(ctx);
    if (!credential) throw apiError('invalid_refresh_token');
    ctx.body = credential;
  });

  router.get('/me', auth, (ctx) => {
    const { userId, role, credential } = principalOf(ctx);
    ctx.body = { user: { id: userId, role }, credential };
  });

  router.post('/logout', auth, async (ctx) => {
    await strategy.logout(ctx, principalOf(ctx));
    ctx.set('Clear-Site-Data', '"cookies"');
    ctx.status = 204;
  });

  router.post('/logout-all', auth, async (ctx) => {
    const principal = principalOf(ctx);
    await users.revokeCredentials(principal.userId);
    await strategy.revokeAllForUser(principal.userId);
    await strategy.logout(ctx, principal);
    ctx.set('Clear-Site-Data', '"cookies"');
    ctx.status = 204;
  });

  router.post('/password', auth, async (ctx) => {
    const principal = principalOf(ctx);
    const { currentPassword, newPassword } = validate(passwordChangeBody, ctx.request.body);
    const current = await users.findById(principal.userId);
    if (!current) throw apiError('unauthorized');
    const wait = await throttle.retryAfterSeconds(current.username, ctx.ip);
    if (wait > 0) throw tooMany(wait);
    if (!(await verifyPassword(currentPassword, current.passwordHash))) {
      await throttle.recordFailure(current.username, ctx.ip);
      throw apiError('current_password_incorrect');
    }
    await users.setPassword(current.id, await hashPassword(newPassword, config.password.scryptLogN));
    // Every other session or token family dies; the caller gets a fresh credential (ASVS 5.0 7.4.3, 7.2.4).
    await strategy.revokeAllForUser(current.id);
    const credential = await strategy.issue(ctx, current);
    ctx.body = { user: publicUser(current), ...credential };
  });

  router.get('/sessions', auth, async (ctx) => {
    ctx.body = { sessions: await strategy.listSessions(principalOf(ctx)) };
  });

  router.delete('/sessions/:id', auth, async (ctx) => {
    const id = ctx.params.id;
    if (id.length > 128 || !(await strategy.revokeSession(principalOf(ctx), id))) throw apiError('session_not_found');
    ctx.status = 204;
  });

  return router;
}
