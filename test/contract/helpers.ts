// Shared helpers of the API contract suite (test/contract/*.test.ts). Every suite runs the same
// assertions against both twins; the helpers here hide only the credential transport.
import { ApiClient, type ApiResponse, PASSWORD, type RequestOptions, type Strategy, type TestServer, uniqueUsername } from '../support/harness';

export const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
export const isoTime = () => expect.stringMatching(ISO_TIME);

/**
 * An ApiClient that fails the test on any 5xx: PRODUCT.md "Never a 500 for anything a client can
 * send" (and no 503 either here: the database is up for the whole contract suite).
 */
export class ContractClient extends ApiClient {
  override async request(method: string, path: string, opts: RequestOptions = {}): Promise<ApiResponse> {
    const res = await super.request(method, path, opts);
    if (res.status >= 500) {
      throw new Error(`${method} ${path} answered ${res.status} (no response may be a 5xx): ${res.text.slice(0, 500)}`);
    }
    return res;
  }

  override clone(baseUrl = this.baseUrl): ContractClient {
    const c = new ContractClient(this.strategy, baseUrl);
    c.cookies = new Map(this.cookies);
    c.accessToken = this.accessToken;
    c.username = this.username;
    c.userId = this.userId;
    return c;
  }

  /** POST /auth/refresh with whatever refresh cookie this client holds. */
  refresh(): Promise<ApiResponse> {
    return this.post('/auth/refresh');
  }
}

export function client(server: TestServer): ContractClient {
  return new ContractClient(server.strategy, server.url);
}

/** A fresh user, registered and logged in. */
export async function signedUp(server: TestServer, username = uniqueUsername('c')): Promise<ContractClient> {
  return client(server).signUp(username);
}

/** A second, independent login (another device) of the same user. */
export async function secondDevice(server: TestServer, of: ContractClient): Promise<ContractClient> {
  const c = client(server);
  const res = await c.login(of.username ?? '', PASSWORD);
  if (res.status !== 200) throw new Error(`second login failed: ${res.status} ${res.text}`);
  return c;
}

/** The bootstrap admin (ADMIN_USERNAME=admin / ADMIN_PASSWORD=PASSWORD, set by the harness). */
export async function adminClient(server: TestServer): Promise<ContractClient> {
  const c = client(server);
  const res = await c.login('admin', PASSWORD);
  if (res.status !== 200) throw new Error(`admin login failed: ${res.status} ${res.text}`);
  return c;
}

/** An error response: status, stable code, `{"error": {"code", "message"}}`, JSON. */
export function expectError(res: ApiResponse, status: number, code: string): void {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
  expect(typeof res.body.error.message).toBe('string');
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
}

/** 200/201 with a JSON body. */
export function expectOk(res: ApiResponse, status = 200): void {
  expect({ status: res.status, body: res.status === status ? 'ok' : res.body }).toEqual({ status, body: 'ok' });
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
}

/** 204: no body. */
export function expectNoContent(res: ApiResponse): void {
  expect({ status: res.status, body: res.status === 204 ? '' : res.text }).toEqual({ status: 204, body: '' });
}

/** The Set-Cookie line for `name`, or undefined. */
export function setCookie(res: ApiResponse, name: string): string | undefined {
  return res.setCookies.find((c) => c.startsWith(`${name}=`));
}

export function cookieAttrs(line: string): string[] {
  return line
    .split(';')
    .slice(1)
    .map((a) => a.trim().toLowerCase());
}

/** The name of the cookie carrying the credential each twin sets on login (plain HTTP here). */
export const CREDENTIAL_COOKIE: Record<Strategy, string> = { session: 'sid', jwt: 'rt' };

/**
 * Asserts that this client's *renewable* credential is dead: the session (GET /auth/me 401) or the
 * refresh family (POST /auth/refresh 401). The plain jwt access token is checked separately, where
 * each test pins its documented window explicitly.
 */
export async function expectCredentialRevoked(c: ContractClient): Promise<void> {
  if (c.strategy === 'session') {
    expectError(await c.get('/auth/me'), 401, 'unauthorized');
  } else {
    expect(c.cookies.has('rt')).toBe(true); // the test must hold the old refresh token to replay it
    expectError(await c.refresh(), 401, 'invalid_refresh_token');
  }
}

/** The opposite: the renewable credential still works (session: me 200; jwt: refresh 200). */
export async function expectCredentialAlive(c: ContractClient): Promise<void> {
  if (c.strategy === 'session') {
    expectOk(await c.get('/auth/me'));
  } else {
    expectOk(await c.refresh());
  }
}

/** Sorted header names of a response (for "identical headers" comparisons). */
export function headerNames(res: ApiResponse): string[] {
  return [...res.headers.keys()].sort();
}
