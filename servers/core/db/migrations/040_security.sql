-- Security hardening (issue 8): one canonical username form, and login attempts reserved atomically.

-- Usernames: ASCII only (the registration rule, servers/core/users/username.ts), compared after
-- ASCII-only lower-casing. The key is computed by translate(), not lower(): lower() follows the
-- database's locale, and a locale maps more than ASCII (glibc lowers U+0130 'İ' to 'i', a Turkish
-- locale lowers 'I' to 'ı'), which let a second spelling of a locked name reach the same account
-- while the throttle (JavaScript) counted it under another key. translate() maps exactly A-Z to
-- a-z in every locale; canonicalUsername() in username.ts is the same function on the other side.
ALTER TABLE users ADD COLUMN username_key text
  GENERATED ALWAYS AS (translate(username, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')) STORED;
CREATE UNIQUE INDEX users_username_key ON users (username_key);
DROP INDEX users_username_lower;
-- New rows only (NOT VALID): an older database may hold a name from before the rule.
ALTER TABLE users ADD CONSTRAINT users_username_ascii CHECK (username ~ '^[A-Za-z0-9._@+-]{1,64}$') NOT VALID;

-- Login throttling reserves an attempt BEFORE the password is hashed, in one statement, so that
-- concurrent guesses cannot all read "under the limit" and all be checked (the old read-then-write
-- let 60 parallel guesses through a limit of 10). `failures` now counts reserved attempts in the
-- window; a successful login gives its reservation back (login-throttle.ts).
--
-- Returns 0 when the attempt is reserved (every key counted), else the milliseconds to wait (no key
-- counted). Keys are locked in sorted order: concurrent reservations of overlapping keys queue on
-- the row locks instead of deadlocking, and each sees the count the previous one committed.
CREATE FUNCTION login_attempt_reserve(p_keys text[], p_limits int[], p_window_ms float8, p_base_lock_ms float8, p_max_lock_ms float8)
RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
  r record;
  wait_ms float8 := 0;
  window_start timestamptz := now() - p_window_ms * interval '1 millisecond';
BEGIN
  INSERT INTO login_failures (key, failures, last_failure_at)
    SELECT k, 0, '-infinity' FROM unnest(p_keys) AS k ORDER BY k
    ON CONFLICT (key) DO NOTHING;
  FOR r IN
    SELECT f.failures, f.last_failure_at, l.max_attempts
    FROM login_failures f JOIN unnest(p_keys, p_limits) AS l(key, max_attempts) ON l.key = f.key
    ORDER BY f.key FOR UPDATE OF f
  LOOP
    -- Past the window the count starts again; at the limit, exponential backoff from the last attempt.
    IF r.last_failure_at > window_start AND r.failures >= r.max_attempts THEN
      wait_ms := greatest(wait_ms, extract(epoch FROM r.last_failure_at - now()) * 1000
        + least(p_base_lock_ms * 2 ^ least(r.failures - r.max_attempts, 20), p_max_lock_ms));
    END IF;
  END LOOP;
  IF wait_ms > 0 THEN
    RETURN wait_ms;
  END IF;
  UPDATE login_failures f
    SET failures = CASE WHEN f.last_failure_at <= window_start THEN 1 ELSE f.failures + 1 END, last_failure_at = now()
    WHERE f.key = ANY (p_keys);
  RETURN 0;
END
$$;

-- For the pruner (login-throttle.ts): rows whose window and lock are over are deleted in batches.
CREATE INDEX login_failures_last_failure_at ON login_failures (last_failure_at);

-- Refresh rate limit per family (refresh-tokens.ts): refreshes counted in a fixed one-minute window.
ALTER TABLE jwt_refresh_families
  ADD COLUMN refresh_window_start timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN refreshes_in_window integer NOT NULL DEFAULT 0;
