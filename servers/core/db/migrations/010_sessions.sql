-- Server-side sessions (session server). The session id itself is never stored: only its SHA-256,
-- so a leaked table or backup yields no live session (SECURITY.md "Stored hashed").

CREATE TABLE sessions (
  -- SHA-256 of the 256-bit id from the cookie: the primary key is the hot-path lookup.
  id_hash             bytea PRIMARY KEY CHECK (octet_length(id_hash) = 32),
  -- A separate random id that GET /auth/sessions shows and DELETE /auth/sessions/:id takes:
  -- listing sessions must never reveal (or accept) the secret or its hash.
  public_id           text NOT NULL UNIQUE,
  user_id             bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at          timestamptz NOT NULL DEFAULT now(),
  -- Written at most once per touch interval (SESSION_TOUCH_INTERVAL_MS), never per request.
  last_seen_at        timestamptz NOT NULL DEFAULT now(),
  -- Always <= absolute_expires_at (a touch never extends past it), so it alone is the expiry.
  idle_expires_at     timestamptz NOT NULL,
  absolute_expires_at timestamptz NOT NULL,
  user_agent          text,
  CHECK (idle_expires_at <= absolute_expires_at)
);

-- Logout-all, password change, admin disable and GET /auth/sessions are one indexed query each.
CREATE INDEX sessions_user_id ON sessions (user_id);

-- The pruner deletes expired rows in small batches through this index instead of scanning the
-- table. Cost: a touch updates an indexed column, so it is not a HOT update (once a minute at most).
CREATE INDEX sessions_idle_expires_at ON sessions (idle_expires_at);
