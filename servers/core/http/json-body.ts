// Request bodies: JSON only, at most BODY_LIMIT_BYTES (chunked bodies too: the limit counts bytes
// as they stream), strict (top level object or array), and no prototype-pollution keys.
import { bodyParser } from '@koa/bodyparser';
import type { Context, Middleware } from 'koa';
import { apiError } from './errors';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function hasForbiddenKey(value: unknown, depth = 0): boolean {
  if (depth > 32) return true; // absurd nesting is refused rather than walked
  if (Array.isArray(value)) return value.some((v) => hasForbiddenKey(v, depth + 1));
  if (value && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key) || hasForbiddenKey((value as Record<string, unknown>)[key], depth + 1)) return true;
    }
  }
  return false;
}

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Every request, before routing: a body must be JSON, identity-encoded and within the limit. Header
 * checks only (no body is read here), and nothing at all for a GET.
 */
export function bodyGuard(limitBytes: number): (ctx: Context) => void {
  return (ctx) => {
    if (METHODS_WITH_BODY.has(ctx.method) && (ctx.request.length > 0 || ctx.get('Transfer-Encoding') !== '')) {
      if (ctx.request.length > limitBytes) throw apiError('payload_too_large');
      // Compressed request bodies are refused (RFC 7694: 415): bodies are small JSON, and inflating
      // them would add a decompression-bomb surface and zlib errors for nothing.
      const encoding = ctx.get('Content-Encoding').trim().toLowerCase();
      if (encoding !== '' && encoding !== 'identity') throw apiError('unsupported_media_type', 'Compressed request bodies are not accepted.');
      if (!ctx.is('application/json')) throw apiError('unsupported_media_type');
    }
  };
}

/** Routes that read a body (route-table.ts mounts these after the route's guard): parse, then refuse forbidden keys. */
export function jsonBodyParser(limitBytes: number): Middleware[] {
  const parse = bodyParser({ enableTypes: ['json'], jsonLimit: limitBytes, jsonStrict: true, encoding: 'utf-8' });
  const check: Middleware = async (ctx, next) => {
    if (hasForbiddenKey(ctx.request.body)) throw apiError('validation_failed', 'Forbidden key in the request body.');
    await next();
  };
  return [parse, check];
}
