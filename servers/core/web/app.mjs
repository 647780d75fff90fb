// The demo page: state, the actions behind its buttons, and start-up. Rendering is in views.js.
// The page uses the public API only, exactly as any client of these servers would.
import { onRequest, request } from './api.mjs';
import { setupFrom } from './setup.mjs';
import { renderAll, renderCountdowns, renderRequests } from './views.mjs';

/** How many times Replay sends the credential: three rounds over three instances. */
export const REPLAY_REQUESTS = 9;
const LOG_LENGTH = 80;

export const state = {
  /** GET /healthz: { strategy: 'session' | 'jwt', variant, instance } */
  info: null,
  /** 'single' | 'node-proxy' | 'nginx' | 'balanced': what stands in front of the instances (setup.mjs). */
  setup: 'single',
  /** { id, role, username? } while the page believes it is logged in. */
  user: null,
  /** GET /auth/me `credential`: what the server says about the credential in use. */
  me: null,
  /**
   * jwt: the access token, in this page's memory only (gone on reload; the refresh cookie then gets
   * a new one). Not localStorage: anything stored there outlives the page and any script can read it.
   */
  accessToken: null,
  /** jwt: the last access token in use, kept after a logout so Replay can send it again. */
  oldToken: null,
  /** session: whether the browser should still hold the session cookie (the page cannot see it). */
  cookieHeld: false,
  /** What ended the credential last: 'logout' | 'logout-all' | 'revoked' | 'rejected' | null */
  event: null,
  eventAt: null,
  products: [],
  cart: null,
  sessions: null,
  replay: null,
  busy: false,
  message: null,
  log: [],
  instances: new Map(),
};

export const isJwt = () => state.info?.strategy === 'jwt';

function say(text, kind = 'info') {
  state.message = text ? { text, kind } : null;
}

function sayError(res, what) {
  say(`${what}: ${res.error?.message ?? `HTTP ${res.status}`}`, 'error');
}

/** What the request list shows as the credential a request carries. */
function credentialLabel() {
  if (isJwt()) return state.accessToken ? 'Bearer token' : 'none';
  return state.cookieHeld ? 'session cookie' : 'none';
}

/**
 * An API call with the current credential. jwt: an access token that has expired gets one silent
 * refresh (POST /auth/refresh with the HttpOnly refresh cookie) and the call is retried once.
 */
async function api(method, path, body) {
  let res = await request(method, path, { body, bearer: isJwt() ? state.accessToken : null, credential: credentialLabel() });
  if (res.status === 401 && isJwt() && state.accessToken && (await refreshToken())) {
    res = await request(method, path, { body, bearer: state.accessToken, credential: credentialLabel() });
  }
  if (res.status === 401 && state.user) {
    // Revoked elsewhere (another browser logged out everywhere, the session was revoked...).
    if (isJwt() && state.accessToken) state.oldToken = state.accessToken;
    state.accessToken = null;
    endSignedIn('rejected');
    say('The server no longer accepts your credential (revoked elsewhere, or expired). Log in again.', 'warn');
  }
  return res;
}

async function refreshToken() {
  const res = await request('POST', '/auth/refresh', { credential: 'refresh cookie' });
  if (res.ok) {
    state.accessToken = res.data.accessToken;
    return true;
  }
  if (state.accessToken) state.oldToken = state.accessToken;
  state.accessToken = null;
  return false;
}

function endSignedIn(event) {
  state.user = null;
  state.me = null;
  state.cart = null;
  state.sessions = null;
  state.event = event;
  state.eventAt = new Date();
}

async function loadSignedIn() {
  const me = await api('GET', '/auth/me');
  if (!me.ok) return;
  state.user = { ...state.user, ...me.data.user };
  state.me = me.data.credential;
  await loadCart();
  await loadSessions();
}

async function loadCart() {
  const res = await api('GET', '/cart');
  if (res.ok) state.cart = res.data;
}

