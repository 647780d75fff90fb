import { JSON_HEADERS, type Workload } from './types';

/** Password hashing dominates (scrypt N=2^14, ~37 ms of CPU): reported as its own row, never hidden. */
export const loginWorkload: Workload = {
  name: 'login',
  summary: 'POST /auth/login: throttle check, user lookup, scrypt verify, issue a session / token family',
  userPool: 'login',
  needsCredential: false,
  connections: (p) => p.loginConnections,
  minRoundSeconds: 1,
  requestsPerLoop: 1,
  expected: [200],
  requests: (c) => [{ method: 'POST', path: '/auth/login', headers: { ...JSON_HEADERS }, body: JSON.stringify(c.user) }],
};
