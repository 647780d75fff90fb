-- The session lookup becomes one primary-key read (issue 11: Postgres CPU per session request at the
-- floor of one prepared primary-key read). It used to join users on every request, to see the role,
-- a disable, or a cutoff (password change, logout-all) newer than the session.
--
-- Now the session row holds all of it, and the database itself keeps it true:
-- - the role is copied into the session when it is created (the admin routes check the acting admin
--   in users anyway: guards.ts);
-- - a trigger deletes a user's sessions in the very transaction that disables the user or moves the
--   cutoff (sessions created before the cutoff), so no request can see a session the join would have
--   refused, even if the strategy's own revocation after it failed;
-- - a session is created only while its user is enabled, and the insert locks the user row (FOR
--   SHARE): a concurrent disable either waits for the new session and then deletes it, or commits
--   first and the insert finds no enabled user (session-store.ts `sess_create`).

ALTER TABLE sessions ADD COLUMN role text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin'));
UPDATE sessions s SET role = u.role FROM users u WHERE u.id = s.user_id;
DELETE FROM sessions s USING users u
  WHERE u.id = s.user_id AND (u.disabled_at IS NOT NULL OR s.created_at < u.credentials_valid_after);

CREATE FUNCTION delete_sessions_of_changed_user() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM sessions
    WHERE user_id = NEW.id AND (NEW.disabled_at IS NOT NULL OR created_at < NEW.credentials_valid_after);
  RETURN NULL;
END
$$;

CREATE TRIGGER users_credentials_changed_sessions
  AFTER UPDATE OF credentials_valid_after, disabled_at ON users
  FOR EACH ROW
  WHEN (OLD.credentials_valid_after IS DISTINCT FROM NEW.credentials_valid_after OR OLD.disabled_at IS DISTINCT FROM NEW.disabled_at)
  EXECUTE FUNCTION delete_sessions_of_changed_user();
