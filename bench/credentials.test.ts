import { codecFor, credentialBytes, setCookiesOf } from './credentials';

describe('session codec', () => {
  const session = codecFor('session');

  it('takes the session cookie from Set-Cookie', () => {
    const c = session.fromLogin({ status: 200, body: '{}', setCookies: ['sid=abc; Path=/; Max-Age=43200; HttpOnly; SameSite=Lax'] });
    expect(c).toEqual({ header: 'cookie', value: 'sid=abc' });
  });

  it('ignores cookie deletions and failed logins', () => {
    expect(session.fromLogin({ status: 200, body: '{}', setCookies: ['sid=; Path=/; Max-Age=0'] })).toBeNull();
    expect(session.fromLogin({ status: 401, body: '{}', setCookies: ['sid=abc'] })).toBeNull();
  });
});

describe('jwt codec', () => {
  const jwt = codecFor('jwt');

  it('takes the access token from the body as a bearer credential', () => {
    const c = jwt.fromLogin({ status: 200, body: JSON.stringify({ accessToken: 'a.b.c' }), setCookies: ['rt=x; Path=/auth/refresh'] });
    expect(c).toEqual({ header: 'authorization', value: 'Bearer a.b.c' });
  });

  it('gives nothing for a body without a token', () => {
    expect(jwt.fromLogin({ status: 200, body: 'not json', setCookies: [] })).toBeNull();
  });
});

describe('credentialBytes', () => {
  it('counts the whole header line', () => {
    expect(credentialBytes({ header: 'cookie', value: 'sid=abc' })).toBe('cookie: sid=abc\r\n'.length);
  });
});

describe('setCookiesOf', () => {
  it('reads autocannon headers in the server case, single or repeated', () => {
    expect(setCookiesOf({ 'Set-Cookie': 'a=1' })).toEqual(['a=1']);
    expect(setCookiesOf({ 'set-cookie': ['a=1', 'b=2'] })).toEqual(['a=1', 'b=2']);
    expect(setCookiesOf(undefined)).toEqual([]);
  });
});
