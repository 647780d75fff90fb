// Which database errors mean "the database is unavailable right now" (-> 503 + Retry-After, retry)
// rather than "our bug" (-> 500). Decided by the error's class, not by listing messages one by one
// as they were met: a frozen Postgres (SIGSTOP, a silent network) surfaced as pg's "Query read
// timeout", which an older list did not know, and became a 500 (issue 8).
//
// - An error with a SQLSTATE comes from the server: transient only in the classes below.
// - An error without one, raised by pg while talking to the server (timeouts, terminated or broken
//   connections, protocol desync, authentication to a server that restarted with other settings), is
//   a connection problem: unavailable. The exceptions are pg's usage errors, which are our bugs.
// The caller (db.ts) applies this only to errors thrown by pg calls, so an unrelated bug elsewhere is
// never mistaken for an outage.

// 08 connection exception, 53 insufficient resources (too many connections, out of memory or disk),
// 57P0x shutdown / crash / cannot connect now / database dropped / idle session timeout, 58 system
// error (I/O), 57014 statement timeout, 25P03 idle-in-transaction timeout, 55P03 lock not available,
// 40001 serialization failure, 40P01 deadlock: retrying later can succeed.
const TRANSIENT_SQLSTATE = /^(08|53|57P0|58)|^(57014|25P03|55P03|40001|40P01)$/;
const SQLSTATE = /^[0-9A-Z]{5}$/;
// pg's own usage errors (client-side, never the server's fault).
const USAGE_ERRORS =
  /Prepared statements must be unique|Query values must be an array|must have either text or a name|circular reference|Release called on client|Called end on pool more than once|already been connected/;

export function isUnavailableError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err instanceof TypeError || err instanceof RangeError) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && SQLSTATE.test(code)) return TRANSIENT_SQLSTATE.test(code);
  return !USAGE_ERRORS.test(err.message);
}

/** A database error known to mean "unavailable": the error funnel answers 503 + Retry-After. */
export class DatabaseUnavailableError extends Error {
  constructor(cause: Error) {
    super(`database unavailable: ${cause.message}`, { cause });
    (this as { code?: unknown }).code = (cause as { code?: unknown }).code;
  }
}

/** Rethrows a pg error as DatabaseUnavailableError when it means an outage; as is otherwise. */
export function classifyDatabaseError(err: unknown): never {
  throw isUnavailableError(err) ? new DatabaseUnavailableError(err as Error) : err;
}
