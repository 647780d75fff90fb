// `npm run test:e2e`: the demo page in headless Chromium and the compose load balancer's nginx
// configuration, against real server processes. Needs Debian's `chromium` and `nginx-light` (and
// `docker-compose` to validate docker-compose.yml): .ci/run installs them; the suites fail, naming
// the package, when one is missing. Not part of `npm test`, which needs nothing but `npm ci`.
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/test/e2e', '<rootDir>/test/lb'],
  testPathIgnorePatterns: ['/node_modules/'],
  // Each file runs six server instances, nginx and maybe Chromium: one file at a time on 2 cores.
  maxWorkers: 1,
  testTimeout: 120_000,
};
