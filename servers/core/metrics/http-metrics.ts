// Request count and latency per route template and status: the RED metrics of every HTTP service.
// Cost matters (ISSUE 11: < 3 µs per request): prom-client's labels() hashes the label values on
// every call, so the children for one (method, route, status) triple are looked up once and kept.
import type { Middleware } from 'koa';
import { Counter, Histogram } from 'prom-client';
import { registry } from './registry';

const requests = new Counter({
  name: 'http_requests_total',
  help: 'HTTP requests answered, by method, route template and status.',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [registry],
});

const duration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'Time from the request reaching Koa to the response body being handed to Node, by method, route template and status.',
  labelNames: ['method', 'route', 'status'] as const,
  // 0.5 ms .. 2.5 s: a memory-only route answers in well under 1 ms, a login (scrypt) in ~40 ms,
  // and anything past the 5 s statement timeout is a 503 the buckets need not resolve.
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [registry],
});

interface Children {
  count: { inc(): void };
  observe: { observe(seconds: number): void };
}
const children = new Map<string, Children>();

// The only values `route` takes: the router's templates (/cart/items/:sku, never /cart/items/ABC-1)
// or "unmatched" for 404s, so a scanner probing random paths cannot grow the label set.
const UNMATCHED = 'unmatched';
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

function childrenFor(method: string, route: string, status: number): Children {
  const key = `${method} ${route} ${status}`;
  let c = children.get(key);
  if (c === undefined) {
    const labels = { method, route, status: String(status) };
    c = { count: requests.labels(labels), observe: duration.labels(labels) };
    children.set(key, c);
  }
  return c;
}

interface MatchedLayer {
  path: string;
  methods: string[];
}

/**
 * The template of the route this request reached. Not `ctx._matchedRoute`: @koa/router overwrites it
 * with each layer it runs, so a `router.use()` guard that answers 401 would leave its own pattern
 * there. `ctx.matched` lists every layer whose path matched: the last route layer (one with methods)
 * that takes this method is the route; a path with routes for other methods only (405) gets theirs.
 */
function routeOf(ctx: { matched?: MatchedLayer[]; method: string }): string {
  const matched = ctx.matched;
  if (matched === undefined) return UNMATCHED;
  let pathOnly: string | null = null;
  for (let i = matched.length - 1; i >= 0; i--) {
    const layer = matched[i];
    if (layer.methods.length === 0) continue; // router.use() middleware, not a route
    if (layer.methods.includes(ctx.method)) return layer.path;
    pathOnly ??= layer.path;
  }
  return pathOnly ?? UNMATCHED;
}

/** Mounted first, so it also times the error funnel's answers (4xx, 503). */
export function httpMetrics(): Middleware {
  return async (ctx, next) => {
    const start = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const route = routeOf(ctx as typeof ctx & { matched?: MatchedLayer[] });
      const method = KNOWN_METHODS.has(ctx.method) ? ctx.method : 'OTHER';
      const c = childrenFor(method, route, ctx.status);
      c.count.inc();
      c.observe.observe(Number(process.hrtime.bigint() - start) / 1e9);
    }
  };
}
