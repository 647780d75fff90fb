// Issue 8, defect 1: no route is reachable without its guard under any spelling of its path. On the
// servers as first built, `POST /ADMIN/users/1/disable` with no credential disabled the bootstrap
// admin (the guard was mounted with a case-sensitive prefix, the routes matched case-insensitively)
// and `GET /CART` answered 500. This file walks the servers' own route table (routeTable() in
// servers/core/routes/route-table.ts), so a route added later is attacked without anyone editing it:
// every user/admin route, every mangled spelling below, HEAD for every GET, with no credential and,
// for admin routes, with a normal user's credential. Requests are written byte for byte (sendRaw)
// because fetch would normalise dot segments and some of the spellings.
import { ApiClient, PASSWORD, STRATEGIES, sql, startTestServer, stopAllServers, type TestServer } from '../support/harness';
import { credentialHeaders, type RawResponse, sendRaw } from '../support/attack';
import { fillParams, type Route, routeTable } from '../support/routes';

afterAll(stopAllServers);

const fill = (pattern: string) => fillParams(pattern);

/** Every spelling a router, a proxy or a decoder might treat as the same path. */
function spellings(path: string, host: string): { label: string; path: string }[] {
  const segments = path.split('/').filter(Boolean);
  const hex = path.charCodeAt(1).toString(16);
  const out = [
    { label: 'exact', path },
    { label: 'upper case', path: path.toUpperCase() },
    { label: 'first letter capitalised', path: `/${path[1].toUpperCase()}${path.slice(2)}` },
    { label: 'trailing slash', path: `${path}/` },
    { label: 'leading //', path: `/${path}` },
    { label: 'one letter percent-encoded', path: `/%${hex}${path.slice(2)}` },
    { label: 'one letter percent-encoded, upper-case hex', path: `/%${hex.toUpperCase()}${path.slice(2)}` },
    { label: 'dot segment /x/..', path: `/x/..${path}` },
    { label: 'dot segment /.', path: `/.${path}` },
    { label: 'encoded dot segment /x/%2e%2e', path: `/x/%2e%2e${path}` },
    { label: 'query string', path: `${path}?x=1` },
    { label: 'absolute-form request target', path: `http://${host}${path}` },
    { label: 'absolute-form, upper case', path: `http://${host}${path.toUpperCase()}` },
  ];
  if (segments.length > 1) {
    const [first, ...rest] = segments;
    out.push(
      { label: 'inner //', path: `/${first}//${rest.join('/')}` },
      { label: 'encoded slash %2F', path: `/${first}%2F${rest.join('/')}` },
      { label: 'encoded slash %2f', path: `/${first}%2f${rest.join('/')}` },
    );
  }
  return out;
}

/** A JSON body for every write: a route that slips past its guard must not be stopped by a 415. */
const bodyFor = (method: Route['method']) => (method === 'GET' || method === 'DELETE' ? {} : { json: '{}' });

/** The methods to send for a route: HEAD too for every GET (Koa answers HEAD with the GET route). */
const methodsFor = (route: Route) => (route.method === 'GET' ? ['GET', 'HEAD'] : [route.method]);

function describeAnswer(r: RawResponse): string {
  return `${r.status} ${r.body.slice(0, 120)}`;
}

describe('the route table', () => {
  it.each(STRATEGIES)('%s: lists every route, guarded ones included (the admin disable route among them)', (strategy) => {
    const table = routeTable(strategy);
    expect(table.length).toBeGreaterThan(0);
    expect(table).toContainEqual({ method: 'POST', path: '/admin/users/:id/disable', access: 'admin' });
    expect(table).toContainEqual(expect.objectContaining({ method: 'GET', path: '/cart', access: 'user' }));
    expect(table.filter((r) => r.access !== 'public').length).toBeGreaterThan(5);
  });
});

describe.each(STRATEGIES)('%s server: every guarded route under every spelling', (strategy) => {
  let server: TestServer;
  let user: ApiClient;
  const guarded = () => routeTable(strategy).filter((r) => r.access !== 'public');

  beforeAll(async () => {
    server = await startTestServer(strategy);
    user = await new ApiClient(strategy, server.url).signUp();
  });

  it('the exact spelling without a credential: 401 on every user/admin route', async () => {
    const wrong: string[] = [];
    for (const route of guarded()) {
      for (const method of methodsFor(route)) {
        const res = await sendRaw(server.url, method, fill(route.path), bodyFor(route.method));
        if (res.status !== 401) wrong.push(`${method} ${fill(route.path)} -> ${describeAnswer(res)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('every mangled spelling without a credential: 401/403/404/405, never 2xx, never 5xx', async () => {
    const wrong: string[] = [];
    for (const route of guarded()) {
      for (const method of methodsFor(route)) {
        for (const s of spellings(fill(route.path), new URL(server.url).host)) {
          const res = await sendRaw(server.url, method, s.path, bodyFor(route.method));
          if (![401, 403, 404, 405].includes(res.status)) wrong.push(`${method} ${s.path} (${s.label}) -> ${describeAnswer(res)}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it("admin routes under every spelling with a normal user's credential: 403/404/405", async () => {
    const wrong: string[] = [];
    const admin = guarded().filter((r) => r.access === 'admin');
    expect(admin.length).toBeGreaterThan(0);
    for (const route of admin) {
      for (const method of methodsFor(route)) {
        for (const s of spellings(fill(route.path), new URL(server.url).host)) {
          const res = await sendRaw(server.url, method, s.path, { ...bodyFor(route.method), headers: credentialHeaders(user, s.path) });
          if (![403, 404, 405].includes(res.status)) wrong.push(`${method} ${s.path} (${s.label}) -> ${describeAnswer(res)}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('afterwards the bootstrap admin (user 1) is still enabled and still logs in', async () => {
    const rows = await sql<{ id: string; disabled: boolean; role: string }>(
      server.databaseUrl,
      "SELECT id::text AS id, disabled_at IS NOT NULL AS disabled, role FROM users WHERE username = 'admin'",
    );
    expect(rows).toEqual([{ id: '1', disabled: false, role: 'admin' }]);
    expect((await new ApiClient(strategy, server.url).login('admin', PASSWORD)).status).toBe(200);
    // The normal user was not touched either (e.g. a DELETE /cart that slipped through).
    expect((await user.get('/auth/me')).status).toBe(200);
  });
});
