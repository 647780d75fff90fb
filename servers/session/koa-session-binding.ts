// koa-session 7 (PRODUCT.md: "koa-session with our own Postgres store"), configured so that it
// meets SECURITY.md. koa-session keeps the session lifecycle: generating ids (genid), regenerate()
// on login, removal on logout. We supply the id generator, the store adapter and the cookie I/O
// (externalKey), and decide WHEN it runs:
//
// - Not mounted as a middleware. With a store, its middleware loads the session before next() on
//   every request that carries a cookie, so GET /products would pay a database round trip. Here it
//   runs only when a session is issued or ended.
// - The read on every authenticated request (load) does not go through it: our cookie reader, the
//   hash and the store's one primary-key read are all it needs, and koa-session's per-request
//   objects (a ContextSession, a Session, a CRC of its JSON to detect changes we never make) were
//   CPU for nothing on the hot path (ISSUE 11). When a later rotate()/end() in the same request runs
//   koa-session, its store.get reuses what load() found instead of reading the row again.
// - autoCommit off: nothing is written in a `finally` after a route failed; every write is explicit
//   (regenerate() on issue, commit of `ctx.session = null` on logout).
// - Session data is never re-saved: the store adapter's set() only creates sessions (issue). A
//   normal request is one SELECT and zero writes; extending the idle expiry is store.touch(),
//   at most once per touch interval (session-auth.ts), never koa-session's rolling/renew re-save.
import type { Context, Middleware } from 'koa';
import { type CreateSessionOptions, createSession } from 'koa-session';
import { apiError } from '../core/http/errors';
import { readSessionCookie, sessionCookieName, writeSessionCookie, clearSessionCookie } from './session-cookie';
import { hashSessionId, newPublicId, newSessionId } from './session-id';
import type { ActiveSession, SessionStore } from './session-store';

/** koa-session does not type ctx.session nor export its Session class: the part we use. */
interface KoaSession {
  uid?: string;
  regenerate(): Promise<void>;
  manuallyCommit(): Promise<void>;
}
interface KoaSessionContext {
  session: KoaSession | null;
  sessionOptions: { key: string };
}
const koa = (ctx: Context) => ctx as unknown as KoaSessionContext;

/** What this request's session is, as far as we know. */
interface RequestState {
  /** load() has read the cookie's session (or found none). */
  loaded: boolean;
  /** koa-session has initialised ctx.session (rotate/end only). */
  lifecycle: boolean;
  /** The id (cookie value) of the live session loaded or created in this request. */
  key?: string;
  idHash?: Buffer;
  active?: ActiveSession;
  /** Set by issue() for the duration of regenerate(): who the store adapter's set() creates it for. */
  issuing?: { userId: string; role: 'user' | 'admin'; userAgent: string | null };
}

export interface LoadedSession {
  idHash: Buffer;
  active: ActiveSession;
}

export interface SessionBinding {
  /** The live session of the cookie this request carries (one SELECT, once per request), or null. */
  load(ctx: Context): Promise<LoadedSession | null>;
  /** A brand-new id for this user; the session loaded from the request's cookie (if any) is destroyed. */
  rotate(ctx: Context, user: { id: string; role: 'user' | 'admin' }, userAgent: string | null): Promise<ActiveSession>;
  /** Deletes the request's session and clears the cookie. The public id destroyed, or null if none was live. */
  end(ctx: Context): Promise<string | null>;
}

const noop = async () => {};
const STATE = Symbol('session binding state');

