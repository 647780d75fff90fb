// The errors a new user meets first (a port in use, a wrong DATABASE_URL, a weak JWT_KEYS, a typo
// in bench arguments) are one line that says what to do: no stack trace, a non-zero exit code.
// Real commands, as `npm run dev`, `npm run start:*` and `npm run bench` run them.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/postgres';
import { weakSecretReason } from '../../servers/core/config';
import { newDatabase } from '../support/harness';
import { runToEnd, STACK_FRAME } from './command';

jest.setTimeout(120_000);

const KEY = `k1:${randomBytes(32).toString('base64url')}`;
const GENERATOR = `node -e "console.log('k1:'+require('crypto').randomBytes(32).toString('base64url'))"`;

let held: Server;
let port: number;
beforeAll(async () => {
  held = createServer();
  await new Promise<void>((res) => held.listen(0, '127.0.0.1', res));
  port = (held.address() as { port: number }).port;
});
afterAll(() => new Promise((res) => held.close(res)));

/** Exactly one non-empty line of output on stderr, and no stack frame anywhere. */
function oneLine(r: { stdout: string; stderr: string }): string {
  expect(r.stdout + r.stderr).not.toMatch(STACK_FRAME);
  const lines = r.stderr.split('\n').filter(Boolean);
  expect(lines).toHaveLength(1);
  return lines[0];
}

describe('a port in use', () => {
  it.each([
    ['SESSION_PORT', 'JWT_PORT'],
    ['JWT_PORT', 'SESSION_PORT'],
  ])('npm run dev names %s, before starting Postgres', async (taken, other) => {
    const tmp = mkdtempSync(join(tmpdir(), 'svt-port-'));
    try {
      const r = await runToEnd('scripts/dev.ts', [], { [taken]: String(port), [other]: '0', TMPDIR: tmp });
      expect(r.code).not.toBe(0);
      expect(oneLine(r)).toMatch(new RegExp(`port ${port} is already in use.*set ${taken}`));
      expect(readdirSync(tmp).filter((n) => !n.startsWith('tsx-'))).toEqual([]); // no Postgres was started
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it.each(['session', 'jwt'])('npm run start:%s names PORT', async (strategy) => {
    const r = await runToEnd(`servers/${strategy}/main.ts`, [], { DATABASE_URL: await newDatabase(), PORT: String(port), JWT_KEYS: KEY, SCRYPT_LOG_N: '10' });
    expect(r.code).toBe(1);
    expect(oneLine(r)).toMatch(new RegExp(`port ${port} .*already in use.*set PORT`));
  });
});

describe('configuration errors say what to do', () => {
  it('a malformed DATABASE_URL (localhost:5432) is refused, showing the expected form', async () => {
    const r = await runToEnd('servers/session/main.ts', [], { DATABASE_URL: 'localhost:5432', PORT: '0' });
    expect(r.code).toBe(2);
    expect(oneLine(r)).toMatch(/DATABASE_URL.*postgres:\/\/user:password@host:5432\/database/);
  });

  it('a database that is not there names DATABASE_URL', async () => {
    const r = await runToEnd('servers/session/main.ts', [], { DATABASE_URL: `postgres://u:p@127.0.0.1:${await freePort()}/db`, PORT: '0' });
    expect(r.code).toBe(1);
    expect(oneLine(r)).toMatch(/cannot use the database at DATABASE_URL.*ECONNREFUSED/);
  });

  it.each([
    ['an all-zero key', `k1:${Buffer.alloc(32).toString('base64url')}`],
    ['a passphrase', 'k1:correct-horse-battery-staple-correct-horse'],
    ['standard base64 with padding', `k1:${Buffer.from('+/+/'.repeat(8) + randomBytes(16).toString('hex')).toString('base64')}`],
    ['a short key', `k1:${randomBytes(16).toString('base64url')}`],
  ])('JWT_KEYS: %s is refused with a command that makes a good key', async (_what, keys) => {
    const r = await runToEnd('servers/jwt/main.ts', [], { DATABASE_URL: 'postgres://u:p@127.0.0.1:1/db', PORT: '0', JWT_KEYS: keys });
    expect(r.code).toBe(2);
    expect(oneLine(r)).toContain(GENERATOR);
  });

  it('the JWT_KEYS heuristic accepts random keys (2000 of 2000)', () => {
    const refused = Array.from({ length: 2000 }, () => randomBytes(32).toString('base64url')).filter((k) => weakSecretReason(k) !== null);
    expect(refused).toEqual([]);
  });
});

describe('npm run bench arguments', () => {
  it('--help lists every option, the profiles with their durations, the workloads and the variants', async () => {
    const r = await runToEnd('bench/run.ts', ['--help']);
    expect(r.code).toBe(0);
    for (const option of ['--profile', '--only', '--variants', '--out', '--help']) expect(r.stdout).toContain(option);
    for (const profile of ['smoke', 'default', 'full']) expect(r.stdout).toMatch(new RegExp(`^  ${profile} +~\\d+ (s|min) `, 'm'));
    for (const name of ['journey', 'login', 'scaling', 'revocation', 'outage', 'session-cached', 'jwt-denylist', 'jwt-push']) expect(r.stdout).toContain(name);
  });

  it.each([
    [['--profile', 'nope'], /--profile: unknown "nope" \(one of smoke, default, full\)/],
    [['--bogus'], /unknown argument "--bogus"/],
    [['--only', 'nope'], /--only: unknown "nope"/],
    [['--variants', 'nope'], /--variants: unknown "nope"/],
    [['--only'], /--only needs a value/],
  ])('%j prints one line and exits 2', async (args, message) => {
    const r = await runToEnd('bench/run.ts', args);
    expect(r.code).toBe(2);
    expect(oneLine(r)).toMatch(message);
  });
});
