// The route a request reached, as its template (/cart/items/:sku, never /cart/items/ABC-1): the
// label of the request metrics and the request log. The dispatcher (routes/route-table.ts) marks it
// once the path names a route, whatever the method (a 405 is labelled with the path's own route);
// everything else is "unmatched", so a scanner probing random paths cannot grow the label set.
import type { Context } from 'koa';

const UNMATCHED = 'unmatched';
const ROUTE = Symbol('route');

type Marked = Context & { [ROUTE]?: string };

export function markRoute(ctx: Context, template: string): void {
  (ctx as Marked)[ROUTE] = template;
}

export function routeOf(ctx: Context): string {
  return (ctx as Marked)[ROUTE] ?? UNMATCHED;
}
