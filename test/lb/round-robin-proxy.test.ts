// `npm run demo` on a machine without nginx: the small Node proxy (deploy/round-robin-proxy.ts) must
// behave like the nginx configuration where it matters: round robin without sticky sessions, and
// forwarded headers set by the proxy, never taken from the client.
import { type Stack, startStack } from '../../deploy/local-stack';
import { newDatabase, PASSWORD, uniqueUsername } from '../support/harness';
import { cookiePairs, send } from './https-client';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ databaseUrl: await newDatabase(), instances: 2, balancer: 'node', env: { SCRYPT_LOG_N: '10' }, urlHost: '127.0.0.1' });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

describe('the Node round-robin proxy of npm run demo', () => {
  it('alternates between the instances, and a session created through one works through the other', async () => {
    const username = uniqueUsername('rr');
    expect((await send(`${stack.sessionUrl}/auth/register`, { method: 'POST', body: { username, password: PASSWORD } })).status).toBe(201);
    // A client claiming HTTPS through the proxy: the proxy says http, so no Secure/__Host- cookie.
    const login = await send(`${stack.sessionUrl}/auth/login`, {
      method: 'POST',
      body: { username, password: PASSWORD },
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(login.status).toBe(200);
    expect(login.setCookies.map((c) => c.split('=')[0])).toEqual(['sid']);
    const cookie = cookiePairs(login.setCookies);
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await send(`${stack.sessionUrl}/auth/me`, { headers: { cookie } }));
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(200));
    const ids = answers.map((a) => a.instance);
    expect(new Set(ids)).toEqual(new Set(['session-1', 'session-2']));
    expect(ids.every((id, i) => i === 0 || id !== ids[i - 1])).toBe(true);
  });

  it('serves the demo page and passes the same-origin POSTs of a browser', async () => {
    const page = await send(`${stack.jwtUrl}/`);
    expect(page.status).toBe(200);
    expect(String(page.headers['content-type'])).toContain('text/html');
    const own = await send(`${stack.jwtUrl}/auth/register`, {
      method: 'POST',
      body: { username: uniqueUsername('rr'), password: PASSWORD },
      headers: { origin: new URL(stack.jwtUrl).origin },
    });
    expect(own.status).toBe(201);
    const forged = await send(`${stack.jwtUrl}/auth/register`, {
      method: 'POST',
      body: { username: uniqueUsername('rr'), password: PASSWORD },
      headers: { origin: 'http://evil.example', 'x-forwarded-host': 'evil.example' },
    });
    expect(forged.status).toBe(403);
  });
});
