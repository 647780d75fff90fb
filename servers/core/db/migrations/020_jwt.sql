-- Refresh-token families (jwt server). A family is one login: every refresh rotates its token, and
-- presenting a token that was already rotated revokes the whole family (RFC 9700 4.14.2).
-- Tokens are never stored, only their SHA-256: a leaked table or backup yields no live token.

CREATE TABLE jwt_refresh_families (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- 128 random bits (base64url): what GET /auth/sessions shows, DELETE /auth/sessions/:id takes, and
  -- the prefix of every access token's jti. Not a secret; unguessable so ids cannot be enumerated.
  public_id           text NOT NULL UNIQUE,
  user_id             bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  -- The first login: the absolute lifetime counts from here, however often the family refreshes.
  created_at          timestamptz NOT NULL DEFAULT now(),
  last_used_at        timestamptz NOT NULL DEFAULT now(),
  -- Moved forward by every refresh, never past absolute_expires_at, so it alone is the expiry.
  idle_expires_at     timestamptz NOT NULL,
  absolute_expires_at timestamptz NOT NULL,
  revoked_at          timestamptz,
  -- logout | logout_all | session_revoked | reuse | user_invalid: for the operator, never shown.
  revoked_reason      text,
  user_agent          text,
  CHECK (idle_expires_at <= absolute_expires_at)
);

-- Logout-all, password change, disable and GET /auth/sessions: one indexed query each.
CREATE INDEX jwt_refresh_families_user_id ON jwt_refresh_families (user_id);
-- The pruner finds dead families through this index instead of scanning the table.
CREATE INDEX jwt_refresh_families_idle_expires_at ON jwt_refresh_families (idle_expires_at);

-- Every refresh token a family ever had. The current one has used_at NULL; the rotated ones stay
-- (used_at set) for the family's lifetime, so their reuse is recognised and kills the family.
-- At one refresh per access lifetime (5 min) a 12 h family holds at most ~144 rows.
CREATE TABLE jwt_refresh_tokens (
  -- SHA-256 of the 256-bit token from the cookie: the primary key is the refresh lookup.
  token_hash bytea PRIMARY KEY CHECK (octet_length(token_hash) = 32),
  family_id  bigint NOT NULL REFERENCES jwt_refresh_families (id) ON DELETE CASCADE,
  issued_at  timestamptz NOT NULL DEFAULT now(),
  used_at    timestamptz
);

-- For the cascade when the pruner deletes a family.
CREATE INDEX jwt_refresh_tokens_family_id ON jwt_refresh_tokens (family_id);
