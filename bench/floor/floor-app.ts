import type Koa from 'koa';

/** One floor server: a Koa app and what to release on shutdown. */
export interface FloorApp {
  app: Koa;
  close(): Promise<void>;
}
