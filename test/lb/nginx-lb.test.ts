// The load balancer configuration docker compose runs (deploy/nginx/lb.conf.template), run for real
// by a local nginx in front of three local instances of each server: round robin without sticky
// sessions, TLS terminated at the balancer with the servers trusting only its forwarded headers,
// plain HTTP redirected, and a credential issued through one instance working through the others.
import { Agent } from 'node:https';
import { type Stack, startStack } from '../../deploy/local-stack';
import { newDatabase, PASSWORD, uniqueUsername } from '../support/harness';
import { cookiePairs, send } from './https-client';

let stack: Stack;
let ca: string;
let agent: Agent;

beforeAll(async () => {
  stack = await startStack({ databaseUrl: await newDatabase(), instances: 3, balancer: 'nginx', env: { SCRYPT_LOG_N: '10' }, urlHost: '127.0.0.1' });
  ca = stack.nginx?.certificate as string;
  agent = new Agent({ keepAlive: true, ca });
}, 180_000);

afterAll(async () => {
  agent?.destroy();
  await stack?.stop();
});

const get = (url: string, headers: Record<string, string> = {}) => send(url, { ca, agent, headers });
const post = (url: string, body: unknown, headers: Record<string, string> = {}) => send(url, { method: 'POST', body, ca, agent, headers });

function tally(instances: (string | undefined)[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const i of instances) counts[String(i)] = (counts[String(i)] ?? 0) + 1;
  return counts;
}

async function signUp(base: string): Promise<{ username: string; login: Awaited<ReturnType<typeof post>> }> {
  const username = uniqueUsername('lb');
  expect((await post(`${base}/auth/register`, { username, password: PASSWORD })).status).toBe(201);
  const login = await post(`${base}/auth/login`, { username, password: PASSWORD });
  expect(login.status).toBe(200);
  return { username, login };
}

describe('round robin', () => {
  it.each([
    ['session', () => stack.sessionUrl, ['session-1', 'session-2', 'session-3']],
    ['jwt', () => stack.jwtUrl, ['jwt-1', 'jwt-2', 'jwt-3']],
  ])('spreads consecutive requests of one client over every %s instance in turn', async (_name, url, ids) => {
    const seen: (string | undefined)[] = [];
    for (let i = 0; i < 30; i++) seen.push((await get(`${url()}/healthz`)).instance);
    expect(Object.keys(tally(seen)).sort()).toEqual(ids);
    for (const count of Object.values(tally(seen))) expect(count).toBe(10);
    // Strict rotation, not just a spread: no instance answers twice in a row.
    expect(seen.every((id, i) => i === 0 || id !== seen[i - 1])).toBe(true);
  });
});

