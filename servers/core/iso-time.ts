// ISO 8601 strings for the instants a credential carries (issued, expires, idle/absolute expiry).
// GET /auth/me formats them on every request, yet they change only when a credential is issued or
// touched, and `new Date(ms).toISOString()` costs ~0.5 µs on the reference box: four per session
// `me` were ~2 µs of a ~200 µs request (docs/profiling.md). A bounded memo of recent instants makes
// that a Map lookup; it is cleared whole when full (no LRU bookkeeping on the hot path).

const MAX_REMEMBERED = 4096;
const remembered = new Map<number, string>();

/** `new Date(ms).toISOString()`, remembered for the instants seen recently. */
export function isoFromMs(ms: number): string {
  let iso = remembered.get(ms);
  if (iso === undefined) {
    iso = new Date(ms).toISOString();
    if (remembered.size >= MAX_REMEMBERED) remembered.clear();
    remembered.set(ms, iso);
  }
  return iso;
}
