// Concurrent cart writes (SECURITY.md "Reliability expectations", PRODUCT.md POST /cart/items "atomic
// increment"): many clients of one user, on two instances sharing one database, fire adds at once.
// Every acknowledged write is in the database, nothing is lost, the 99-per-line cap holds exactly,
// and carts of different users never mix.
import { ApiClient, type ApiResponse, PASSWORD, STRATEGIES, sql, startTestServer, stopAllServers, type TestServer, uniqueUsername } from '../support/harness';

afterAll(stopAllServers);

const SKUS = ['KB-001', 'MS-002', 'CB-005', 'ST-006'];

/** Logs `n` separate clients (sessions / token families) of one user in, alternating instances. */
async function clientsOf(strategy: (typeof STRATEGIES)[number], username: string, servers: TestServer[], n: number): Promise<ApiClient[]> {
  const clients: ApiClient[] = [];
  for (let i = 0; i < n; i++) {
    const c = new ApiClient(strategy, servers[i % servers.length].url);
    const res = await c.login(username, PASSWORD);
    expect(res.status).toBe(200);
    clients.push(c);
  }
  return clients;
}

const dbQty = async (databaseUrl: string, userId: string) => {
  const rows = await sql<{ sku: string; qty: number }>(databaseUrl, 'SELECT sku, qty FROM cart_items WHERE user_id = $1 ORDER BY sku', [userId]);
  return Object.fromEntries(rows.map((r) => [r.sku, r.qty]));
};