async function loadSessions() {
  const res = await api('GET', '/auth/sessions');
  if (res.ok) state.sessions = res.data.sessions;
}

/** Runs an action with the buttons disabled, then re-renders everything. */
function action(fn) {
  return async (...args) => {
    if (state.busy) return;
    state.busy = true;
    renderAll(state, actions);
    try {
      await fn(...args);
    } finally {
      state.busy = false;
      renderAll(state, actions);
    }
  };
}

export const actions = {
  register: action(async (username, password) => {
    say(null);
    const res = await api('POST', '/auth/register', { username, password });
    if (res.status !== 201) return sayError(res, 'Registration failed');
    await logIn(username, password);
  }),

  login: action(async (username, password) => {
    say(null);
    await logIn(username, password);
  }),

  logout: action(async (everywhere) => {
    const res = await api('POST', everywhere ? '/auth/logout-all' : '/auth/logout');
    if (res.status !== 204) return sayError(res, 'Logout failed');
    if (isJwt()) {
      state.oldToken = state.accessToken;
      state.accessToken = null;
    } else {
      // The response deleted the cookie (Max-Age=0, Clear-Site-Data): the browser holds nothing now.
      state.cookieHeld = false;
    }
    endSignedIn(everywhere ? 'logout-all' : 'logout');
    say(everywhere ? 'Logged out everywhere: every session of this user is revoked.' : 'Logged out.', 'info');
  }),

  refresh: action(async () => {
    const had = state.accessToken;
    if (await refreshToken()) {
      say('New access token from the refresh token; the refresh token was rotated too (the old one is now dead).');
      state.oldToken = had;
      await loadSignedIn();
    } else {
      say('Refresh refused: the refresh token is missing, expired or revoked.', 'warn');
      endSignedIn('rejected');
    }
  }),

  addToCart: action(async (sku) => {
    const res = await api('POST', '/cart/items', { sku, qty: 1 });
    if (res.ok) state.cart = res.data;
    else if (state.user) sayError(res, 'Could not add');
  }),

  setQty: action(async (sku, qty) => {
    const res = await api('PUT', `/cart/items/${encodeURIComponent(sku)}`, { qty });
    if (res.ok) state.cart = res.data;
    else if (state.user) sayError(res, 'Could not change the quantity');
  }),

  clearCart: action(async () => {
    const res = await api('DELETE', '/cart');
    if (res.ok) state.cart = res.data;
  }),

  reloadSessions: action(async () => {
    await loadSessions();
  }),

  revokeSession: action(async (session) => {
    const res = await api('DELETE', `/auth/sessions/${encodeURIComponent(session.id)}`);
    if (res.status !== 204) return sayError(res, 'Could not revoke');
    if (!session.current) {
      say('Revoked. Whoever holds that session (another browser, a stolen copy) is logged out.');
      await loadSessions();
      return;
    }
    if (isJwt()) {
      // Only the refresh token family is revoked: the access token in memory is still valid.
      state.oldToken = state.accessToken;
      state.event = 'revoked';
      state.eventAt = new Date();
      say('You revoked the login this page uses: its refresh token is dead, but the access token it holds still works until it expires. Press Replay.', 'warn');
      await loadSessions();
    } else {
      // The server deleted the session; nothing told the browser, so it still holds the (dead) cookie.
      endSignedIn('revoked');
      say('You revoked this session on the server. Your browser still holds the cookie: press Replay to send it to every instance.', 'warn');
    }
  }),

  replay: action(async () => {
    const bearer = isJwt() ? (state.accessToken ?? state.oldToken) : null;
    if (isJwt() && !bearer) {
      say('No access token to replay yet: log in first.', 'warn');
      return;
    }
    let credential = state.cookieHeld ? 'session cookie' : 'none (deleted)';
    if (isJwt()) credential = !state.accessToken ? 'old Bearer token' : state.event === 'revoked' ? 'Bearer token (login revoked)' : 'Bearer token';
    const rows = new Map();
    for (let i = 0; i < REPLAY_REQUESTS; i++) {
      // Straight to request(): no silent refresh and no state change, just the credential as is.
      const res = await request('GET', '/auth/me', { bearer, credential, tag: 'replay' });
      const key = res.instance ?? '(no answer)';
      const row = rows.get(key) ?? { instance: res.instance, accepted: 0, rejected: 0, other: 0 };
      if (res.status === 200) row.accepted++;
      else if (res.status === 401) row.rejected++;
      else row.other++;
      rows.set(key, row);
    }
    const loginActive = isJwt() && [...rows.values()].some((r) => r.accepted > 0) ? await jwtLoginActive(bearer, credential) : null;
    state.replay = {
      rows: [...rows.values()],
      at: new Date(),
      event: state.event,
      eventAt: state.eventAt,
      token: bearer,
      cookieHeld: state.cookieHeld,
      credential,
      loginActive,
    };
    if (loginActive === false && state.user && !state.event) {
      say('Your login was revoked elsewhere (see Replay): the access token this page holds works until it expires, then you must log in again.', 'warn');
    }
  }),
};

