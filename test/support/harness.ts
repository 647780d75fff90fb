// Black-box test support: fresh databases, real server processes, and a client that carries the
// credential the way each strategy expects (cookie jar for session, Bearer + refresh cookie for jwt).
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import pg from 'pg';
import { createDatabase } from '../../scripts/postgres';
import { generateJwtKeys, type Instance, startInstance, type Strategy } from '../../scripts/instances';

export type { Instance, Strategy };
export const STRATEGIES: Strategy[] = ['session', 'jwt'];
export const PASSWORD = 'correct horse battery staple';

const started: Instance[] = [];

function adminUrl(): string {
  const url = process.env.TEST_PG_ADMIN_URL;
  if (!url) throw new Error('TEST_PG_ADMIN_URL is not set: run through jest (test/support/global-setup.ts)');
  return url;
}

/** A new empty database on the test Postgres; servers migrate it on start. */
export async function newDatabase(): Promise<string> {
  return createDatabase(adminUrl(), `t_${process.env.JEST_WORKER_ID ?? '0'}_${randomBytes(6).toString('hex')}`);
}

/** Direct SQL for gray-box assertions (e.g. "the cookie value appears nowhere in the table"). */
export async function sql<R extends pg.QueryResultRow = pg.QueryResultRow>(databaseUrl: string, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

export const TEST_JWT_KEYS = generateJwtKeys('test-k1');

export interface TestServer extends Instance {
  databaseUrl: string;
}

/**
 * Starts one instance on a fresh database (or `databaseUrl`, to run several instances on one).
 * Tests use cheap scrypt (2^10) only for speed; the default cost is 2^14.
 */
export async function startTestServer(
  strategy: Strategy,
  env: Record<string, string> = {},
  databaseUrl?: string,
  // Generous: several instances starting at once on a loaded 2-core machine take a while.
  opts: { startTimeoutMs?: number } = {},
): Promise<TestServer> {
  const db = databaseUrl ?? (await newDatabase());
  const instance = await startInstance({
    strategy,
    databaseUrl: db,
    startTimeoutMs: opts.startTimeoutMs ?? 60_000,
    env: { SCRYPT_LOG_N: '10', JWT_KEYS: TEST_JWT_KEYS, ADMIN_USERNAME: 'admin', ADMIN_PASSWORD: PASSWORD, ...env },
  });
  started.push(instance);
  return Object.assign(instance, { databaseUrl: db });
}

/** Stops every server this test file started (call in afterAll). */
export async function stopAllServers(): Promise<void> {
  await Promise.all(started.splice(0).map((i) => i.stop()));
}

let seq = 0;
export function uniqueUsername(prefix = 'user'): string {
  return `${prefix}${process.pid}x${Date.now().toString(36)}x${++seq}`;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON body, or null when the body is empty or not JSON. */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test assertions read it freely
  text: string;
  setCookies: string[];
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as is (no JSON encoding); set content-type yourself. */
  rawBody?: string;
  headers?: Record<string, string>;
  /** Attach the stored credential (default true). */
  auth?: boolean;
}

interface StoredCookie {
  value: string;
  path: string;
}

/** A client of one server that stores and presents the credential like a browser/app would. */
export class ApiClient {
  cookies = new Map<string, StoredCookie>();
  accessToken: string | null = null;
  username: string | null = null;
  userId: string | null = null;

  constructor(
    readonly strategy: Strategy,
    public baseUrl: string,
  ) {}

  /** A copy holding the same credential (to replay it after the original logged out). */
  clone(baseUrl = this.baseUrl): ApiClient {
    const c = new ApiClient(this.strategy, baseUrl);
    c.cookies = new Map(this.cookies);
    c.accessToken = this.accessToken;
    c.username = this.username;
    c.userId = this.userId;
    return c;
  }

  cookieHeader(path: string): string {
    return [...this.cookies]
      .filter(([, c]) => path === c.path || path.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`) || c.path === '/')
      .map(([name, c]) => `${name}=${c.value}`)
      .join('; ');
  }

  async request(method: string, path: string, opts: RequestOptions = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.auth !== false) {
      const cookie = this.cookieHeader(path);
      if (cookie && !('cookie' in headers) && !('Cookie' in headers)) headers.cookie = cookie;
      if (this.accessToken && !('authorization' in headers) && !('Authorization' in headers)) headers.authorization = `Bearer ${this.accessToken}`;
    }
    let body: string | undefined;
    if (opts.rawBody !== undefined) body = opts.rawBody;
    else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(this.baseUrl + path, { method, headers, body, redirect: 'manual' });
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    const setCookies = res.headers.getSetCookie();
    this.storeCookies(setCookies);
    const issued = parsed as { accessToken?: unknown } | null;
    if (res.ok && issued && typeof issued.accessToken === 'string') this.accessToken = issued.accessToken;
    return { status: res.status, headers: res.headers, body: parsed, text, setCookies };
  }

  private storeCookies(setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const attr = (n: string) => attrs.map((a) => a.trim()).find((a) => a.toLowerCase().startsWith(`${n}=`));
      const path = attr('path')?.split('=')[1] ?? '/';
      const maxAge = attr('max-age')?.split('=')[1];
      const expires = attr('expires')?.slice(8);
      const expired = maxAge !== undefined ? Number(maxAge) <= 0 : expires !== undefined && Date.parse(expires) <= Date.now();
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, { value, path });
    }
  }

  get(path: string, opts?: RequestOptions) {
    return this.request('GET', path, opts);
  }
  post(path: string, body?: unknown, opts?: RequestOptions) {
    return this.request('POST', path, { ...opts, body });
  }
  put(path: string, body?: unknown, opts?: RequestOptions) {
    return this.request('PUT', path, { ...opts, body });
  }
  delete(path: string, opts?: RequestOptions) {
    return this.request('DELETE', path, opts);
  }

  async register(username = uniqueUsername(), password = PASSWORD): Promise<ApiResponse> {
    const res = await this.post('/auth/register', { username, password }, { auth: false });
    if (res.status === 201) {
      this.username = username;
      this.userId = res.body.user.id;
    }
    return res;
  }

  /** Logs in and keeps the credential (cookie, or access token + refresh cookie). */
  async login(username = this.username ?? '', password = PASSWORD): Promise<ApiResponse> {
    const res = await this.post('/auth/login', { username, password });
    if (res.status === 200) {
      this.username = username;
      this.userId = res.body.user.id;
    }
    return res;
  }

  /** Registers a fresh user and logs in; throws if either step fails. */
  async signUp(username = uniqueUsername()): Promise<this> {
    const reg = await this.register(username);
    if (reg.status !== 201) throw new Error(`register failed: ${reg.status} ${reg.text}`);
    const login = await this.login(username);
    if (login.status !== 200) throw new Error(`login failed: ${login.status} ${login.text}`);
    return this;
  }

  /** Forget the credential (a new browser). */
  reset(): void {
    this.cookies.clear();
    this.accessToken = null;
  }
}

/**
 * Writes bytes exactly as given (for requests fetch refuses to build) and reads until the server
 * closes the connection; include `Connection: close`. It never half-closes: Node's HTTP server
 * aborts in-flight requests when the client ends its side (httpAllowHalfOpen is false), so an async
 * handler's answer would be lost. status 0: the server sent nothing before the timeout (it is
 * still waiting for the body).
 */
export function rawHttp(url: string, request: string | Buffer, timeoutMs = 5000): Promise<{ status: number; head: string; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const [head, ...rest] = text.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1] ?? 0) || 0, head, body: rest.join('\r\n\r\n') });
    };
    const timer = setTimeout(() => {
      socket.destroy();
      done();
    }, timeoutMs);
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', (err) => (chunks.length ? done() : reject(err)));
    socket.on('close', done);
    socket.write(request);
  });
}

/** Polls until fn() is true (or the deadline passes); returns whether it became true. */
export async function eventually(fn: () => Promise<boolean>, timeoutMs = 5000, intervalMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await fn()) return true;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return fn();
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
