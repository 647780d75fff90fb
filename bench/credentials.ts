// How a client carries a credential, per strategy: the only place the harness knows that the session
// server answers a login with a cookie and the jwt server with a bearer token in the body.
import type { Strategy } from './variants';

/** The request header that carries a credential, as it goes on the wire. */
export interface Credential {
  header: 'cookie' | 'authorization';
  value: string;
}

/** A login response, reduced to what codecs read (from fetch or from an autocannon callback). */
export interface LoginResponse {
  status: number;
  setCookies: string[];
  body: string;
}

export interface CredentialCodec {
  /** The credential a login response grants, or null when it grants none. */
  fromLogin(res: LoginResponse): Credential | null;
}

const CODECS: Record<Strategy, CredentialCodec> = {
  // The session id travels in the Set-Cookie of the login response; a cookie with Max-Age=0 or an
  // empty value is a deletion, not a credential.
  session: {
    fromLogin(res) {
      if (res.status !== 200) return null;
      const pairs = res.setCookies
        .filter((c) => !/;\s*max-age=0(\s*;|$)/i.test(c))
        .map((c) => c.split(';')[0].trim())
        .filter((pair) => pair.indexOf('=') > 0 && pair.indexOf('=') < pair.length - 1);
      return pairs.length > 0 ? { header: 'cookie', value: pairs.join('; ') } : null;
    },
  },
  // The access token is in the body; the refresh cookie is not needed for runs shorter than the
  // access token lifetime (the bench sets ACCESS_TOKEN_TTL_SECONDS above the longest run).
  jwt: {
    fromLogin(res) {
      if (res.status !== 200) return null;
      try {
        const token = (JSON.parse(res.body) as { accessToken?: unknown }).accessToken;
        return typeof token === 'string' && token.length > 0 ? { header: 'authorization', value: `Bearer ${token}` } : null;
      } catch {
        return null;
      }
    },
  },
};

export function codecFor(strategy: Strategy): CredentialCodec {
  return CODECS[strategy];
}

/** Bytes the credential adds to every request: the whole header line, `Name: value\r\n`. */
export function credentialBytes(c: Credential): number {
  return Buffer.byteLength(`${c.header}: ${c.value}\r\n`);
}

/** Set-Cookie values from the headers autocannon hands to onResponse (server case, string or array). */
export function setCookiesOf(headers: Record<string, unknown> | undefined): string[] {
  if (!headers) return [];
  const out: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() !== 'set-cookie') continue;
    if (Array.isArray(value)) out.push(...value.map(String));
    else if (value !== undefined) out.push(String(value));
  }
  return out;
}

export interface BenchUser {
  username: string;
  password: string;
}

/** Logs a user in through the API (one scrypt on the server) and returns its credential. */
export async function login(baseUrl: string, strategy: Strategy, user: BenchUser, onCookies?: (names: string[]) => void): Promise<Credential> {
  let res: Response;
  let body: string;
  // Setup, not measurement: a 503 (pool wait timed out on a busy machine) or 429 is retried.
  for (let attempt = 1; ; attempt++) {
    res = await fetch(`${baseUrl}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(user),
    });
    body = await res.text();
    if (!(res.status === 503 || res.status === 429) || attempt === 5) break;
    await new Promise((r) => setTimeout(r, 500 * attempt));
  }
  const setCookies = res.headers.getSetCookie();
  onCookies?.(setCookies.map((c) => c.split('=')[0].trim()));
  const credential = codecFor(strategy).fromLogin({ status: res.status, setCookies, body });
  if (!credential) throw new Error(`login of ${user.username} at ${baseUrl} gave no ${strategy} credential: ${res.status} ${body.slice(0, 200)}`);
  return credential;
}

/** GET /auth/me with a credential: the status (200 expected before a run). */
export async function probe(baseUrl: string, credential: Credential): Promise<{ status: number; body: string }> {
  const res = await fetch(`${baseUrl}/auth/me`, { headers: { [credential.header]: credential.value } });
  return { status: res.status, body: await res.text() };
}
