// /admin: role-checked from the credential. Disabling revokes what the variant can revoke.
import Router from '@koa/router';
import type { AuthStrategy } from '../auth';
import { apiError } from '../http/errors';
import { requireAuth, requireRole } from '../http/require-auth';
import { validate } from '../http/validate';
import type { UserStore } from '../users/user-store';
import { idParam } from './schemas';

export function adminRoutes(strategy: AuthStrategy, users: UserStore): Router {
  const router = new Router({ prefix: '/admin' });
  router.use(requireAuth(strategy), requireRole('admin'));

  router.post('/users/:id/disable', async (ctx) => {
    const id = validate(idParam, ctx.params.id);
    if (!(await users.disable(id))) throw apiError('user_not_found');
    await strategy.revokeAllForUser(id);
    ctx.status = 204;
  });

  return router;
}
