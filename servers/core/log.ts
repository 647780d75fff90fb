// One JSON line per event on stdout. Callers pass only what is safe to log: never a cookie value,
// token, password or query parameter (SECURITY.md: no credential ever appears in logs).
export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function createLogger(base: Record<string, unknown>): Logger {
  const write = (level: string, msg: string, fields?: Record<string, unknown>) => {
    process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...base, ...fields })}\n`);
  };
  return {
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
  };
}

/** An Error reduced to what is safe to log (pg errors can carry parameters in `detail`). */
export function errorFields(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { error: String(err) };
  const e = err as Error & { code?: unknown };
  return { error: e.message, code: e.code, stack: e.stack?.split('\n').slice(1, 4).join(' | ') };
}
