// Applies servers/core/db/migrations/*.sql in file-name order, once each, under a Postgres advisory
// lock, so several instances starting at once neither race nor apply a file twice.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Db } from './db';

const MIGRATIONS_DIR = join(__dirname, 'migrations');
// An arbitrary constant shared by every instance of either server: "migrations of this project".
const MIGRATION_LOCK_KEY = 727_001;

export async function migrate(db: Db): Promise<string[]> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).sort();
  // One transaction under a transaction-level lock: behind a transaction-mode pooler (PgBouncer)
  // only a transaction is sure to stay on one server connection, so a session-level lock taken in
  // one statement could be released on another backend, or never. All pending files commit together.
  return db.withTransaction(async (tx) => {
    await tx.query({ text: 'SELECT pg_advisory_xact_lock($1)', values: [MIGRATION_LOCK_KEY] });
    await tx.query({ text: 'CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())' });
    const done = new Set((await tx.query<{ name: string }>({ text: 'SELECT name FROM schema_migrations' })).rows.map((r) => r.name));
    const applied: string[] = [];
    for (const file of files) {
      if (done.has(file)) continue;
      const sql = await readFile(join(MIGRATIONS_DIR, file), 'utf8');
      try {
        await tx.query({ text: sql });
      } catch (err) {
        throw new Error(`migration ${file} failed: ${(err as Error).message}`);
      }
      await tx.query({ text: 'INSERT INTO schema_migrations (name) VALUES ($1)', values: [file] });
      applied.push(file);
    }
    return applied;
  });
}
