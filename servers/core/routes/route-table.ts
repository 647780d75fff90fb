// Every route of both servers, and the one place routes are mounted. Two rules make the guard
// bypass of issue 8 impossible by construction:
// 1. A route's guard comes from its own definition (`access`, a required field): mountRoutes puts it
//    in front of the handler in the same router layer. There is no prefix-level `router.use` whose
//    matching could differ from the route's.
// 2. Matching is exact: case-sensitive and strict (no trailing slash), against the raw path (Koa does
//    not decode or normalise it). `/ADMIN/...`, `/cart/`, `//cart`, `/%63art` or `/x/../cart` are no
//    route at all: 404, never a handler. Only a request that names a route exactly reaches it, and
//    then through its guard. HEAD is served by the GET route, through the same guard.
// test/security/route-table.test.ts walks routeTable() with mangled spellings, so a new route is
// attacked the day it is added.
import Router, { type RouterMiddleware } from '@koa/router';
import type { Middleware } from 'koa';
import type { AppDeps } from '../app';
import type { CartStore } from '../cart/cart-store';
import { apiError } from '../http/errors';
import { requireAdmin, requireUser } from '../http/guards';
import { jsonBodyParser } from '../http/json-body';
import { validate } from '../http/validate';
import { adminRoutes } from './admin-routes';
import { authRoutes } from './auth-routes';
import { cartRoutes } from './cart-routes';
import type { Access, Method, RouteDef } from './route';
import { type SystemInfo, systemRoutes } from './system-routes';
import { webRoutes } from './web-routes';

/** What the routes use: the app's dependencies (app.ts) plus the cart store and the /healthz info. */
export type RouteDeps = Omit<AppDeps, 'log'> & { carts: CartStore; info: SystemInfo };

/** Route files only define routes here; nothing in them may use a dependency before a request comes. */
export function allRoutes(deps: RouteDeps): RouteDef[] {
  return [
    ...systemRoutes(deps.info, deps.db, deps.catalog),
    ...authRoutes(deps),
    ...cartRoutes(deps.carts, deps.catalog),
    ...adminRoutes(deps.strategy, deps.users),
    ...webRoutes(),
  ];
}

/**
 * The route table as data: method, path and access of every route the servers mount. The twins mount
 * the same routes (the strategy differs only behind the seam), so the table is one for both; the
 * strategy name is accepted so callers can say which server they are about to attack.
 */
export function routeTable(_strategy?: 'session' | 'jwt'): { method: Method; path: string; access: Access }[] {
  // Dependencies that exist only to be captured by handlers, which never run here.
  const inert: object = new Proxy(() => {}, {
    get: (_target, prop) => (prop === Symbol.toPrimitive ? () => '' : inert),
    apply: () => {
      throw new Error('routeTable(): a route file used a dependency while defining its routes');
    },
  });
  return allRoutes(inert as RouteDeps).map(({ method, path, access }) => ({ method, path, access }));
}

/** The router: every route behind its guard, then the JSON 404 / 405 for everything else. */
export function mountRoutes(routes: RouteDef[], deps: Pick<RouteDeps, 'strategy' | 'users' | 'config'>): Middleware[] {
  const router = new Router({ sensitive: true, strict: true });
  const user = requireUser(deps.strategy);
  const admin = requireAdmin(deps.users);
  const guardsFor = (access: Access): Middleware[] => {
    switch (access) {
      case 'public':
        return [];
      case 'user':
        return [user];
      case 'admin':
        return [user, admin];
      default: {
        const unknown: never = access;
        throw new Error(`route access "${String(unknown)}" has no guard`);
      }
    }
  };
  const bodyParser = jsonBodyParser(deps.config.bodyLimitBytes);
  const seen = new Set<string>();
  for (const def of routes) {
    const key = `${def.method} ${def.path}`;
    if (seen.has(key)) throw new Error(`route defined twice: ${key}`);
    seen.add(key);
    const handle: RouterMiddleware = async (ctx) => {
      await def.handler(ctx, def.body ? validate(def.body, ctx.request.body) : undefined);
    };
    const chain = [...guardsFor(def.access), ...(def.body ? bodyParser : []), handle] as RouterMiddleware[];
    router.register(def.path, [def.method], chain);
  }

  // No route matched: 405 + Allow when the path names a route (OPTIONS: 204 + Allow), else 404.
  // Every method a client can send gets a JSON 4xx (TRACE, PROPFIND, PURGE... included): nothing a
  // client sends may produce a 5xx, so not even 501 for a method we do not implement.
  const unmatched: Middleware = async (ctx) => {
    const layers = router.match(ctx.path, ctx.method).path.filter((l) => l.methods.length > 0);
    if (layers.length === 0) throw apiError('not_found');
    const allow = [...new Set([...layers.flatMap((l) => l.methods), 'OPTIONS'])].join(', ');
    if (ctx.method === 'OPTIONS') {
      ctx.set('Allow', allow);
      ctx.status = 204;
      return;
    }
    throw apiError('method_not_allowed', undefined, { Allow: allow });
  };
  return [router.routes() as Middleware, unmatched];
}