describe.each(STRATEGIES)('%s server: concurrent cart writes (two instances, one database)', (strategy) => {
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    // A burst of 110 requests queues for the 10 pooled connections of each instance, and pg-pool
    // counts that wait against the connection timeout: on a loaded 2-core box the default 2 s gave
    // 503s (not acknowledged, so not lost, but not what this file measures). Outage timing is
    // postgres-down.test.ts's job; here the queue may wait.
    const env = { DB_CONNECT_TIMEOUT_MS: '15000' };
    a = await startTestServer(strategy, { ...env, INSTANCE_ID: `${strategy}-a` });
    b = await startTestServer(strategy, { ...env, INSTANCE_ID: `${strategy}-b` }, a.databaseUrl);
  });

  it('POST /cart/items: 6 clients x 10 concurrent adds over 4 products lose nothing (sum matches)', async () => {
    const owner = await new ApiClient(strategy, a.url).signUp();
    const clients = await clientsOf(strategy, owner.username!, [a, b], 6);
    const sent: { sku: string; qty: number }[] = [];
    const requests: Promise<ApiResponse>[] = [];
    clients.forEach((c, ci) => {
      for (let j = 0; j < 10; j++) {
        const item = { sku: SKUS[(ci + j) % SKUS.length], qty: 1 + ((ci + j) % 2) }; // qty 1 or 2
        sent.push(item);
        requests.push(c.post('/cart/items', item));
      }
    });
    const results = await Promise.all(requests);
    expect(results.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
    // Both instances served some of them.
    const served = new Set(results.map((r) => r.headers.get('x-instance-id')));
    expect(served).toEqual(new Set([`${strategy}-a`, `${strategy}-b`]));

    const expected: Record<string, number> = {};
    for (const { sku, qty } of sent) expected[sku] = (expected[sku] ?? 0) + qty;
    expect(await dbQty(a.databaseUrl, owner.userId!)).toEqual(expected);
    const cart = await owner.get('/cart');
    expect(Object.fromEntries(cart.body.items.map((i: { sku: string; qty: number }) => [i.sku, i.qty]))).toEqual(expected);
    expect(cart.body.totalCents).toBe(cart.body.items.reduce((s: number, i: { lineTotalCents: number }) => s + i.lineTotalCents, 0));
  });

  it('POST /cart/items: 110 concurrent adds of 1 to one line: exactly 99 acknowledged, 11 get 409 cart_quantity_limit, qty is 99', async () => {
    const owner = await new ApiClient(strategy, a.url).signUp();
    const clients = await clientsOf(strategy, owner.username!, [a, b], 4);
    const results = await Promise.all(Array.from({ length: 110 }, (_, i) => clients[i % clients.length].post('/cart/items', { sku: 'MN-003', qty: 1 })));
    const byStatus: Record<string, number> = {};
    for (const r of results) {
      const key = `${r.status} ${r.body?.error?.code ?? ''}`.trim();
      byStatus[key] = (byStatus[key] ?? 0) + 1;
    }
    expect(byStatus).toEqual({ '200': 99, '409 cart_quantity_limit': 11 });
    expect(await dbQty(a.databaseUrl, owner.userId!)).toEqual({ 'MN-003': 99 });
  });

  it('concurrent adds with large quantities never overshoot 99 (each acknowledged add is counted exactly once)', async () => {
    const owner = await new ApiClient(strategy, a.url).signUp();
    const clients = await clientsOf(strategy, owner.username!, [a, b], 4);
    const qtys = Array.from({ length: 40 }, (_, i) => 1 + ((i * 7) % 13)); // 1..13
    const results = await Promise.all(qtys.map((qty, i) => clients[i % clients.length].post('/cart/items', { sku: 'HD-004', qty })));
    for (const r of results) expect([200, 409]).toContain(r.status);
    const acknowledged = qtys.filter((_, i) => results[i].status === 200).reduce((s, q) => s + q, 0);
    const final = (await dbQty(a.databaseUrl, owner.userId!))['HD-004'];
    expect(final).toBe(acknowledged);
    expect(final).toBeLessThanOrEqual(99);
    // A refused add really could not fit: final + its qty > 99 (nothing refused that would have fit at the end).
    for (const [i, r] of results.entries()) if (r.status === 409) expect(final + qtys[i]).toBeGreaterThan(99);
  });

  it('concurrent PUT /cart/items/:sku: the final quantity is one of the values written, never a mix or a 500', async () => {
    const owner = await new ApiClient(strategy, a.url).signUp();
    const clients = await clientsOf(strategy, owner.username!, [a, b], 4);
    const values = Array.from({ length: 30 }, (_, i) => 1 + (i % 50));
    const results = await Promise.all(values.map((qty, i) => clients[i % clients.length].put('/cart/items/DK-008', { qty })));
    expect(results.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
    const final = (await dbQty(a.databaseUrl, owner.userId!))['DK-008'];
    expect(values).toContain(final);
  });

  it('concurrent adds, removes and clears interleaved: only 200s, and the cart stays consistent with the database', async () => {
    const owner = await new ApiClient(strategy, a.url).signUp();
    const clients = await clientsOf(strategy, owner.username!, [a, b], 4);
    const ops = Array.from({ length: 60 }, (_, i) => {
      const c = clients[i % clients.length];
      if (i % 10 === 9) return c.delete('/cart');
      if (i % 5 === 4) return c.delete(`/cart/items/${SKUS[i % SKUS.length]}`);
      return c.post('/cart/items', { sku: SKUS[i % SKUS.length], qty: 1 });
    });
    const results = await Promise.all(ops);
    expect(results.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
    const cart = await owner.get('/cart');
    expect(Object.fromEntries(cart.body.items.map((i: { sku: string; qty: number }) => [i.sku, i.qty]))).toEqual(await dbQty(a.databaseUrl, owner.userId!));
  });

  it('20 users adding at once: every cart holds exactly its own writes', async () => {
    const users = await Promise.all(Array.from({ length: 20 }, (_, i) => new ApiClient(strategy, (i % 2 ? a : b).url).signUp(uniqueUsername(`many${i}`))));
    await Promise.all(
      users
        .flatMap((u, i) => Array.from({ length: 5 }, () => u.post('/cart/items', { sku: SKUS[i % SKUS.length], qty: 1 })))
        .map(async (p) => expect((await p).status).toBe(200)),
    );
    for (const [i, u] of users.entries()) {
      expect(await dbQty(a.databaseUrl, u.userId!)).toEqual({ [SKUS[i % SKUS.length]]: 5 });
    }
  });
});
