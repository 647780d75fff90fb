// The floor of GET /products: plain Koa and one route answering the catalog from memory. No router,
// no security headers, no request id, no error funnel: what any Koa JSON endpoint costs at least.
import Koa from 'koa';
import type { FloorApp } from './floor-app';

export interface Product {
  sku: string;
  name: string;
  unitPriceCents: number;
}

export function publicFloor(products: readonly Product[], health: Record<string, string>): FloorApp {
  const app = new Koa();
  const body = { products }; // the same shape as ours (servers/core/routes/system-routes.ts)
  app.use((ctx) => {
    if (ctx.method === 'GET' && ctx.path === '/products') ctx.body = body;
    else if (ctx.method === 'GET' && ctx.path === '/healthz') ctx.body = health;
  });
  return { app, close: async () => {} };
}