export function bindKoaSession(store: SessionStore, absoluteTimeoutMs: number): SessionBinding {
  // On the request's own state object (a symbol key: invisible to routes and to JSON): a WeakMap
  // keyed by the context cost ~1 µs per request in inserts and GC bookkeeping.
  const stateOf = (ctx: Context): RequestState => {
    const bag = ctx.state as Record<symbol, RequestState | undefined>;
    let st = bag[STATE];
    if (st === undefined) {
      st = { loaded: false, lifecycle: false };
      bag[STATE] = st;
    }
    return st;
  };
  // SECURITY.md: Max-Age no longer than the absolute timeout. The cookie is never re-sent (no
  // rolling), so it simply outlives an idle-expired session, which the server rejects anyway.
  const cookieMaxAgeSeconds = Math.floor(absoluteTimeoutMs / 1000);

  const storeAdapter: NonNullable<CreateSessionOptions['store']> = {
    // koa-session calls this only with what externalKey.get returned: a well-formed id.
    async get(key, _maxAge, { ctx }) {
      const st = stateOf(ctx);
      if (st.loaded && st.key === key && st.idHash && st.active) return { uid: st.active.userId }; // load() read it
      const idHash = hashSessionId(key);
      const active = await store.find(idHash);
      // undefined -> koa-session starts a new session under a NEW genid(): an id we did not issue
      // (or no longer hold) is never adopted (strict mode, SECURITY.md; fixation-proof).
      if (!active) return undefined;
      Object.assign(st, { key, idHash, active });
      // The record stays in our typed state; koa-session sees only the user id. No `_expire`: the
      // store enforces expiry on the database's clock, and a second check against this process's
      // clock could disagree with it (koa-session would then drop a session the store accepted).
      return { uid: active.userId };
    },
    async set(key, _data, _maxAge, { ctx }) {
      const st = stateOf(ctx);
      // Sessions carry no application data (the cart is a table keyed by user): the only save is the
      // creation in rotate(). A route writing ctx.session is a bug; refuse rather than persist it.
      if (!st.issuing) throw new Error('session data is read-only: store application data in tables keyed by user');
      const idHash = hashSessionId(key);
      const active = await store.create({ idHash, publicId: newPublicId(), ...st.issuing });
      // Disabled between the password check and now: no session (the caller answers 401).
      if (!active) throw apiError('unauthorized');
      Object.assign(st, { key, idHash, active });
    },
    async destroy(key, { ctx }) {
      const st = stateOf(ctx);
      // koa-session also "destroys" the fresh, never-stored id it generated for a request that had no
      // live session: skip that pointless DELETE (login without a prior session stays one INSERT).
      if (st.key !== key || !st.idHash) return;
      await store.destroy(st.idHash);
      Object.assign(st, { key: undefined, idHash: undefined, active: undefined });
    },
  };

  const options = (): CreateSessionOptions => ({
    // Only used by koa-session's own cookie clearing in remove(); set per request (see below).
    key: 'sid',
    maxAge: absoluteTimeoutMs,
    autoCommit: false,
    rolling: false, // true = store.set + Set-Cookie on EVERY request: a write per request
    renew: false, // same, whenever less than maxAge/2 is left
    // Not signed: the id is itself a 256-bit secret, nobody can guess a valid one, so an HMAC adds
    // nothing but a second cookie (`sid.sig`) and app.keys to manage. (With externalKey koa-session
    // would not sign anyway.)
    signed: false,
    httpOnly: true,
    sameSite: 'lax',
    // The default is randomUUID() (122 random bits, not enough for ASVS 5.0 7.2.3): see session-id.ts.
    genid: () => newSessionId(),
    // Our cookie I/O: the name depends on the request (sid / __Host-sid), duplicates and malformed
    // values are refused, and the header carries Max-Age (session-cookie.ts). '' = no session.
    externalKey: {
      get: (ctx: Context) => readSessionCookie(ctx) ?? '',
      set: (ctx: Context, key: string) => writeSessionCookie(ctx, key, cookieMaxAgeSeconds),
    },
    store: storeAdapter,
  });

  // createSession() needs the Koa app (it extends app.context), which a strategy factory does not
  // get: bind on first use, once per app. It mutates the options object, hence a fresh one each.
  const middlewares = new WeakMap<object, Middleware>();
  const middlewareFor = (ctx: Context) => {
    let mw = middlewares.get(ctx.app);
    if (!mw) {
      mw = createSession(options(), ctx.app) as Middleware;
      middlewares.set(ctx.app, mw);
    }
    return mw;
  };

  // rotate() and end(): koa-session's middleware with nothing downstream. It reads the cookie
  // (externalKey.get) and the store, then returns (autoCommit is off, so nothing is written).
  const startLifecycle = async (ctx: Context) => {
    const st = stateOf(ctx);
    if (!st.lifecycle) {
      st.lifecycle = true;
      await middlewareFor(ctx)(ctx, noop);
    }
    return st;
  };

  return {
    async load(ctx) {
      const st = stateOf(ctx);
      if (!st.loaded) {
        st.loaded = true;
        const key = readSessionCookie(ctx);
        if (key !== null) {
          const idHash = hashSessionId(key);
          const active = await store.find(idHash);
          if (active) Object.assign(st, { key, idHash, active });
        }
      }
      return st.active && st.idHash ? { idHash: st.idHash, active: st.active } : null;
    },

    async rotate(ctx, user, userAgent) {
      // Load first, so that regenerate() destroys the session of the cookie sent, if it is live:
      // after a login or password change the old id is dead (ASVS 5.0 7.2.4).
      const st = await startLifecycle(ctx);
      const session = koa(ctx).session as KoaSession; // after loading: the loaded one or a new one
      session.uid = user.id;
      st.issuing = { userId: user.id, role: user.role, userAgent };
      koa(ctx).sessionOptions.key = sessionCookieName(ctx);
      try {
        // Destroys the old id (store.destroy), draws a new one (genid), saves it (store.set: one
        // INSERT) and sets the cookie (externalKey.set). Never `ctx.session = {...}`: that keeps the
        // old id (koa-session reuses externalKey), which is exactly session fixation.
        await session.regenerate();
      } finally {
        st.issuing = undefined;
      }
      if (!st.active) throw new Error('koa-session did not save the new session');
      return st.active;
    },

    async end(ctx) {
      const st = await startLifecycle(ctx);
      const publicId = st.active?.publicId ?? null;
      const session = koa(ctx).session;
      koa(ctx).sessionOptions.key = sessionCookieName(ctx);
      koa(ctx).session = null;
      // Commits the removal: store.destroy (the row is deleted: replaying the cookie gives 401) and
      // koa-session's own cookie clearing, replaced below by one with Max-Age=0.
      await session?.manuallyCommit();
      clearSessionCookie(ctx);
      return publicId;
    },
  };
}
