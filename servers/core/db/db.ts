// The only importer of `pg`. One long-lived pool per process; hot-path statements are named
// (prepared once per connection: ~50% more queries/s than unnamed ones on the reference box).
// Parameters are never logged: they carry password hashes and credential hashes.
// Behind a transaction-mode pooler (PgBouncer) two things change, both here: statements can be sent
// unnamed (`preparedStatements: false`), and session state (LISTEN, the migrations' advisory lock)
// goes over a direct connection (`directConnectionString`): README "Behind PgBouncer".
import pg from 'pg';
import type { QueryResultRow } from 'pg';
import { queryDone, queryStarted } from '../metrics/db-metrics';
import { classifyDatabaseError, DatabaseUnavailableError } from './unavailable';

export interface DbOptions {
  connectionString: string;
  poolMax: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  applicationName: string;
  /** For connectDedicated(): the database itself, not a pooler. Default: connectionString. */
  directConnectionString?: string;
  /** false: every statement goes unnamed, whatever its `name` (PgBouncer 1.18 in transaction mode). Default true. */
  preparedStatements?: boolean;
}

/** A query executor: the pool, or one client inside a transaction. */
export interface Queryable {
  /** `name` makes it a prepared statement: use it for fixed SQL on hot paths. */
  query<R extends QueryResultRow = QueryResultRow>(sql: Sql): Promise<{ rows: R[]; rowCount: number }>;
}

export interface Sql {
  name?: string;
  text: string;
  values?: unknown[];
}

export interface Db extends Queryable {
  withTransaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** A dedicated direct connection outside the pool (LISTEN, session-level locks). The caller owns and ends it. */
  connectDedicated(): Promise<pg.Client>;
  /** True when the error means "the database is unreachable or going away" (-> 503, retry). */
  isUnavailable(err: unknown): boolean;
  readonly pool: pg.Pool;
  close(): Promise<void>;
}

export function createDb(opts: DbOptions, onError: (err: Error) => void = () => {}): Db {
  const clientConfig = {
    connectionString: opts.connectionString,
    application_name: opts.applicationName,
    statement_timeout: opts.statementTimeoutMs,
    // Also bound the client side, for a server that accepted the connection but stopped answering.
    query_timeout: opts.statementTimeoutMs + 1000,
    keepAlive: true,
  };
  const pool = new pg.Pool({
    ...clientConfig,
    max: opts.poolMax,
    // 0 (the default) waits forever for a connection: a dead database would hang every request.
    connectionTimeoutMillis: opts.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
  });
  // Idle clients report the server going away here; without a listener that is an uncaught exception.
  pool.on('error', onError);

  // The one place statements are named or not. An unnamed statement with parameters still uses the
  // extended protocol (Parse/Bind/Execute in one Sync), which PgBouncer routes as one unit.
  const prepared = opts.preparedStatements !== false;
  const statement = (sql: Sql): Sql => (prepared || sql.name === undefined ? sql : { text: sql.text, values: sql.values });

  // Every pg call goes through here or withTransaction: an outage becomes DatabaseUnavailableError
  // (503 + Retry-After), whatever form pg raised it in (unavailable.ts).
  // One async frame around pool.query, counted and classified in place.
  const query: Queryable['query'] = async (sql) => {
    const startedMs = queryStarted(pool, sql.name);
    try {
      const r = await pool.query(statement(sql));
      return { rows: r.rows, rowCount: r.rowCount ?? 0 };
    } catch (err) {
      return classifyDatabaseError(err);
    } finally {
      queryDone(startedMs);
    }
  };

  return {
    pool,
    query,
    isUnavailable: (err) => err instanceof DatabaseUnavailableError,
    async withTransaction(fn) {
      const client = await pool.connect().catch(classifyDatabaseError);
      let broken: Error | undefined;
      try {
        await client.query('BEGIN').catch(classifyDatabaseError);
        const tx: Queryable = {
          query: async (sql) => {
            const r = await client.query(statement(sql)).catch(classifyDatabaseError);
            return { rows: r.rows, rowCount: r.rowCount ?? 0 };
          },
        };
        const result = await fn(tx);
        await client.query('COMMIT').catch(classifyDatabaseError);
        return result;
      } catch (err) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackErr) {
          broken = rollbackErr as Error; // the connection is unusable: destroy it, don't return it
        }
        throw err;
      } finally {
        client.release(broken);
      }
    },
    async connectDedicated() {
      const client = new pg.Client({
        ...clientConfig,
        connectionString: opts.directConnectionString ?? opts.connectionString,
        connectionTimeoutMillis: opts.connectTimeoutMs,
        statement_timeout: 0,
        query_timeout: undefined,
      });
      await client.connect();
      return client;
    },
    async close() {
      await pool.end();
    },
  };
}
