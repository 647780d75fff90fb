// /auth/*: written once against the AuthStrategy seam; the twins differ only behind it.
import type { Context } from 'koa';
import type { AuthStrategy } from '../auth';
import type { Config } from '../config';
import { clientOf } from '../http/client-address';
import { apiError } from '../http/errors';
import { principalOf } from '../http/guards';
import { reply } from '../http/reply';
import type { HashingQueue } from '../users/hashing-queue';
import type { LoginThrottle } from '../users/login-throttle';
import { hashPassword, verifyPassword } from '../users/password';
import { passwordProblem } from '../users/password-policy';
import { publicUser, type UserStore, type UserWithHash } from '../users/user-store';
import { type RouteDef, route } from './route';
import { loginBody, passwordChangeBody, registerBody } from './schemas';

export interface AuthRouteDeps {
  config: Config;
  strategy: AuthStrategy;
  users: UserStore;
  throttle: LoginThrottle;
  hashing: HashingQueue;
  /** A hash of a random password, verified for unknown users so timing does not reveal them. */
  dummyHash: string;
}

export function authRoutes({ config, strategy, users, throttle, hashing, dummyHash }: AuthRouteDeps): RouteDef[] {
  const tooMany = (seconds: number) => apiError('too_many_requests', undefined, { 'Retry-After': String(seconds) });
  const hash = (ctx: Context, password: string) => hashing.run(clientOf(ctx), () => hashPassword(password, config.password.scryptLogN));

  /**
   * A request that will hash is admitted first (hashing-queue.ts): over its client's share or the
   * server's bound it gets 429/503 at once, before any database work.
   */
  async function admitted<T>(ctx: Context, fn: () => Promise<T>): Promise<T> {
    const release = hashing.admit(clientOf(ctx));
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /**
   * Checks `password` against `storedHash` for the account `username`, as a throttled attempt: the
   * attempt is reserved before the hash runs (login-throttle.ts), so concurrency buys no extra
   * guesses. The reservation stays counted when the password is wrong; the caller reports success.
   */
  async function attempt(ctx: Context, username: string, password: string, storedHash: string): Promise<boolean> {
    const reserved = await throttle.reserve(username, clientOf(ctx));
    if (!reserved.ok) throw tooMany(reserved.retryAfterSeconds);
    return hashing.run(clientOf(ctx), () => verifyPassword(password, storedHash));
  }

  /**
   * Unknown user, wrong password and disabled user get the same status, body and headers, after the
   * same amount of hashing work (OWASP Authentication cheat sheet; better-auth does the same).
   */
  async function checkLogin(ctx: Context, username: string, password: string): Promise<UserWithHash> {
    const user = await users.findByUsername(username);
    const ok = await attempt(ctx, username, password, user?.passwordHash ?? dummyHash);
    if (!user || !ok || user.disabled) throw apiError('invalid_credentials');
    await throttle.succeeded(username, clientOf(ctx));
    return user;
  }

  return [
    route({
      method: 'POST',
      path: '/auth/register',
      access: 'public',
      body: registerBody,
      async handler(ctx, { username, password }) {
        const user = await admitted(ctx, async () => {
          // A taken name is answered before any hashing: the 409 says it is taken anyway, and a hash
          // per request for nothing is the work amplifier of issue 8.
          if (await users.exists(username)) throw apiError('username_taken');
          return users.create(username, await hash(ctx, password));
        });
        if (!user) throw apiError('username_taken');
        reply(ctx, { user }, 201);
      },
    }),

    route({
      method: 'POST',
      path: '/auth/login',
      access: 'public',
      body: loginBody,
      async handler(ctx, { username, password }) {
        const user = await admitted(ctx, () => checkLogin(ctx, username, password));
        const credential = await strategy.issue(ctx, user);
        reply(ctx, { user: publicUser(user), ...credential });
      },
    }),

    route({
      method: 'POST',
      path: '/auth/refresh',
      access: 'public', // the refresh cookie is the credential: checked by the strategy
      async handler(ctx) {
        if (!strategy.refresh) throw apiError('not_found');
        const credential = await strategy.refresh(ctx);
        if (!credential) throw apiError('invalid_refresh_token');
        reply(ctx, credential);
      },
    }),

    route({
      method: 'GET',
      path: '/auth/me',
      access: 'user',
      handler(ctx) {
        const { userId, role, credential } = principalOf(ctx);
        reply(ctx, { user: { id: userId, role }, credential });
      },
    }),

    route({
      method: 'POST',
      path: '/auth/logout',
      access: 'user',
      async handler(ctx) {
        await strategy.logout(ctx, principalOf(ctx));
        ctx.set('Clear-Site-Data', '"cookies"');
        ctx.status = 204;
      },
    }),

    route({
      method: 'POST',
      path: '/auth/logout-all',
      access: 'user',
      async handler(ctx) {
        const principal = principalOf(ctx);
        await users.revokeCredentials(principal.userId);
        await strategy.revokeAllForUser(principal.userId);
        await strategy.logout(ctx, principal);
        ctx.set('Clear-Site-Data', '"cookies"');
        ctx.status = 204;
      },
    }),

    route({
      method: 'POST',
      path: '/auth/password',
      access: 'user',
      body: passwordChangeBody,
      async handler(ctx, { currentPassword, newPassword }) {
        const principal = principalOf(ctx);
        const current = await users.findById(principal.userId);
        // Every path that issues a credential makes the checks login makes (issue 8): a disabled user
        // (whose stateless access token still verifies until exp) gets no fresh credential here.
        if (!current || current.disabled) throw apiError('unauthorized');
        const problem = passwordProblem(newPassword, current.username);
        if (problem) throw apiError('validation_failed', undefined, undefined, [{ field: 'newPassword', problem }]);
        await admitted(ctx, async () => {
          if (!(await attempt(ctx, current.username, currentPassword, current.passwordHash))) throw apiError('current_password_incorrect');
          // Compare-and-set on the hash just verified: of concurrent changes with the same current
          // password exactly one wins; for the others the current password is no longer correct.
          if (!(await users.setPassword(current.id, await hash(ctx, newPassword), current.passwordHash))) {
            throw apiError('current_password_incorrect');
          }
        });
        await throttle.succeeded(current.username, clientOf(ctx));
        // Every other session or token family dies; the caller gets a fresh credential (ASVS 5.0 7.4.3, 7.2.4).
        await strategy.revokeAllForUser(current.id);
        const credential = await strategy.issue(ctx, current);
        reply(ctx, { user: publicUser(current), ...credential });
      },
    }),

    route({
      method: 'GET',
      path: '/auth/sessions',
      access: 'user',
      async handler(ctx) {
        reply(ctx, { sessions: await strategy.listSessions(principalOf(ctx)) });
      },
    }),

    route({
      method: 'DELETE',
      path: '/auth/sessions/:id',
      access: 'user',
      async handler(ctx) {
        const id = ctx.params.id;
        if (id.length > 128 || !(await strategy.revokeSession(principalOf(ctx), id))) throw apiError('session_not_found');
        ctx.status = 204;
      },
    }),
  ];
}
