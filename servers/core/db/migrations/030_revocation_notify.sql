-- Revocation announcements for the in-process variants (session-cached, jwt-push; servers/core/db/listener.ts).
--
-- Every route that moves a user's cutoff (logout-all, password change, admin disable) writes
-- users.credentials_valid_after / disabled_at BEFORE calling the strategy. This trigger announces
-- that write in its own transaction, so the announcement is delivered exactly when, and only if,
-- the cutoff commits: even if the strategy's own revocation that follows fails half-way, every
-- listening instance learns of the cutoff (and drops its cached sessions / refuses older tokens).
-- Payload: {"u": user id, "c": cutoff in epoch ms with its microseconds, "d": disabled}, ~60 bytes
-- (NOTIFY payloads must stay under 8000 bytes). Rare events: the plain variants, which have no
-- listener, pay one queue entry per password change / logout-all / disable, nothing per request.

CREATE FUNCTION notify_user_credentials_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('auth_user_changed', json_build_object(
    'u', NEW.id::text,
    'c', (extract(epoch FROM NEW.credentials_valid_after) * 1000)::float8,
    'd', NEW.disabled_at IS NOT NULL)::text);
  RETURN NULL;
END
$$;

CREATE TRIGGER users_credentials_changed
  AFTER UPDATE OF credentials_valid_after, disabled_at ON users
  FOR EACH ROW
  WHEN (OLD.credentials_valid_after IS DISTINCT FROM NEW.credentials_valid_after OR OLD.disabled_at IS DISTINCT FROM NEW.disabled_at)
  EXECUTE FUNCTION notify_user_credentials_changed();
