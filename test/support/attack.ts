// What the attack suites of issue 8 share: requests written byte for byte (paths that fetch would
// normalise, methods it refuses), tallies of concurrent answers, and the bootstrap admin's client.
import { ApiClient, type ApiResponse, PASSWORD, rawHttp, type Strategy } from './harness';

export interface RawResponse {
  status: number;
  head: string;
  body: string;
  /** The body parsed as JSON, or null. */
  json: any;
  /** A response header (case-insensitive), or undefined. */
  header(name: string): string | undefined;
}

export interface RawRequest {
  headers?: Record<string, string>;
  /** Sent as application/json with its Content-Length. */
  json?: string;
}

/** One request over its own connection, the path exactly as given (no normalisation, no encoding). */
export async function sendRaw(url: string, method: string, path: string, req: RawRequest = {}): Promise<RawResponse> {
  const { host } = new URL(url);
  const headers: Record<string, string> = { Host: host, Connection: 'close', ...req.headers };
  if (req.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(req.json));
  }
  const head = [`${method} ${path} HTTP/1.1`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)].join('\r\n');
  const res = await rawHttp(url, Buffer.from(`${head}\r\n\r\n${req.json ?? ''}`));
  let json: unknown = null;
  try {
    json = res.body ? JSON.parse(res.body) : null;
  } catch {
    json = null;
  }
  const lines = res.head.split('\r\n').slice(1);
  return {
    ...res,
    json,
    header: (name) => {
      const line = lines.find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
      return line?.slice(line.indexOf(':') + 1).trim();
    },
  };
}

/** The headers that carry a client's credential (cookie and/or Bearer token), for sendRaw. */
export function credentialHeaders(client: ApiClient, path = '/'): Record<string, string> {
  const out: Record<string, string> = {};
  const cookie = client.cookieHeader(path);
  if (cookie) out.Cookie = cookie;
  if (client.accessToken) out.Authorization = `Bearer ${client.accessToken}`;
  return out;
}

/** How many answers had each status (or label), e.g. { 401: 10, 429: 50 }: readable in a failure message. */
export function tally(statuses: (number | string)[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of statuses) out[s] = (out[s] ?? 0) + 1;
  return out;
}

/** `{status, code, retryAfter}` of an answer, so one toEqual shows everything that differs. */
export function shape(res: ApiResponse): { status: number; code: string | undefined; retryAfter: boolean } {
  return { status: res.status, code: res.body?.error?.code, retryAfter: /^[1-9][0-9]*$/.test(res.headers.get('retry-after') ?? '') };
}

/** The bootstrap admin the harness creates (ADMIN_USERNAME=admin), logged in. */
export async function adminClient(strategy: Strategy, url: string): Promise<ApiClient> {
  const admin = new ApiClient(strategy, url);
  const res = await admin.login('admin', PASSWORD);
  if (res.status !== 200) throw new Error(`admin login failed: ${res.status} ${res.text}`);
  return admin;
}

/** Resolves to the promise's value, or to 'timeout' after ms (the request is left to finish). */
export function within<T>(ms: number, promise: Promise<T>): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((res) => {
    timer = setTimeout(() => res('timeout'), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
