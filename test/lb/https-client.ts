// HTTP(S) requests for the load balancer tests: node:https trusting exactly the certificate the
// test made (fetch cannot be given a CA), and a cookie jar that behaves like a browser's for the
// few cookies these servers set.
import { request as httpRequest } from 'node:http';
import { type Agent, request as httpsRequest } from 'node:https';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- assertions read it freely
  setCookies: string[];
  instance: string | undefined;
}

export interface Options {
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** PEM to trust (HTTPS). */
  ca?: string;
  agent?: Agent;
}

export function send(url: string, opts: Options = {}): Promise<Answer> {
  const u = new URL(url);
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const headers: Record<string, string> = { ...opts.headers };
  if (body !== undefined) {
    headers['content-type'] ??= 'application/json';
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  const https = u.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)(
      {
        hostname: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: opts.method ?? 'GET',
        headers,
        ...(https ? { ca: opts.ca, agent: opts.agent } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = null;
          try {
            parsed = text ? JSON.parse(text) : null;
          } catch {
            parsed = text;
          }
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: parsed,
            setCookies: res.headers['set-cookie'] ?? [],
            instance: res.headers['x-instance-id'] as string | undefined,
          });
        });
      },
    );
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`timeout: ${url}`)));
    req.end(body);
  });
}

/** name=value pairs from Set-Cookie lines (the attributes are asserted separately). */
export function cookiePairs(setCookies: string[]): string {
  return setCookies
    .map((c) => c.split(';')[0])
    .filter((pair) => !pair.endsWith('='))
    .join('; ');
}
