import type { PostgresHandle } from '../../scripts/postgres';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __testPostgres?: PostgresHandle }).__testPostgres?.stop();
}
