// GET /metrics on its own listener (METRICS_HOST:METRICS_PORT, default 127.0.0.1:9464), never on
// the public port: the load balancer forwards only PORT, so the route/status/user-facing counters
// are not published to the internet by default (ISSUE 11; README "Metrics"). A scraper in the
// same pod or host, or a METRICS_HOST=0.0.0.0 behind a NetworkPolicy, reaches it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config';
import type { Logger } from '../log';
import { type PoolCounts, watchPool } from './db-metrics';
import { collectProcessMetrics, registry } from './registry';

export interface MetricsDeps {
  config: Config;
  pool: PoolCounts;
  log: Logger;
}

/**
 * Starts the metrics listener; resolves once it listens (or at once when METRICS_ENABLED=0: then no
 * listener and no process metrics; app.ts mounts no request metrics either).
 */
export async function startMetrics({ config, pool, log }: MetricsDeps): Promise<Server | null> {
  if (!config.metrics.enabled) return null;
  watchPool(pool);
  collectProcessMetrics();

  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url !== '/metrics' && !req.url?.startsWith('/metrics?'))) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('GET /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(text),
      (err: unknown) => {
        log.warn('metrics collection failed', { error: err instanceof Error ? err.message : String(err) });
        res.writeHead(503, { 'Content-Type': 'text/plain' }).end('metrics unavailable\n');
      },
    );
  });
  // The public server's timeouts are for clients; a scraper is local and polls every 15-60 s.
  server.keepAliveTimeout = 65_000;
  server.unref(); // never what keeps the process alive: run-server.ts decides when it exits
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(config.metrics.port, config.metrics.host, () => {
      server.off('error', rej);
      res();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = config.metrics.host.includes(':') ? `[${config.metrics.host}]` : config.metrics.host;
  log.info('metrics listening', { metricsUrl: `http://${host}:${port}/metrics`, metricsPort: port });
  return server;
}
