// Every route of both servers, and the one place routes are mounted. Two rules make the guard
// bypass of issue 8 impossible by construction:
// 1. A route's guard comes from its own definition (`access`, a required field): mountRoutes puts it
//    in front of the handler in the same router layer. There is no prefix-level `router.use` whose
//    matching could differ from the route's.
// 2. Matching is exact (path-matcher.ts): case-sensitive and strict (no trailing slash), against the
//    raw path (Koa does not decode or normalise it). `/ADMIN/...`, `/cart/`, `//cart`, `/%63art` or
//    `/x/../cart` are no route at all: 404, never a handler. Only a request that names a route exactly
//    reaches it, and then through its guard. HEAD is served by the GET route, through the same guard.
// test/security/route-table.test.ts walks routeTable() with mangled spellings, so a new route is
// attacked the day it is added.
import type { Middleware } from 'koa';
import compose from 'koa-compose';
import type { AppDeps } from '../app';
import type { CartStore } from '../cart/cart-store';
import { apiError } from '../http/errors';
import { requireAdmin, requireUser } from '../http/guards';
import { jsonBodyParser } from '../http/json-body';
import { validate } from '../http/validate';
import { markRoute } from '../http/route-label';
import { adminRoutes } from './admin-routes';
import { authRoutes } from './auth-routes';
import { cartRoutes } from './cart-routes';
import { PathMatcher } from './path-matcher';
import type { Access, Method, RouteContext, RouteDef } from './route';
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

/** What a route's path names: its middleware chain per method (HEAD is served by GET's). */
type MethodTable = Map<string, Middleware>;

/**
 * One middleware for every route: the exact path (path-matcher.ts) picks the route, the method its
 * chain (guards, body parser, handler), composed once here, at start-up. The rest gets JSON: 405 +
 * `Allow` when the path names a route (OPTIONS: 204 + Allow), else 404. Every method a client can
 * send gets a JSON 4xx (TRACE, PROPFIND, PURGE... included): nothing a client sends may produce a
 * 5xx, so not even 501 for a method we do not implement.
 */
export function mountRoutes(routes: RouteDef[], deps: Pick<RouteDeps, 'strategy' | 'users' | 'config'>): Middleware {
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
  const paths = new PathMatcher<MethodTable>();
  const tables = new Map<string, MethodTable>();
  for (const def of routes) {
    let table = tables.get(def.path);
    if (!table) {
      table = new Map();
      tables.set(def.path, table);
      paths.add(def.path, table);
    }
    if (table.has(def.method)) throw new Error(`route defined twice: ${def.method} ${def.path}`);
    const body = def.body;
    // Not async: a handler's promise (or its throw) goes straight to the caller, one frame less.
    const handle: Middleware = body
      ? (ctx) => def.handler(ctx as RouteContext, validate(body, ctx.request.body)) as Promise<void>
      : (ctx) => def.handler(ctx as RouteContext, undefined) as Promise<void>;
    const chain = [...guardsFor(def.access), ...(def.body ? bodyParser : []), handle];
    table.set(def.method, chain.length === 1 ? handle : compose(chain));
  }
  const allowOf = new Map([...tables].map(([path, table]) => [path, [...table.keys(), ...(table.has('GET') ? ['HEAD'] : []), 'OPTIONS'].join(', ')]));

  // Not async either: the chain's promise is returned as is; a throw becomes a rejection in
  // koa-compose's dispatch, which the edge's error funnel catches like any other.
  return (ctx, next) => {
    const found = paths.match(ctx.path);
    if (found === null) throw apiError('not_found');
    (ctx as RouteContext).params = found.params;
    markRoute(ctx, found.path);
    const method = ctx.method;
    const chain = found.value.get(method === 'HEAD' ? 'GET' : method);
    if (chain !== undefined) return chain(ctx, next);
    const allow = allowOf.get(found.path) as string;
    if (method === 'OPTIONS') {
      ctx.set('Allow', allow);
      ctx.status = 204;
      return;
    }
    throw apiError('method_not_allowed', undefined, { Allow: allow });
  };
}
