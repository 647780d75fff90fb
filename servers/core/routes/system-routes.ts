// Health, readiness and the public catalog: no credential, no session, no database on the hot path.
import type { Db } from '../db/db';
import { apiError } from '../http/errors';
import type { Catalog } from '../products/catalog';
import { type RouteDef, route } from './route';

export interface SystemInfo {
  strategy: string;
  variant: string;
  instance: string;
}

export function systemRoutes(info: SystemInfo, db: Db, catalog: Catalog): RouteDef[] {
  const products = { products: catalog.all };
  return [
    route({
      method: 'GET',
      path: '/healthz',
      access: 'public',
      handler(ctx) {
        ctx.body = { status: 'ok', ...info };
      },
    }),
    route({
      method: 'GET',
      path: '/readyz',
      access: 'public',
      async handler(ctx) {
        try {
          await db.query({ name: 'readyz', text: 'SELECT 1' });
        } catch {
          throw apiError('database_unavailable', undefined, { 'Retry-After': '2' });
        }
        ctx.body = { status: 'ready', ...info };
      },
    }),
    route({
      method: 'GET',
      path: '/products',
      access: 'public',
      handler(ctx) {
        ctx.body = products;
      },
    }),
  ];
}