/**
 * Whether the login (refresh token family) behind an access token is still active, asked as the
 * token itself: GET /auth/sessions lists the user's active logins and marks the token's own one
 * `current`. A login revoked in another browser (log out everywhere, Revoke) is missing from the
 * list while its access token is still accepted: that is how the page tells "revoked, still works"
 * from "simply valid". null: the server could not say (the token was refused meanwhile).
 */
async function jwtLoginActive(bearer, credential) {
  const res = await request('GET', '/auth/sessions', { bearer, credential, tag: 'check' });
  if (!res.ok) return null;
  if (state.user && bearer === state.accessToken) state.sessions = res.data.sessions;
  return res.data.sessions.some((s) => s.current);
}

async function logIn(username, password) {
  const res = await api('POST', '/auth/login', { username, password });
  if (!res.ok) return sayError(res, 'Login failed');
  state.user = { ...res.data.user };
  if (isJwt()) {
    state.accessToken = res.data.accessToken;
    state.oldToken = null;
  } else {
    state.cookieHeld = true;
  }
  state.event = null;
  state.eventAt = null;
  state.replay = null;
  await loadSignedIn();
}

onRequest((entry) => {
  state.log.unshift(entry);
  state.log.length = Math.min(state.log.length, LOG_LENGTH);
  if (entry.instance) state.instances.set(entry.instance, (state.instances.get(entry.instance) ?? 0) + 1);
  // No X-Load-Balancer header, yet a second instance answered: something balances without saying so.
  if (state.setup === 'single' && state.instances.size > 1) {
    state.setup = 'balanced';
    document.body.dataset.setup = state.setup;
  }
  renderRequests(state);
});

async function start() {
  state.busy = true;
  renderAll(state, actions);
  const health = await request('GET', '/healthz');
  if (!health.ok) {
    state.busy = false;
    say('Cannot reach the server.', 'error');
    renderAll(state, actions);
    return;
  }
  state.info = health.data;
  state.setup = setupFrom(health.balancer);
  document.body.dataset.setup = state.setup;
  document.body.dataset.strategy = state.info.strategy;
  renderAll(state, actions);
  const products = await request('GET', '/products');
  if (products.ok) state.products = products.data.products;
  // Still logged in from before a reload? session: the browser sends its cookie by itself.
  // jwt: the access token died with the old page; the HttpOnly refresh cookie can get a new one.
  if (isJwt()) {
    if (await refreshToken()) await loadSignedIn();
  } else {
    const me = await request('GET', '/auth/me', { credential: 'session cookie (if any)' });
    if (me.ok) {
      state.cookieHeld = true;
      await loadSignedIn();
    }
  }
  state.busy = false;
  renderAll(state, actions);
  document.body.dataset.ready = 'true';
  setInterval(() => renderCountdowns(), 1000);
}

start();
