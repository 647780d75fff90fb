import { type Workload, withCredential } from './types';

/** Authentication plus one application read (every bench user starts with 3 cart lines). */
export const cartReadWorkload: Workload = {
  name: 'cart-read',
  summary: 'GET /cart: authentication + one cart query (3 lines per cart)',
  userPool: 'steady',
  needsCredential: true,
  connections: (p) => p.connections,
  requestsPerLoop: 1,
  expected: [200],
  requests: (c) => [{ method: 'GET', path: '/cart', headers: withCredential(c) }],
};
