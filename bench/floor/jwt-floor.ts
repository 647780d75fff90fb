// The floor of GET /auth/me on the jwt server: plain Koa + one jsonwebtoken verify middleware with a
// KeyObject (the fast path, LIBRARIES.md 3), answering the same JSON as ours. What it leaves out is
// what ours adds on purpose: the 7-claim check, kid selection, security headers, the router.
import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import Koa from 'koa';
import type { FloorApp, FloorHeaders } from './floor-app';

export interface JwtFloorOptions {
  /** JWT_KEYS of the run ("kid:base64url,..."): the floor verifies with the first key. */
  keys: string;
  issuer: string;
  audience: string;
  variant: string;
  health: Record<string, string>;
  headers: FloorHeaders;
}

const UNAUTHORIZED = { error: { code: 'unauthorized', message: 'authentication required' } };

export function firstKey(keys: string): KeyObject {
  const secret = keys.split(',')[0]?.split(':')[1];
  if (!secret) throw new Error('JWT_KEYS must be "kid:<base64url secret>"');
  return createSecretKey(Buffer.from(secret, 'base64url'));
}

export function jwtFloor(opts: JwtFloorOptions): FloorApp {
  const key = firstKey(opts.keys);
  const verifyOptions: jwt.VerifyOptions = { algorithms: ['HS256'], issuer: opts.issuer, audience: opts.audience };
  const app = new Koa();
  const { headers } = opts;
  app.use((ctx) => {
    if (headers !== null) headers(ctx);
    if (ctx.path === '/healthz') {
      ctx.body = opts.health;
      return;
    }
    if (ctx.method !== 'GET' || ctx.path !== '/auth/me') return; // 404
    const header = ctx.headers.authorization;
    let claims: jwt.JwtPayload;
    try {
      if (!header?.startsWith('Bearer ')) throw new Error('no bearer token');
      claims = jwt.verify(header.slice(7), key, verifyOptions) as jwt.JwtPayload;
    } catch {
      ctx.status = 401;
      ctx.body = UNAUTHORIZED;
      return;
    }
    const jti = String(claims.jti);
    ctx.body = {
      user: { id: claims.sub, role: claims.role },
      credential: {
        strategy: 'jwt',
        variant: opts.variant,
        sessionId: jti.slice(0, jti.indexOf('.')),
        issuedAt: new Date((claims.iat ?? 0) * 1000).toISOString(),
        expiresAt: new Date((claims.exp ?? 0) * 1000).toISOString(),
        jti,
      },
    };
  });
  return { app, close: async () => {} };
}
