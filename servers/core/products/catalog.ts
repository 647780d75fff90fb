// The product catalog: seeded by migration, read once at start-up, served from memory. GET /products
// is the no-auth, no-database baseline every auth cost is compared with.
import type { Queryable } from '../db/db';

export interface Product {
  sku: string;
  name: string;
  unitPriceCents: number;
}

export interface Catalog {
  all: readonly Product[];
  get(sku: string): Product | undefined;
}

export async function loadCatalog(db: Queryable): Promise<Catalog> {
  const r = await db.query<{ sku: string; name: string; unit_price_cents: number }>({
    text: 'SELECT sku, name, unit_price_cents FROM products ORDER BY sku',
  });
  const all = Object.freeze(r.rows.map((p) => Object.freeze({ sku: p.sku, name: p.name, unitPriceCents: p.unit_price_cents })));
  const bySku = new Map(all.map((p) => [p.sku, p]));
  return { all, get: (sku) => bySku.get(sku) };
}
