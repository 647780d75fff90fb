// Contract: the twins are interchangeable. One scripted user journey runs against both servers;
// after normalising what legitimately differs (how the credential travels, random ids, timestamps,
// the strategy's own name and extra credential fields), both must answer with identical status
// codes and identical bodies, step by step.
import { PASSWORD, STRATEGIES, type Strategy, startTestServer, stopAllServers, type TestServer, uniqueUsername } from '../support/harness';
import { adminClient, type ContractClient, client, ISO_TIME } from './helpers';

afterAll(stopAllServers);

interface Step {
  step: string;
  status: number;
  headers: Record<string, string | null>;
  body: unknown;
}

// Transport of the credential: jwt returns tokens in the body, session returns nothing there.
const TRANSPORT_KEYS = new Set(['accessToken', 'tokenType', 'expiresIn']);
// Opaque random or sequential identifiers: replaced by their order of first appearance.
const ID_KEYS = new Set(['id', 'sessionId']);
// What CredentialInfo promises on both twins (servers/core/auth.ts); anything else is strategy-specific.
const CREDENTIAL_KEYS = new Set(['strategy', 'variant', 'sessionId', 'issuedAt', 'expiresAt']);
// Headers whose value must match; the credential-carrying ones (Set-Cookie, WWW-Authenticate) differ by design.
const COMPARED_HEADERS = ['content-type', 'cache-control', 'clear-site-data', 'allow'];

function normaliser(strategy: Strategy, instanceId: string) {
  const ids = new Map<string, string>();
  const idOf = (v: string) => {
    if (!ids.has(v)) ids.set(v, `<id ${ids.size + 1}>`);
    return ids.get(v) as string;
  };
  const normalise = (value: unknown, key = ''): unknown => {
    if (Array.isArray(value)) {
      const items = value.map((v) => normalise(v));
      // Session listings: the current one first, then by user agent (ids and times are random).
      if (key === 'sessions') {
        const order = (s: unknown) => JSON.stringify([!(s as { current: boolean }).current, (s as { userAgent: string }).userAgent]);
        items.sort((a, b) => order(a).localeCompare(order(b)));
      }
      return items;
    }
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        if (TRANSPORT_KEYS.has(k)) continue;
        if (key === 'credential' && !CREDENTIAL_KEYS.has(k)) continue;
        out[k] = normalise(v, k);
      }
      return out;
    }
    if (typeof value === 'string') {
      if (ISO_TIME.test(value)) return '<time>';
      if (ID_KEYS.has(key)) return idOf(value);
      if (value === strategy && (key === 'strategy' || key === 'variant')) return '<strategy>';
      if (value === instanceId) return '<instance>';
    }
    return value;
  };
  return normalise;
}

