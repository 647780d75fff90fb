// Health, readiness and the public catalog: no credential, no session, no database on the hot path.
import Router from '@koa/router';
import type { Db } from '../db/db';
import { apiError } from '../http/errors';
import type { Catalog } from '../products/catalog';

export interface SystemInfo {
  strategy: string;
  variant: string;
  instance: string;
}

export function systemRoutes(info: SystemInfo, db: Db, catalog: Catalog): Router {
  const router = new Router();
  const products = { products: catalog.all };

  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok', ...info };
  });

  router.get('/readyz', async (ctx) => {
    try {
      await db.query({ name: 'readyz', text: 'SELECT 1' });
    } catch {
      throw apiError('database_unavailable', undefined, { 'Retry-After': '2' });
    }
    ctx.body = { status: 'ready', ...info };
  });

  router.get('/products', (ctx) => {
    ctx.body = products;
  });

  return router;
}
