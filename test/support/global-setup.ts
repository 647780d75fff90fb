// Starts one embedded Postgres (or uses DATABASE_URL) for the whole jest run. fsync is off here
// only: tests measure behaviour, not speed (the bench never uses these settings).
import { startPostgres } from '../../scripts/postgres';

export default async function globalSetup(): Promise<void> {
  const pg = await startPostgres({ unsafeFast: true });
  process.env.TEST_PG_ADMIN_URL = pg.adminUrl; // inherited by the jest workers
  (globalThis as { __testPostgres?: unknown }).__testPostgres = pg;
}