describe('session server behind the balancer', () => {
  it('issues __Host-sid; Secure; HttpOnly over the TLS it terminates, and HSTS', async () => {
    const { login } = await signUp(stack.sessionUrl);
    const cookie = login.setCookies.find((c) => c.startsWith('__Host-sid='));
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/; Path=\/;/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).not.toMatch(/Domain=/i);
    expect(login.headers['strict-transport-security']).toMatch(/max-age=\d+/);
  });

  it('a session created through one instance works through all the others (no sticky sessions)', async () => {
    const { login } = await signUp(stack.sessionUrl);
    const cookie = cookiePairs(login.setCookies);
    const answers = [];
    for (let i = 0; i < 9; i++) answers.push(await get(`${stack.sessionUrl}/auth/me`, { cookie }));
    expect(answers.map((a) => a.status)).toEqual(Array(9).fill(200));
    expect(Object.keys(tally(answers.map((a) => a.instance))).sort()).toEqual(['session-1', 'session-2', 'session-3']);
    expect(new Set(answers.map((a) => a.body.credential.sessionId)).size).toBe(1);

    // Logged out through one instance: dead on every instance at once.
    expect((await post(`${stack.sessionUrl}/auth/logout`, undefined, { cookie })).status).toBe(204);
    const after = [];
    for (let i = 0; i < 6; i++) after.push(await get(`${stack.sessionUrl}/auth/me`, { cookie }));
    expect(after.map((a) => a.status)).toEqual(Array(6).fill(401));
    expect(new Set(after.map((a) => a.instance)).size).toBe(3);
  });

  it('ignores a client claiming X-Forwarded-Proto: http (the balancer overwrites it)', async () => {
    const username = uniqueUsername('lb');
    await post(`${stack.sessionUrl}/auth/register`, { username, password: PASSWORD });
    const login = await post(`${stack.sessionUrl}/auth/login`, { username, password: PASSWORD }, { 'x-forwarded-proto': 'http' });
    expect(login.status).toBe(200);
    expect(login.setCookies.some((c) => c.startsWith('__Host-sid=') && /; Secure/.test(c))).toBe(true);
  });

  it('refuses a cross-site POST even when the client forges X-Forwarded-Host to match its Origin', async () => {
    const forged = await post(
      `${stack.sessionUrl}/auth/register`,
      { username: uniqueUsername('lb'), password: PASSWORD },
      { origin: 'https://evil.example', 'x-forwarded-host': 'evil.example' },
    );
    expect(forged.status).toBe(403);
    expect(forged.body.error.code).toBe('forbidden_origin');
    // The page's own origin (what a browser sends from https://127.0.0.1:<port>) passes.
    const own = await post(
      `${stack.sessionUrl}/auth/register`,
      { username: uniqueUsername('lb'), password: PASSWORD },
      { origin: new URL(stack.sessionUrl).origin },
    );
    expect(own.status).toBe(201);
  });
});

describe('jwt server behind the balancer', () => {
  it('a token issued through one instance is accepted by every instance; the refresh cookie is __Secure-rt', async () => {
    const { login } = await signUp(stack.jwtUrl);
    const refresh = login.setCookies.find((c) => c.startsWith('__Secure-rt='));
    expect(refresh).toMatch(/; Path=\/auth\/refresh; HttpOnly; SameSite=Strict; Secure/);
    const authorization = `Bearer ${login.body.accessToken}`;
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await get(`${stack.jwtUrl}/auth/me`, { authorization }));
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(200));
    expect(Object.keys(tally(answers.map((a) => a.instance))).sort()).toEqual(['jwt-1', 'jwt-2', 'jwt-3']);

    // The refresh cookie rotates through any instance too.
    const refreshed = await post(`${stack.jwtUrl}/auth/refresh`, undefined, { cookie: cookiePairs(login.setCookies) });
    expect(refreshed.status).toBe(200);
    expect(typeof refreshed.body.accessToken).toBe('string');
  });
});

describe('plain HTTP', () => {
  it.each([
    ['session', () => [stack.sessionHttpUrl, stack.sessionUrl]],
    ['jwt', () => [stack.jwtHttpUrl, stack.jwtUrl]],
  ])('redirects every %s request to HTTPS, path and query kept, without reaching an instance', async (_name, urls) => {
    const [http, https] = urls() as [string, string];
    const res = await send(`${http}/cart?x=1`);
    expect(res.status).toBe(301);
    expect(res.headers.location).toBe(`${https}/cart?x=1`);
    expect(res.instance).toBeUndefined();
    expect(res.headers.server).toBe('nginx'); // and no version (server_tokens off)
  });
});

describe('a stopped instance', () => {
  it('is skipped: requests keep succeeding on the other two', async () => {
    const { login } = await signUp(stack.sessionUrl);
    const cookie = cookiePairs(login.setCookies);
    await stack.session[2].stop();
    const answers = [];
    for (let i = 0; i < 9; i++) answers.push(await get(`${stack.sessionUrl}/auth/me`, { cookie }));
    expect(answers.map((a) => a.status)).toEqual(Array(9).fill(200));
    expect(Object.keys(tally(answers.map((a) => a.instance))).sort()).toEqual(['session-1', 'session-2']);
  });
});
