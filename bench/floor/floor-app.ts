import type Koa from 'koa';
import type { Context } from 'koa';

/**
 * The response headers ours sends on every response (servers/core/http/security-headers.ts), for the
 * floors that send them too (FLOOR_HEADERS=ours): the same request id and the same bytes, set the way
 * a plain Koa app sets headers (one setHeader each). Ours writes them in one writeHead instead
 * (servers/core/http/reply.ts). null: the floor sends none.
 */
export type FloorHeaders = ((ctx: Context) => void) | null;

/** One floor server: a Koa app and what to release on shutdown. */
export interface FloorApp {
  app: Koa;
  close(): Promise<void>;
}
