// The servers' own route table (servers/core/routes/route-table.ts, issue 8), for suites that attack
// every route: a route added later is covered without editing them.
import type { Strategy } from './harness';

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** A koa-router pattern such as '/cart/items/:sku'. */
  path: string;
  access: 'public' | 'user' | 'admin';
}

// Loaded by a computed path so that the tests type-check before route-table.ts exists; once it does,
// a missing or renamed export fails the suites at load time (routeTable is not a function).
const ROUTE_TABLE_MODULE = '../../servers/core/routes/route-table';

export function routeTable(strategy: Strategy): Route[] {
  const mod = require(ROUTE_TABLE_MODULE) as { routeTable: (strategy: Strategy) => Route[] };
  return mod.routeTable(strategy);
}

/** Plausible parameter values, so a request that slips past its guard reaches the handler. */
const PLAUSIBLE: Record<string, string> = { id: '1', sku: 'KB-001', name: 'index.html' };

/** The path with each `:param` replaced by `value(name)` (default: a plausible value). */
export function fillParams(pattern: string, value: (name: string) => string = (name) => PLAUSIBLE[name] ?? '1'): string {
  return pattern.replace(/:([A-Za-z_]+)/g, (_, name: string) => value(name));
}
