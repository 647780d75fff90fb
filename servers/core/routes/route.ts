// One route = one definition: method, exact path, who may call it, the body it reads, the handler.
// The guard is not something a router file remembers to add: `access` is a required field, and
// route-table.ts derives the guard from it when it mounts the route. A route cannot exist without one.
//
// Why this shape (issue 8, the case-bypass): routers mounted with `router.use(prefix, guard)` matched
// the guard's prefix case-sensitively while the routes matched case-insensitively, so
// `POST /ADMIN/users/1/disable` reached the handler without the guard. Here the guard is part of
// the route's own middleware list, and matching is case-sensitive and strict (route-table.ts), so
// every spelling either is the route (guarded) or is no route at all (404).
import type { Context } from 'koa';
import type * as z from 'zod';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** public: anyone; user: a valid credential; admin: a valid credential of a live admin (checked in the database). */
export type Access = 'public' | 'user' | 'admin';

/** What a handler gets: Koa's context and the decoded `:name` parameters of its path. */
export type RouteContext = Context & { params: Record<string, string> };

export interface RouteDef {
  method: Method;
  /** Literal segments and `:name` parameters, e.g. '/cart/items/:sku'. Matched exactly (path-matcher.ts). */
  path: string;
  access: Access;
  /** The JSON body schema: the body is parsed and validated (after the guard) only for such routes. */
  body?: z.ZodType;
  handler(ctx: RouteContext, body: unknown): unknown;
}

/**
 * Typed construction: the handler receives the body the schema produced. Every route file builds its
 * routes with this, so the body type and the schema cannot drift apart.
 */
export function route<S extends z.ZodType | undefined = undefined>(def: {
  method: Method;
  path: string;
  access: Access;
  body?: S;
  handler(ctx: RouteContext, body: S extends z.ZodType ? z.infer<S> : undefined): unknown;
}): RouteDef {
  return def as RouteDef;
}
