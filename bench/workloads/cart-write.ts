import type autocannon from 'autocannon';
import { JSON_HEADERS, type Workload, withCredential } from './types';

// A cart line holds at most 99; each connection adds 1 to every SKU in turn, 98 times round, then
// clears its cart once: 1 request in (8 x 98 + 1) is a DELETE /cart, and no add ever hits the limit
// however long the round. Each run starts with the clear, so carts left by an earlier run never matter.
const ADDS_PER_LINE = 98;

export const cartWriteWorkload: Workload = {
  name: 'cart-write',
  summary: `POST /cart/items {sku, qty: 1}, SKUs in turn; one DELETE /cart per ${ADDS_PER_LINE} rounds of the catalog`,
  userPool: 'steady',
  needsCredential: true,
  connections: (p) => p.connections,
  requestsPerLoop: 1,
  expected: [200],
  requests(c) {
    const headers = { ...withCredential(c), ...JSON_HEADERS };
    // One request object per SKU, reused through the sequence (autocannon prebuilds each buffer).
    const adds: autocannon.Request[] = c.skus.map((sku) => ({ method: 'POST', path: '/cart/items', headers, body: JSON.stringify({ sku, qty: 1 }) }));
    const offset = c.index % adds.length; // connections start on different lines
    const sequence: autocannon.Request[] = [{ method: 'DELETE', path: '/cart', headers: withCredential(c) }];
    for (let i = 0; i < ADDS_PER_LINE * adds.length; i++) sequence.push(adds[(offset + i) % adds.length]);
    return sequence;
  },
};
