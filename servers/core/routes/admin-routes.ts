// /admin: for live admins only (guards.ts checks the actor in the database). Disabling revokes what
// the variant can revoke.
import type { AuthStrategy } from '../auth';
import { apiError } from '../http/errors';
import { validate } from '../http/validate';
import type { UserStore } from '../users/user-store';
import { type RouteDef, route } from './route';
import { idParam } from './schemas';

export function adminRoutes(strategy: AuthStrategy, users: UserStore): RouteDef[] {
  return [
    route({
      method: 'POST',
      path: '/admin/users/:id/disable',
      access: 'admin',
      async handler(ctx) {
        const id = validate(idParam, ctx.params.id);
        if (!(await users.disable(id))) throw apiError('user_not_found');
        await strategy.revokeAllForUser(id);
        ctx.status = 204;
      },
    }),
  ];
}
