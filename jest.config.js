// One embedded Postgres for the whole run (test/support/global-setup.ts); each test file makes its
// own databases and starts real server processes, and attacks them over HTTP.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/bench'],
  testMatch: ['**/*.test.ts'],
  // The browser and load-balancer suites need Debian's chromium and nginx: `npm run test:e2e`.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/e2e/', '<rootDir>/test/lb/'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  setupFiles: ['<rootDir>/test/support/fail-on-unhandled.ts'],
  testTimeout: 30_000,
  // Server processes and Postgres share 2 cores with jest: two test files at a time at most.
  maxWorkers: 2,
};
