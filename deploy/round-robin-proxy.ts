// The stand-in load balancer of `npm run demo` on a machine without nginx: plain HTTP, round robin,
// no sticky sessions, forwarded headers set (overwritten) by the proxy, as nginx does in
// lb.conf.template. Not for production: no TLS, no health checks, no timeouts tuning.
import { type IncomingHttpHeaders, type OutgoingHttpHeaders, Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

// RFC 9110 7.6.1: connection-specific headers are not forwarded.
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer'];

function withoutHopByHop(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = { ...headers };
  for (const name of HOP_BY_HOP) delete out[name];
  return out;
}

export interface RoundRobinProxy {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** upstreams: base URLs of the instances (http://127.0.0.1:port). */
export async function startRoundRobinProxy(
  upstreams: string[],
  /** announce: the X-Load-Balancer value (default node-proxy); null sends none, as an ingress that does not name itself. */
  opts: { port?: number; host?: string; urlHost?: string; announce?: string | null } = {},
): Promise<RoundRobinProxy> {
  const announce = opts.announce === undefined ? { 'x-load-balancer': 'node-proxy' } : opts.announce === null ? {} : { 'x-load-balancer': opts.announce };
  const targets = upstreams.map((u) => new URL(u));
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  let next = 0;
  const server = createServer((req, res) => {
    const target = targets[next++ % targets.length];
    const headers = withoutHopByHop(req.headers);
    headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
    headers['x-forwarded-proto'] = 'http';
    headers['x-forwarded-host'] = req.headers.host ?? '';
    const upstream = request({ hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent }, (answer) => {
      // The demo page reads its set-up from this header (servers/core/web/setup.mjs), as behind nginx.
      res.writeHead(answer.statusCode ?? 502, { ...withoutHopByHop(answer.headers), ...announce });
      answer.pipe(res);
    });
    upstream.on('error', () => {
      if (res.headersSent) return res.destroy();
      res.writeHead(502, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ error: { code: 'bad_gateway', message: 'The instance did not answer.' } }));
    });
    req.pipe(upstream);
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${opts.urlHost ?? 'localhost'}:${port}`,
    port,
    async stop() {
      server.closeAllConnections();
      await new Promise((res) => server.close(res));
      agent.destroy();
    },
  };
}
