// HTTP(S) to servers the bench did not start: keep-alive agents, and every answer with the instance
// that gave it (X-Instance-Id), so one balancer URL still yields per-instance figures. A network
// error is status 0, never a throw: callers decide what it means. TLS certificates are verified
// (a self-signed demo stack: NODE_EXTRA_CA_CERTS=its cert.pem; README "Remote targets").
import http from 'node:http';
import https from 'node:https';

export interface RemoteReply {
  status: number;
  body: string;
  setCookies: string[];
  /** X-Instance-Id of the answering instance (null: no such header, e.g. the balancer answered itself). */
  instance: string | null;
  retryAfterSeconds: number | null;
}

export type RemoteAgent = http.Agent;

/** One connection at a time (a probe loop) or a small pool (setup traffic). */
export function remoteAgent(baseUrl: string, maxSockets = 1): RemoteAgent {
  const Agent = baseUrl.startsWith('https:') ? https.Agent : http.Agent;
  return new Agent({ keepAlive: true, maxSockets });
}

export interface RemoteRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** JSON-encoded as the body (content-type set here)... */
  json?: unknown;
  /** ...or a body as is (content-type in `headers`). */
  body?: string;
}

export function remoteSend(agent: RemoteAgent, baseUrl: string, req: RemoteRequest): Promise<RemoteReply> {
  const u = new URL(baseUrl);
  const body = req.json === undefined ? req.body : JSON.stringify(req.json);
  const headers: Record<string, string> = { ...req.headers };
  if (req.json !== undefined) headers['content-type'] = 'application/json';
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  const request = u.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve) => {
    const failed = (err: unknown): void => resolve({ status: 0, body: String(err), setCookies: [], instance: null, retryAfterSeconds: null });
    const r = request({ agent, host: u.hostname, port: u.port, method: req.method, path: req.path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', failed);
      res.on('end', () => {
        const instance = res.headers['x-instance-id'];
        const retryAfter = Number(res.headers['retry-after']);
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          setCookies: res.headers['set-cookie'] ?? [],
          instance: typeof instance === 'string' ? instance : null,
          retryAfterSeconds: Number.isFinite(retryAfter) ? retryAfter : null,
        });
      });
    });
    r.on('error', failed);
    r.end(body);
  });
}

/**
 * Setup traffic (registering users, logging in, filling carts) respects the servers' throttles: a
 * 429 or 503 waits Retry-After (or a doubling backoff) and retries, up to `tries` times.
 */
export async function sendPolitely(agent: RemoteAgent, baseUrl: string, req: RemoteRequest, tries = 8): Promise<RemoteReply> {
  for (let attempt = 1; ; attempt++) {
    const reply = await remoteSend(agent, baseUrl, req);
    if (!(reply.status === 429 || reply.status === 503) || attempt >= tries) return reply;
    const waitMs = Math.min(30_000, reply.retryAfterSeconds !== null ? reply.retryAfterSeconds * 1000 : 250 * 2 ** attempt);
    await new Promise((r) => setTimeout(r, waitMs));
  }
}

/** `credential.revocation` of a GET /auth/me body (null when the variant reports none). */
export function revocationSource(body: string): string | null {
  try {
    const r = (JSON.parse(body) as { credential?: { revocation?: unknown } }).credential?.revocation;
    return typeof r === 'string' ? r : null;
  } catch {
    return null;
  }
}
