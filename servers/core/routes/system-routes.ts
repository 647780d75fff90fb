// Health, readiness and the public catalog: no credential, no session, no database on the hot path.
import type { Db } from '../db/db';
import { apiError } from '../http/errors';
import { reply, replyJsonText } from '../http/reply';
import type { Catalog } from '../products/catalog';
import { type RouteDef, route } from './route';

export interface SystemInfo {
  strategy: string;
  variant: string;
  instance: string;
}

// The catalog is frozen at start-up (products/catalog.ts), so its JSON is too: serialised once (on the
// first request: route files use no dependency before one comes), not per request.

export function systemRoutes(info: SystemInfo, db: Db, catalog: Catalog): RouteDef[] {
  let products: string | undefined;
  return [
    route({
      method: 'GET',
      path: '/healthz',
      access: 'public',
      handler(ctx) {
        reply(ctx, { status: 'ok', ...info });
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
        reply(ctx, { status: 'ready', ...info });
      },
    }),
    route({
      method: 'GET',
      path: '/products',
      access: 'public',
      handler(ctx) {
        products ??= JSON.stringify({ products: catalog.all });
        replyJsonText(ctx, products);
      },
    }),
  ];
}
