// Contract: the no-auth surface (health, readiness, catalog) and the router's 404 / 405.
import { STRATEGIES, startTestServer, stopAllServers, type TestServer } from '../support/harness';
import { type ContractClient, client, expectError, expectOk } from './helpers';

afterAll(stopAllServers);

describe.each(STRATEGIES)('%s server', (strategy) => {
  let server: TestServer;
  let api: ContractClient;

  beforeAll(async () => {
    server = await startTestServer(strategy);
    api = client(server);
  });

  describe('GET /healthz', () => {
    it('returns 200 {status, strategy, variant, instance} and names the instance in X-Instance-Id', async () => {
      const res = await api.get('/healthz');
      expectOk(res);
      expect(res.body).toEqual({ status: 'ok', strategy, variant: strategy, instance: server.instanceId });
      expect(res.headers.get('x-instance-id')).toBe(server.instanceId);
    });

    it('carries the security headers and Cache-Control: no-store', async () => {
      const res = await api.get('/healthz');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('x-powered-by')).toBeNull();
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    });
  });

  describe('GET /readyz', () => {
    it('returns 200 when the database answers', async () => {
      const res = await api.get('/readyz');
      expectOk(res);
      expect(res.body).toEqual({ status: 'ready', strategy, variant: strategy, instance: server.instanceId });
      expect(res.headers.get('x-instance-id')).toBe(server.instanceId);
    });
  });

  describe('GET /products', () => {
    it('returns the 8 seeded products with sku, name and unitPriceCents', async () => {
      const res = await api.get('/products');
      expectOk(res);
      expect(Object.keys(res.body)).toEqual(['products']);
      const products = res.body.products as Array<Record<string, unknown>>;
      expect(products).toHaveLength(8);
      for (const p of products) {
        expect(Object.keys(p).sort()).toEqual(['name', 'sku', 'unitPriceCents']);
        expect(p).toEqual({ sku: expect.any(String), name: expect.any(String), unitPriceCents: expect.any(Number) });
        expect(Number.isInteger(p.unitPriceCents)).toBe(true);
        expect(p.unitPriceCents as number).toBeGreaterThan(0);
      }
      expect(new Set(products.map((p) => p.sku)).size).toBe(8);
      expect(products.find((p) => p.sku === 'KB-001')).toEqual({ sku: 'KB-001', name: 'Mechanical keyboard', unitPriceCents: 8900 });
    });

    it('needs no credential and ignores a garbage one', async () => {
      const res = await api.get('/products', { headers: { cookie: 'sid=garbage; rt=garbage', authorization: 'Bearer garbage' } });
      expectOk(res);
      expect(res.body.products).toHaveLength(8);
    });
  });

  describe('unknown paths', () => {
    it.each(['/nope', '/auth', '/auth/nope', '/products/KB-001', '/admin/users'])('GET %s returns 404 not_found', async (path) => {
      const res = await api.get(path);
      expectError(res, 404, 'not_found');
      expect(res.headers.get('x-instance-id')).toBe(server.instanceId);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    });
  });

  describe('wrong methods', () => {
    it.each([
      ['POST', '/healthz'],
      ['DELETE', '/products'],
      ['PUT', '/products'],
      ['GET', '/auth/login'],
      ['GET', '/auth/register'],
      ['PUT', '/auth/me'],
      ['GET', '/auth/logout'],
    ])('%s %s returns 405 method_not_allowed with Allow', async (method, path) => {
      const res = await api.request(method, path);
      expectError(res, 405, 'method_not_allowed');
      expect(res.headers.get('allow')).toBeTruthy();
    });
  });
});
