import type { Workload } from './types';

/** The same-server baseline: no credential, no database (the catalog is held in memory). */
export const publicWorkload: Workload = {
  name: 'public',
  summary: 'GET /products: no credential, no database; the baseline every auth cost is a ratio against',
  userPool: 'steady',
  needsCredential: false,
  connections: (p) => p.connections,
  requestsPerLoop: 1,
  expected: [200],
  requests: () => [{ method: 'GET', path: '/products' }],
};
