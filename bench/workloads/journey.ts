import { setCookiesOf } from '../credentials';
import type autocannon from 'autocannon';
import { type ClientSetup, JSON_HEADERS, type Workload } from './types';

interface JourneyContext {
  auth?: Record<string, string>;
}

/**
 * The e-commerce example of the lesson, one loop per visit: log in, browse, read and change the cart,
 * log out. The login is the first request of the sequence because autocannon resets a connection's
 * context each time its sequence wraps around (LIBRARIES.md 4): every loop carries its own credential.
 */
export const journeyWorkload: Workload = {
  name: 'journey',
  summary: 'login, GET /products, 3x GET /cart, 2 adds, 1 set, 1 remove, logout (10 requests per journey)',
  userPool: 'journey',
  needsCredential: false,
  connections: (p) => p.journeyConnections,
  minRoundSeconds: 1,
  requestsPerLoop: 10,
  expected: [200, 204],
  requests(c: ClientSetup) {
    const [a, b] = [c.skus[c.index % c.skus.length], c.skus[(c.index + 1) % c.skus.length]];
    const authed = (method: autocannon.Request['method'], path: string, body?: unknown): autocannon.Request => ({
      method,
      path,
      headers: body === undefined ? {} : { ...JSON_HEADERS },
      body: body === undefined ? undefined : JSON.stringify(body),
      setupRequest: (req, ctx) => ({ ...req, headers: { ...req.headers, ...(ctx as JourneyContext).auth } }),
    });
    return [
      {
        method: 'POST',
        path: '/auth/login',
        headers: { ...JSON_HEADERS },
        body: JSON.stringify(c.user),
        onResponse: (status, body, ctx, headers) => {
          const credential = c.codec.fromLogin({ status, body, setCookies: setCookiesOf(headers as Record<string, unknown>) });
          (ctx as JourneyContext).auth = credential ? { [credential.header]: credential.value } : {};
        },
      },
      authed('GET', '/products'),
      authed('GET', '/cart'),
      authed('POST', '/cart/items', { sku: a, qty: 1 }),
      authed('POST', '/cart/items', { sku: b, qty: 1 }),
      authed('GET', '/cart'),
      // Puts line a back to 1 and removes b: carts stay small however many journeys run.
      authed('PUT', `/cart/items/${encodeURIComponent(a)}`, { qty: 1 }),
      authed('DELETE', `/cart/items/${encodeURIComponent(b)}`),
      authed('GET', '/cart'),
      authed('POST', '/auth/logout'),
    ];
  },
};
