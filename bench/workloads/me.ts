import { type Workload, withCredential } from './types';

/** Pure authentication cost: the route answers from the principal alone. */
export const meWorkload: Workload = {
  name: 'me',
  summary: 'GET /auth/me: authentication only (the route reads nothing but the principal)',
  userPool: 'steady',
  needsCredential: true,
  connections: (p) => p.connections,
  requestsPerLoop: 1,
  expected: [200],
  requests: (c) => [{ method: 'GET', path: '/auth/me', headers: withCredential(c) }],
};
