// The seam: what a strategy (session or jwt) implements. The shared routes are written against
// this interface only, so every measured difference between the twins comes from behind it.
import type { Context, Middleware } from 'koa';
import type { Config } from './config';
import type { Db } from './db/db';
import type { Logger } from './log';
import type { User, UserStore } from './users/user-store';

export type StrategyName = 'session' | 'jwt';

/** What the credential presented with this request says about itself (GET /auth/me). */
export interface CredentialInfo {
  strategy: StrategyName;
  variant: string;
  /** Public id of the session or refresh family the credential belongs to (never the secret). */
  sessionId: string;
  issuedAt: string; // ISO 8601
  expiresAt: string; // ISO 8601: when this credential stops working by itself
  [extra: string]: unknown;
}

/** An authenticated caller. Only what a stateless token can carry: no DB read is needed for it. */
export interface Principal {
  userId: string;
  role: 'user' | 'admin';
  credential: CredentialInfo;
}

/** One entry of GET /auth/sessions: a session (session server) or a refresh family (jwt server). */
export interface SessionSummary {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  userAgent: string | null;
  current: boolean;
}

/** Body fields a strategy adds to the login / password-change response (jwt: accessToken...). */
export type IssuedCredential = Record<string, unknown>;

export interface AuthStrategy {
  readonly strategy: StrategyName;
  readonly variant: string;
  /** Value of `WWW-Authenticate` on a 401 (RFC 6750 for bearer tokens), or null for none. */
  challenge(ctx: Context): string | null;
  /** Middleware mounted before the routes (koa-session for the session server). */
  readonly middleware: Middleware[];
  /**
   * Who is calling? `null` when there is no valid credential (missing, malformed, forged, expired,
   * revoked). Never throws for anything a client can send; database faults may throw (-> 503).
   */
  authenticate(ctx: Context): Promise<Principal | null>;
  /** Start a new session / token family for `user` after a verified login, replacing any credential sent. */
  issue(ctx: Context, user: User): Promise<IssuedCredential>;
  /**
   * POST /auth/refresh (jwt only). The property is `null` when the strategy has no refresh (the
   * route then answers 404); the call returns `null` for a missing, invalid, expired or reused token (401).
   */
  readonly refresh: ((ctx: Context) => Promise<IssuedCredential | null>) | null;
  /** Revoke the credential of this request (its session / refresh family) and clear cookies. */
  logout(ctx: Context, principal: Principal): Promise<void>;
  /** Revoke every session / token of a user (logout-all, password change, admin disable). */
  revokeAllForUser(userId: string): Promise<void>;
  listSessions(principal: Principal): Promise<SessionSummary[]>;
  /** Revoke one of the caller's own sessions; false when no such session of this user exists. */
  revokeSession(principal: Principal, sessionId: string): Promise<boolean>;
  /** Release timers and connections the strategy holds (LISTEN clients, prune timers). */
  close(): Promise<void>;
}

/** What core hands a strategy factory. The strategy owns its own tables and SQL. */
export interface StrategyDeps {
  config: Config;
  db: Db;
  users: UserStore;
  log: Logger;
}

export type StrategyFactory = (deps: StrategyDeps) => Promise<AuthStrategy>;
