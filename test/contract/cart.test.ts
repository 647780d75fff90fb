// Contract: GET /cart, POST /cart/items, PUT /cart/items/:sku, DELETE /cart/items/:sku, DELETE /cart.
import { STRATEGIES, startTestServer, stopAllServers, type TestServer } from '../support/harness';
import { type ContractClient, client, expectError, expectOk, signedUp } from './helpers';

afterAll(stopAllServers);

interface Product {
  sku: string;
  name: string;
  unitPriceCents: number;
}

describe.each(STRATEGIES)('%s server', (strategy) => {
  let server: TestServer;
  let products: Map<string, Product>;

  beforeAll(async () => {
    server = await startTestServer(strategy);
    const res = await client(server).get('/products');
    products = new Map((res.body.products as Product[]).map((p) => [p.sku, p]));
  });

  /** The cart the server must answer for these quantities (lines sorted by sku). */
  function cartOf(quantities: Record<string, number>) {
    const items = Object.entries(quantities)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([sku, qty]) => {
        const p = products.get(sku);
        if (!p) throw new Error(`unknown sku ${sku}`);
        return { sku, name: p.name, unitPriceCents: p.unitPriceCents, qty, lineTotalCents: p.unitPriceCents * qty };
      });
    return { items, totalCents: items.reduce((s, i) => s + i.lineTotalCents, 0) };
  }

  async function expectCart(c: ContractClient, quantities: Record<string, number>): Promise<void> {
    const res = await c.get('/cart');
    expectOk(res);
    expect(res.body).toEqual(cartOf(quantities));
  }

  describe('GET /cart', () => {
    it('returns an empty cart {items: [], totalCents: 0} for a new user', async () => {
      const c = await signedUp(server);
      const res = await c.get('/cart');
      expectOk(res);
      expect(res.body).toEqual({ items: [], totalCents: 0 });
      expect(res.headers.get('cache-control')).toBe('no-store');
    });

    it('returns 401 unauthorized without a credential', async () => {
      expectError(await client(server).get('/cart'), 401, 'unauthorized');
    });
  });

  describe('POST /cart/items', () => {
    it('adds a line and returns the whole cart with line totals and the total', async () => {
      const c = await signedUp(server);
      const res = await c.post('/cart/items', { sku: 'KB-001', qty: 2 });
      expectOk(res);
      expect(res.body).toEqual(cartOf({ 'KB-001': 2 }));
      expect(res.body).toEqual({
        items: [{ sku: 'KB-001', name: 'Mechanical keyboard', unitPriceCents: 8900, qty: 2, lineTotalCents: 17800 }],
        totalCents: 17800,
      });
      const res2 = await c.post('/cart/items', { sku: 'MS-002', qty: 3 });
      expectOk(res2);
      expect(res2.body).toEqual(cartOf({ 'KB-001': 2, 'MS-002': 3 }));
      expect(res2.body.totalCents).toBe(17800 + 3 * 2900);
      await expectCart(c, { 'KB-001': 2, 'MS-002': 3 });
    });

    it('increments the quantity when the product is added again', async () => {
      const c = await signedUp(server);
      expectOk(await c.post('/cart/items', { sku: 'CB-005', qty: 4 }));
      const res = await c.post('/cart/items', { sku: 'CB-005', qty: 5 });
      expectOk(res);
      expect(res.body).toEqual(cartOf({ 'CB-005': 9 }));
    });

    it('accepts up to 99 on a line and returns 409 cart_quantity_limit past 99, changing nothing', async () => {
      const c = await signedUp(server);
      expectOk(await c.post('/cart/items', { sku: 'ST-006', qty: 99 }));
      expectError(await c.post('/cart/items', { sku: 'ST-006', qty: 1 }), 409, 'cart_quantity_limit');
      await expectCart(c, { 'ST-006': 99 });

      const d = await signedUp(server);
      expectOk(await d.post('/cart/items', { sku: 'WC-007', qty: 50 }));
      expectOk(await d.post('/cart/items', { sku: 'DK-008', qty: 1 }));
      expectError(await d.post('/cart/items', { sku: 'WC-007', qty: 50 }), 409, 'cart_quantity_limit');
      await expectCart(d, { 'WC-007': 50, 'DK-008': 1 });
      expectOk(await d.post('/cart/items', { sku: 'WC-007', qty: 49 }));
      await expectCart(d, { 'WC-007': 99, 'DK-008': 1 });
    });

    it('returns 404 product_not_found for an unknown sku', async () => {
      const c = await signedUp(server);
      for (const sku of ['NOPE-000', 'kb-001', 'KB-001 ', 'x'.repeat(64)]) {
        expectError(await c.post('/cart/items', { sku, qty: 1 }), 404, 'product_not_found');
      }
      await expectCart(c, {});
    });

    it.each([
      ['qty 0', { sku: 'KB-001', qty: 0 }],
      ['qty 100', { sku: 'KB-001', qty: 100 }],
      ['qty -1', { sku: 'KB-001', qty: -1 }],
      ['qty 1.5', { sku: 'KB-001', qty: 1.5 }],
      ['qty "1"', { sku: 'KB-001', qty: '1' }],
      ['qty null', { sku: 'KB-001', qty: null }],
      ['qty 1e9', { sku: 'KB-001', qty: 1e9 }],
      ['a missing qty', { sku: 'KB-001' }],
      ['a missing sku', { qty: 1 }],
      ['an empty sku', { sku: '', qty: 1 }],
      ['a numeric sku', { sku: 1, qty: 1 }],
      ['a 65-character sku', { sku: 'x'.repeat(65), qty: 1 }],
      ['a NUL in the sku', { sku: 'KB-001\u0000', qty: 1 }],
      ['an unknown field', { sku: 'KB-001', qty: 1, priceCents: 1 }],
      ['a userId field', { sku: 'KB-001', qty: 1, userId: '1' }],
      ['an empty body', {}],
      ['an array body', [{ sku: 'KB-001', qty: 1 }]],
    ])('returns 400 validation_failed for %s, changing nothing', async (_name, body) => {
      const c = await signedUp(server);
      expectError(await c.post('/cart/items', body), 400, 'validation_failed');
      await expectCart(c, {});
    });

    it('returns 400 invalid_json, 415 unsupported_media_type and 413 payload_too_large', async () => {
      const c = await signedUp(server);
      expectError(
        await c.post('/cart/items', undefined, { rawBody: '{"sku":"KB-001",', headers: { 'content-type': 'application/json' } }),
        400,
        'invalid_json',
      );
      expectError(
        await c.post('/cart/items', undefined, { rawBody: 'sku=KB-001&qty=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
        415,
        'unsupported_media_type',
      );
      expectError(await c.post('/cart/items', { sku: 'KB-001', qty: 1, pad: 'x'.repeat(17 * 1024) }), 413, 'payload_too_large');
      await expectCart(c, {});
    });

    it('returns 403 forbidden_origin for a cross-site request, changing nothing', async () => {
      const c = await signedUp(server);
      expectError(await c.post('/cart/items', { sku: 'KB-001', qty: 1 }, { headers: { origin: 'https://evil.example' } }), 403, 'forbidden_origin');
      expectError(await c.post('/cart/items', { sku: 'KB-001', qty: 1 }, { headers: { 'sec-fetch-site': 'cross-site' } }), 403, 'forbidden_origin');
      await expectCart(c, {});
      // Same-origin requests from a browser are fine.
      expectOk(await c.post('/cart/items', { sku: 'KB-001', qty: 1 }, { headers: { origin: server.url, 'sec-fetch-site': 'same-origin' } }));
    });

    it('returns 401 unauthorized without a credential', async () => {
      expectError(await client(server).post('/cart/items', { sku: 'KB-001', qty: 1 }), 401, 'unauthorized');
    });

    it('loses no update: 50 concurrent adds of qty 1 to one line end at exactly 50', async () => {
      const c = await signedUp(server);
      const results = await Promise.all(Array.from({ length: 50 }, () => c.post('/cart/items', { sku: 'HD-004', qty: 1 })));
      expect(results.map((r) => r.status)).toEqual(Array(50).fill(200));
      // Every response saw a distinct quantity: the adds were serialised, none overwrote another.
      const seen = results.map((r) => r.body.items.find((i: { sku: string }) => i.sku === 'HD-004').qty).sort((a: number, b: number) => a - b);
      expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      await expectCart(c, { 'HD-004': 50 });
    });
  });

  describe('PUT /cart/items/:sku', () => {
    it('sets the quantity of an existing line and returns the cart', async () => {
      const c = await signedUp(server);
      expectOk(await c.post('/cart/items', { sku: 'KB-001', qty: 2 }));
      expectOk(await c.post('/cart/items', { sku: 'MS-002', qty: 1 }));
      const res = await c.put('/cart/items/KB-001', { qty: 7 });
      expectOk(res);
      expect(res.body).toEqual(cartOf({ 'KB-001': 7, 'MS-002': 1 }));
      expectOk(await c.put('/cart/items/KB-001', { qty: 99 }));
      await expectCart(c, { 'KB-001': 99, 'MS-002': 1 });
    });

    it('creates the line when the product is not in the cart yet', async () => {
      const c = await signedUp(server);
      const res = await c.put('/cart/items/MN-003', { qty: 3 });
      expectOk(res);
      expect(res.body).toEqual(cartOf({ 'MN-003': 3 }));
    });

    it('removes the line with qty 0 (and is a no-op for a product not in the cart)', async () => {
      const c = await signedUp(server);
      expectOk(await c.post('/cart/items', { sku: 'KB-001', qty: 2 }));
      expectOk(await c.post('/cart/items', { sku: 'MS-002', qty: 1 }));
      const res = await c.put('/cart/items/KB-001', { qty: 0 });
      expectOk(res);
      expect(res.body).toEqual(cartOf({ 'MS-002': 1 }));
      const again = await c.put('/cart/items/KB-001', { qty: 0 });
      expectOk(again);
      expect(again.body).toEqual(cartOf({ 'MS-002': 1 }));
    });

    it('returns 404 product_not_found for an unknown sku', async () => {
      const c = await signedUp(server);
      expectError(await c.put('/cart/items/NOPE-000', { qty: 1 }), 404, 'product_not_found');
      expectError(await c.put(`/cart/items/${'x'.repeat(200)}`, { qty: 1 }), 404, 'product_not_found');
      expectError(await c.put('/cart/items/KB-001%00', { qty: 1 }), 404, 'product_not_found');
      await expectCart(c, {});
    });

    it.each([
      ['qty 100', { qty: 100 }],
      ['qty -1', { qty: -1 }],
      ['qty 1.5', { qty: 1.5 }],
      ['qty "1"', { qty: '1' }],
      ['qty true', { qty: true }],
      ['a missing qty', {}],
      ['an unknown field', { qty: 1, sku: 'MS-002' }],
    ])('returns 400 validation_failed for %s, changing nothing', async (_name, body) => {
      const c = await signedUp(server);
      expectOk(await c.post('/cart/items', { sku: 'KB-001', qty: 2 }));
      expectError(await c.put('/cart/items/KB-001', body), 400, 'validation_failed');
      await expectCart(c, { 'KB-001': 2 });
    });

    it('returns 401 unauthorized without a credential', async () => {
      expectError(await client(server).put('/cart/items/KB-001', { qty: 1 }), 401, 'unauthorized');
    });
  });

  describe('DELETE /cart/items/:sku', () => {
    it('removes the line and returns the cart', async () => {
      const c = await signedUp(server);
      expectOk(await c.post('/cart/items', { sku: 'KB-001', qty: 2 }));
      expectOk(await c.post('/cart/items', { sku: 'MS-002', qty: 1 }));
      const res = await c.delete('/cart/items/KB-001');
      expectOk(res);
      expect(res.body).toEqual(cartOf({ 'MS-002': 1 }));
      await expectCart(c, { 'MS-002': 1 });
    });

    it('is a no-op (200, the unchanged cart) for a product not in the cart', async () => {
      const c = await signedUp(server);
      expectOk(await c.post('/cart/items', { sku: 'MS-002', qty: 1 }));
      const res = await c.delete('/cart/items/KB-001');
      expectOk(res);
      expect(res.body).toEqual(cartOf({ 'MS-002': 1 }));
    });

    it('returns 404 product_not_found for an unknown sku', async () => {
      const c = await signedUp(server);
      expectError(await c.delete('/cart/items/NOPE-000'), 404, 'product_not_found');
    });

    it('returns 401 unauthorized without a credential', async () => {
      expectError(await client(server).delete('/cart/items/KB-001'), 401, 'unauthorized');
    });
  });

  describe('DELETE /cart', () => {
    it('empties the cart and returns {items: [], totalCents: 0}', async () => {
      const c = await signedUp(server);
      expectOk(await c.post('/cart/items', { sku: 'KB-001', qty: 2 }));
      expectOk(await c.post('/cart/items', { sku: 'MS-002', qty: 1 }));
      const res = await c.delete('/cart');
      expectOk(res);
      expect(res.body).toEqual({ items: [], totalCents: 0 });
      await expectCart(c, {});
      // Emptying an empty cart is fine too.
      expectOk(await c.delete('/cart'));
    });

    it('returns 401 unauthorized without a credential', async () => {
      expectError(await client(server).delete('/cart'), 401, 'unauthorized');
    });
  });

  describe('object-level authorization', () => {
    it("users never see or change each other's carts", async () => {
      const alice = await signedUp(server);
      const bob = await signedUp(server);
      expectOk(await alice.post('/cart/items', { sku: 'KB-001', qty: 3 }));
      expectOk(await bob.post('/cart/items', { sku: 'MS-002', qty: 1 }));
      await expectCart(alice, { 'KB-001': 3 });
      await expectCart(bob, { 'MS-002': 1 });
      expectOk(await bob.put('/cart/items/KB-001', { qty: 0 }));
      expectOk(await bob.delete('/cart/items/KB-001'));
      expectOk(await bob.delete('/cart'));
      await expectCart(alice, { 'KB-001': 3 });
      await expectCart(bob, {});
    });

    it('the cart belongs to the user, not the session: a second device sees the same cart', async () => {
      const a = await signedUp(server);
      expectOk(await a.post('/cart/items', { sku: 'DK-008', qty: 2 }));
      const b = client(server);
      expectOk(await b.login(a.username ?? ''));
      await expectCart(b, { 'DK-008': 2 });
    });
  });
});
