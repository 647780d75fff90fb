// Users: the only SQL on the users table. Ids travel as strings (bigint in Postgres). Names are
// looked up by their canonical form only (username.ts), never by Postgres' locale-dependent lower().
import type { Queryable } from '../db/db';
import { canonicalUsername } from './username';

export interface User {
  id: string;
  username: string;
  role: 'user' | 'admin';
  createdAt: string;
  disabled: boolean;
}

export interface UserWithHash extends User {
  passwordHash: string;
  credentialsValidAfter: Date;
}

interface UserRow {
  id: string;
  username: string;
  role: 'user' | 'admin';
  created_at: Date;
  disabled_at: Date | null;
  password_hash: string;
  credentials_valid_after: Date;
}

const COLUMNS = 'id::text AS id, username, role, created_at, disabled_at, password_hash, credentials_valid_after';

function toUser(r: UserRow): UserWithHash {
  return {
    id: r.id,
    username: r.username,
    role: r.role,
    createdAt: r.created_at.toISOString(),
    disabled: r.disabled_at !== null,
    passwordHash: r.password_hash,
    credentialsValidAfter: r.credentials_valid_after,
  };
}

/** The public view of a user (what responses carry): never the hash. */
export function publicUser(u: User): User {
  return { id: u.id, username: u.username, role: u.role, createdAt: u.createdAt, disabled: u.disabled };
}

// Built once: a named statement's text is compared with the prepared one on every execution
// (a pointer check for the same string; session-store.ts says more).
const CREATE_SQL = `INSERT INTO users (username, password_hash, role) VALUES ($1, $2, $3)
               ON CONFLICT (username_key) DO NOTHING RETURNING ${COLUMNS}`;
const BY_NAME_SQL = `SELECT ${COLUMNS} FROM users WHERE username_key = $1`;
const BY_ID_SQL = `SELECT ${COLUMNS} FROM users WHERE id = $1`;

export function createUserStore(db: Queryable) {
  return {
    /** null when the username (in its canonical form) is taken. */
    async create(username: string, passwordHash: string, role: 'user' | 'admin' = 'user'): Promise<User | null> {
      const r = await db.query<UserRow>({
        name: 'user_create',
        text: CREATE_SQL,
        values: [username, passwordHash, role],
      });
      return r.rows[0] ? publicUser(toUser(r.rows[0])) : null;
    },

    /** Whether the name is taken: registration answers 409 before it spends a hash on a taken name. */
    async exists(username: string): Promise<boolean> {
      const r = await db.query({ name: 'user_exists', text: 'SELECT 1 FROM users WHERE username_key = $1', values: [canonicalUsername(username)] });
      return r.rowCount > 0;
    },

    async findByUsername(username: string): Promise<UserWithHash | null> {
      const r = await db.query<UserRow>({
        name: 'user_by_name',
        text: BY_NAME_SQL,
        values: [canonicalUsername(username)],
      });
      return r.rows[0] ? toUser(r.rows[0]) : null;
    },

    async findById(id: string): Promise<UserWithHash | null> {
      const r = await db.query<UserRow>({ name: 'user_by_id', text: BY_ID_SQL, values: [id] });
      return r.rows[0] ? toUser(r.rows[0]) : null;
    },

    /**
     * Sets a new hash and moves the cutoff (credentials issued before now are no longer valid), only
     * if the stored hash is still `expectedHash`, the one the current password was verified against:
     * a compare-and-set, so of concurrent changes made with the same current password exactly one
     * wins (issue 8). false: the password changed meanwhile (or the user is gone).
     */
    async setPassword(id: string, passwordHash: string, expectedHash: string): Promise<boolean> {
      const r = await db.query({
        name: 'user_set_password',
        text: 'UPDATE users SET password_hash = $2, credentials_valid_after = now() WHERE id = $1 AND password_hash = $3',
        values: [id, passwordHash, expectedHash],
      });
      return r.rowCount > 0;
    },

    /** Logout-all: credentials issued before now are no longer valid (the per-user cutoff). */
    async revokeCredentials(id: string): Promise<void> {
      await db.query({ name: 'user_cutoff', text: 'UPDATE users SET credentials_valid_after = now() WHERE id = $1', values: [id] });
    },

    /** false when there is no such user. */
    async disable(id: string): Promise<boolean> {
      const r = await db.query({
        name: 'user_disable',
        text: 'UPDATE users SET disabled_at = coalesce(disabled_at, now()), credentials_valid_after = now() WHERE id = $1',
        values: [id],
      });
      return r.rowCount > 0;
    },
  };
}

export type UserStore = ReturnType<typeof createUserStore>;
