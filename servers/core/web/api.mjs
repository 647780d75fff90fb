// Every request the page makes goes through request(): it attaches what it is told to attach, reads
// the X-Instance-Id response header (which instance answered) and X-Load-Balancer (which balancer,
// if any, passed the request on: the page's set-up), and reports the request to the list.

const listeners = [];

/** fn(entry) after every request: { at, method, path, credential, status, instance, ms, tag } */
export function onRequest(fn) {
  listeners.push(fn);
}

/**
 * @param {string} method
 * @param {string} path same origin only: the load balancer spreads these over the instances
 * @param {{ body?: unknown, bearer?: string | null, credential?: string, tag?: string }} options
 *   bearer: an access token for `Authorization: Bearer` (jwt server). Cookies are never touched
 *   here: the browser attaches them itself (`credentials: 'same-origin'`), and the session and
 *   refresh cookies are HttpOnly, so this code could not read them even if it tried.
 *   credential: what the request list shows in its "credential sent" column.
 */
export async function request(method, path, { body, bearer, credential, tag } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  const entry = { at: new Date(), method, path, credential: credential ?? (bearer ? 'Bearer token' : 'none'), tag };
  const started = performance.now();
  try {
    const res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
    const text = await res.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    Object.assign(entry, { status: res.status, instance: res.headers.get('X-Instance-Id'), ms: performance.now() - started });
    for (const fn of listeners) fn(entry);
    const balancer = res.headers.get('X-Load-Balancer');
    return { status: res.status, ok: res.ok, data, instance: entry.instance, balancer, error: data?.error ?? null };
  } catch {
    Object.assign(entry, { status: 0, instance: null, ms: performance.now() - started });
    for (const fn of listeners) fn(entry);
    return {
      status: 0,
      ok: false,
      data: null,
      instance: null,
      balancer: null,
      error: { code: 'network', message: 'No answer from the server (is it running?).' },
    };
  }
}
