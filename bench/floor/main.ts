// A floor server process (FLOOR=public|jwt|session): the minimal peer our servers are measured
// against in the same bench run (bench/scenarios/floor.ts, ISSUE 11). Started like ours by
// scripts/instances.ts and announcing itself with the same "listening" log line.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { assignRequestId, securityHeaders } from '../../servers/core/http/security-headers';
import { mapStackTracesOnDemand } from '../../servers/core/stack-traces';
import type { FloorApp, FloorHeaders } from './floor-app';
import { jwtFloor } from './jwt-floor';
import { type Product, publicFloor } from './public-floor';
import { sessionFloor } from './session-floor';

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
}

/** The catalog, read once: the table is created and seeded by our servers' migrations (it waits for them). */
async function loadProducts(databaseUrl: string): Promise<Product[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await client.query<{ sku: string; name: string; unit_price_cents: number }>('SELECT sku, name, unit_price_cents FROM products ORDER BY sku');
        return r.rows.map((p) => ({ sku: p.sku, name: p.name, unitPriceCents: p.unit_price_cents }));
      } catch (err) {
        if (attempt >= 300) throw err; // 30 s: our server sharing this database did not migrate it
        await new Promise((res) => setTimeout(res, 100));
      }
    }
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  mapStackTracesOnDemand(); // started like ours, without --enable-source-maps
  const kind = required('FLOOR');
  const variant = process.env.AUTH_VARIANT || `floor-${kind}`;
  const instance = process.env.INSTANCE_ID || `${variant}-${process.pid}`;
  const health = { status: 'ok', strategy: 'floor', variant, instance };
  // FLOOR_HEADERS=ours: the response headers ours sends, from the same function (floor-app.ts).
  const headersMode = process.env.FLOOR_HEADERS || 'none';
  if (headersMode !== 'none' && headersMode !== 'ours') throw new Error(`FLOOR_HEADERS must be none or ours, got "${headersMode}"`);
  const ours = headersMode === 'ours' ? securityHeaders(instance) : null;
  const headers: FloorHeaders =
    ours === null
      ? null
      : (ctx) => {
          assignRequestId(ctx);
          ours.apply(ctx);
        };
  let floor: FloorApp;
  if (kind === 'public') floor = publicFloor(await loadProducts(required('DATABASE_URL')), health);
  else if (kind === 'jwt')
    floor = jwtFloor({
      keys: required('JWT_KEYS'),
      issuer: process.env.JWT_ISSUER || 'sessions-vs-tokens',
      audience: process.env.JWT_AUDIENCE || 'sessions-vs-tokens-api',
      variant,
      health,
      headers,
    });
  else if (kind === 'session') floor = sessionFloor({ databaseUrl: required('DATABASE_URL'), variant, health, headers });
  else throw new Error(`FLOOR must be public, jwt or session, got "${kind}"`);

  // The same server settings as ours (servers/core/run-server.ts), so only the app differs.
  const server = createServer({ maxHeaderSize: 16 * 1024 }, floor.app.callback());
  server.keepAliveTimeout = 65_000;
  const host = process.env.HOST || '127.0.0.1';
  await new Promise<void>((res) => server.listen(Number(process.env.PORT || 0), host, res));
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ level: 'info', msg: 'listening', url: `http://${host}:${port}`, port, instance, variant })}\n`);
  const shutdown = () => {
    server.closeIdleConnections();
    server.close(() => void floor.close().finally(() => process.exit(0)));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((err: unknown) => {
  process.stderr.write(`floor server failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
