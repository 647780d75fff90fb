// Issue 8, item 9 (found while attacking): hostile values in the path parameters of every route, sent
// with the credential the route needs (so the handler, not the guard, meets them): NUL, a huge
// value, broken or overlong percent-encoding, encoded lone surrogates, non-ASCII, raw UTF-8 bytes in
// the request line, dot segments, numbers out of range. Whatever reaches the handler must be
// answered with a 4xx (a JSON error when Koa answers), never a 5xx. The routes come from the servers'
// own table, so a route added later is covered.
import { ApiClient, STRATEGIES, startTestServer, stopAllServers, type TestServer } from '../support/harness';
import { adminClient, credentialHeaders, sendRaw } from '../support/attack';
import { fillParams, type Route, routeTable } from '../support/routes';

afterAll(stopAllServers);

/** Raw path bytes for one parameter (sent as they are, never re-encoded). */
const HOSTILE: { label: string; value: string }[] = [
  { label: 'encoded NUL', value: '%00' },
  { label: 'NUL inside', value: 'KB%00001' },
  { label: '8000 characters', value: 'A'.repeat(8000) },
  { label: 'broken percent-encoding', value: '%ZZ' },
  { label: 'a lone %', value: '%' },
  { label: 'truncated UTF-8', value: '%E2%82' },
  { label: 'overlong UTF-8 dot', value: '%C0%AE' },
  { label: 'encoded lone surrogate', value: '%ED%A0%80' },
  { label: 'an emoji', value: '%F0%9F%98%80' },
  { label: 'U+0130 encoded', value: '%C4%B0' },
  { label: 'raw UTF-8 bytes', value: 'İ' },
  { label: 'encoded dot-dot', value: '%2e%2e' },
  { label: 'encoded slash', value: 'a%2Fb' },
  { label: 'CRLF', value: '1%0d%0aX-Injected:%20yes' },
  { label: 'minus one', value: '-1' },
  { label: 'zero', value: '0' },
  { label: '20 digits', value: '99999999999999999999' },
  { label: 'past bigint', value: '9223372036854775808' },
  { label: 'exponent', value: '1e3' },
  { label: 'hex', value: '0x1' },
  { label: 'space first', value: '%201' },
];

const withParams = (routes: Route[]) => routes.filter((r) => r.path.includes(':'));
const writeBody = (route: Route) =>
  route.method === 'POST' || route.method === 'PUT' ? { json: route.path.startsWith('/cart/items') ? '{"qty":1}' : '{}' } : {};

describe.each(STRATEGIES)('%s server', (strategy) => {
  let server: TestServer;
  const credentials: Record<Route['access'], Record<string, string>> = { public: {}, user: {}, admin: {} };

  beforeAll(async () => {
    server = await startTestServer(strategy);
    credentials.user = credentialHeaders(await new ApiClient(strategy, server.url).signUp());
    credentials.admin = credentialHeaders(await adminClient(strategy, server.url));
  });

  it('the table has routes with parameters to attack', () => {
    expect(withParams(routeTable(strategy)).length).toBeGreaterThan(2);
  });

  it('every route with a parameter, every hostile value: a 4xx (JSON when Koa answers), never a 5xx', async () => {
    const wrong: string[] = [];
    for (const route of withParams(routeTable(strategy))) {
      for (const { label, value } of HOSTILE) {
        const path = fillParams(route.path, () => value);
        const res = await sendRaw(server.url, route.method, path, { ...writeBody(route), headers: credentials[route.access] });
        const jsonError = res.body === '' || typeof res.json?.error?.code === 'string';
        if (res.status < 400 || res.status >= 500 || !jsonError) {
          wrong.push(`${route.method} ${route.path} with ${label} -> ${res.status} ${res.body.slice(0, 100)}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  }, 60_000);

  it('afterwards the server still answers and the admin is still enabled', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    await expect(adminClient(strategy, server.url)).resolves.toBeInstanceOf(ApiClient);
  });
});