/** The scripted journey; every step states the status it must get on both servers. */
async function runJourney(server: TestServer, username: string): Promise<Step[]> {
  const normalise = normaliser(server.strategy, server.instanceId);
  const steps: Step[] = [];
  const seen = new Set<string>();
  const record = async (step: string, expectedStatus: number, call: Promise<Awaited<ReturnType<ContractClient['get']>>>) => {
    if (seen.has(step)) throw new Error(`duplicate step name ${step}`);
    seen.add(step);
    const res = await call;
    const headers = Object.fromEntries(COMPARED_HEADERS.map((h) => [h, res.headers.get(h)]));
    steps.push({ step, status: res.status, headers, body: normalise(res.body) });
    // Fail at the first step that goes wrong, naming it (the comparison below would show it too).
    expect({ step, status: res.status }).toEqual({ step, status: expectedStatus });
    return res;
  };

  const web = client(server);
  const phone = client(server);
  const newPassword = 'journey passphrase two';

  await record('health', 200, web.get('/healthz'));
  await record('catalog', 200, web.get('/products'));
  await record('register', 201, web.register(username));
  await record('register again', 409, web.register(username.toUpperCase()));
  await record('login with a wrong password', 401, web.login(username, 'not the password'));
  await record('me before login', 401, web.get('/auth/me'));
  await record('login', 200, web.login(username));
  await record('me', 200, web.get('/auth/me'));
  await record('empty cart', 200, web.get('/cart'));
  await record('add 2 keyboards', 200, web.post('/cart/items', { sku: 'KB-001', qty: 2 }));
  await record('add a mouse', 200, web.post('/cart/items', { sku: 'MS-002', qty: 1 }));
  await record('add a keyboard', 200, web.post('/cart/items', { sku: 'KB-001', qty: 1 }));
  await record('add qty 0', 400, web.post('/cart/items', { sku: 'KB-001', qty: 0 }));
  await record('add an unknown product', 404, web.post('/cart/items', { sku: 'NOPE-000', qty: 1 }));
  await record('add past the limit', 409, web.post('/cart/items', { sku: 'KB-001', qty: 97 }));
  await record('set keyboards to 5', 200, web.put('/cart/items/KB-001', { qty: 5 }));
  await record('set a monitor to 1', 200, web.put('/cart/items/MN-003', { qty: 1 }));
  await record('remove the mouse', 200, web.delete('/cart/items/MS-002'));
  await record('set the monitor to 0', 200, web.put('/cart/items/MN-003', { qty: 0 }));
  await record('cart', 200, web.get('/cart'));
  await record('login on the phone', 200, phone.post('/auth/login', { username, password: PASSWORD }, { headers: { 'user-agent': 'JourneyPhone/1.0' } }));
  await record('phone sees the cart', 200, phone.get('/cart'));
  const list = await record('two sessions', 200, web.get('/auth/sessions'));
  const phoneId = (list.body.sessions as Array<{ id: string; current: boolean }>).find((s) => !s.current)?.id ?? 'missing';
  await record('revoke the phone', 204, web.delete(`/auth/sessions/${encodeURIComponent(phoneId)}`));
  await record('one session', 200, web.get('/auth/sessions'));
  await record('revoke an unknown session', 404, web.delete('/auth/sessions/AAAAAAAAAAAAAAAAAAAAAA'));
  await record('change password, wrong current', 403, web.post('/auth/password', { currentPassword: 'wrong password', newPassword }));
  await record('change password, weak new', 400, web.post('/auth/password', { currentPassword: PASSWORD, newPassword: 'short' }));
  await record('change password', 200, web.post('/auth/password', { currentPassword: PASSWORD, newPassword }));
  await record('me after the change', 200, web.get('/auth/me'));
  await record('cart after the change', 200, web.get('/cart'));
  await record('login with the old password', 401, client(server).login(username, PASSWORD));
  await record('empty the cart', 200, web.delete('/cart'));
  await record('logout', 204, web.post('/auth/logout'));
  web.reset(); // the app forgets its credential on logout, as a browser drops the cleared cookie
  await record('me after logout', 401, web.get('/auth/me'));
  await record('login with the new password', 200, web.login(username, newPassword));
  await record('logout everywhere', 204, web.post('/auth/logout-all'));
  web.reset();
  await record('cart after logout-all', 401, web.get('/cart'));
  const admin = await adminClient(server);
  await record('non-admin disables', 403, (await client(server).signUp(`${username}x`)).post(`/admin/users/${admin.userId}/disable`));
  await record('admin disables the user', 204, admin.post(`/admin/users/${web.userId}/disable`));
  await record('disabled user logs in', 401, web.login(username, newPassword));
  return steps;
}

describe('the same user journey on both servers', () => {
  const servers = {} as Record<Strategy, TestServer>;

  beforeAll(async () => {
    for (const s of STRATEGIES) servers[s] = await startTestServer(s);
  });

  it('yields identical status codes, headers and normalised bodies on session and jwt', async () => {
    // The same username on both: each server has its own database.
    const username = uniqueUsername('Journey');
    const journeys = {} as Record<Strategy, Step[]>;
    for (const s of STRATEGIES) journeys[s] = await runJourney(servers[s], username);
    expect(journeys.jwt.map((s) => [s.step, s.status])).toEqual(journeys.session.map((s) => [s.step, s.status]));
    for (let i = 0; i < journeys.session.length; i++) {
      expect(journeys.jwt[i]).toEqual(journeys.session[i]);
    }
  });
});
