// The floor of GET /auth/me on the session server: plain Koa, the `sid` cookie, SHA-256 of it, and
// one prepared SELECT by primary key (joined to users for the role, as the answer needs it), with
// the idle and absolute expiry checked in SQL. No koa-session, no touch, no disabled/cutoff check,
// no security headers: the least a Postgres-backed session can cost, in the server and in Postgres.
import { createHash } from 'node:crypto';
import Koa from 'koa';
import pg from 'pg';
import type { FloorApp, FloorHeaders } from './floor-app';

export interface SessionFloorOptions {
  databaseUrl: string;
  variant: string;
  health: Record<string, string>;
  headers: FloorHeaders;
}

interface Row {
  user_id: string;
  role: string;
  public_id: string;
  created_at_ms: number;
  idle_expires_at_ms: number;
  absolute_expires_at_ms: number;
}

const UNAUTHORIZED = { error: { code: 'unauthorized', message: 'authentication required' } };
const ms = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;
const FIND = `SELECT s.user_id::text AS user_id, u.role, s.public_id, ${ms('s.created_at')} AS created_at_ms,
                     ${ms('s.idle_expires_at')} AS idle_expires_at_ms, ${ms('s.absolute_expires_at')} AS absolute_expires_at_ms
              FROM sessions s JOIN users u ON u.id = s.user_id
              WHERE s.id_hash = $1 AND s.idle_expires_at > now() AND s.absolute_expires_at > now()`;
const iso = (t: number) => new Date(t).toISOString();

export function sessionFloor(opts: SessionFloorOptions): FloorApp {
  // The same pool size as ours (PG_POOL_MAX=10 in the bench).
  const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 10 });
  const app = new Koa();
  const { headers } = opts;
  app.use(async (ctx) => {
    if (headers !== null) headers(ctx);
    if (ctx.path === '/healthz') {
      ctx.body = opts.health;
      return;
    }
    if (ctx.method !== 'GET' || ctx.path !== '/auth/me') return; // 404
    const sid = ctx.cookies.get('sid');
    const r = sid ? await pool.query<Row>({ name: 'floor_sess_find', text: FIND, values: [createHash('sha256').update(sid).digest()] }) : null;
    const s = r?.rows[0];
    if (!s) {
      ctx.status = 401;
      ctx.body = UNAUTHORIZED;
      return;
    }
    ctx.body = {
      user: { id: s.user_id, role: s.role },
      credential: {
        strategy: 'session',
        variant: opts.variant,
        sessionId: s.public_id,
        issuedAt: iso(s.created_at_ms),
        expiresAt: iso(Math.min(s.idle_expires_at_ms, s.absolute_expires_at_ms)),
        idleExpiresAt: iso(s.idle_expires_at_ms),
        absoluteExpiresAt: iso(s.absolute_expires_at_ms),
      },
    };
  });
  return { app, close: () => pool.end() };
}
