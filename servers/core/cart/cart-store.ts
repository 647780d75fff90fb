// Carts are application data in Postgres for both servers, keyed by user id. Every write is one
// atomic statement that also returns the whole cart (one round trip): concurrent adds to one line
// are serialised by the row lock of INSERT ... ON CONFLICT DO UPDATE, so no update is lost.
import type { Queryable } from '../db/db';
import type { Catalog } from '../products/catalog';

export const MAX_QTY = 99;

export interface CartLine {
  sku: string;
  name: string;
  unitPriceCents: number;
  qty: number;
  lineTotalCents: number;
}

export interface Cart {
  items: CartLine[];
  totalCents: number;
}

interface Row {
  sku: string;
  qty: number;
  changed?: boolean;
}

// Built once (a named statement's text is compared with the prepared one on every execution:
// servers/session/session-store.ts).
const ADD_SQL = `WITH up AS (
                 INSERT INTO cart_items (user_id, sku, qty) VALUES ($1, $2, $3)
                 ON CONFLICT (user_id, sku) DO UPDATE SET qty = cart_items.qty + EXCLUDED.qty, updated_at = now()
                 WHERE cart_items.qty + EXCLUDED.qty <= ${MAX_QTY}
                 RETURNING sku, qty)
               SELECT sku, qty, true AS changed FROM up
               UNION ALL SELECT sku, qty, false FROM cart_items WHERE user_id = $1 AND sku <> $2`;

export function createCartStore(db: Queryable, catalog: Catalog) {
  const toCart = (rows: Row[]): Cart => {
    const items = rows
      .map((r) => {
        const p = catalog.get(r.sku);
        if (!p) throw new Error(`cart holds unknown sku ${r.sku}`);
        return { sku: r.sku, name: p.name, unitPriceCents: p.unitPriceCents, qty: r.qty, lineTotalCents: p.unitPriceCents * r.qty };
      })
      .sort((a, b) => a.sku.localeCompare(b.sku));
    return { items, totalCents: items.reduce((sum, i) => sum + i.lineTotalCents, 0) };
  };

  return {
    async get(userId: string): Promise<Cart> {
      const r = await db.query<Row>({ name: 'cart_get', text: 'SELECT sku, qty FROM cart_items WHERE user_id = $1', values: [userId] });
      return toCart(r.rows);
    },

    /** Adds qty to the line; null when the line would exceed MAX_QTY (nothing is changed then). */
    async add(userId: string, sku: string, qty: number): Promise<Cart | null> {
      const r = await db.query<Row>({
        name: 'cart_add',
        text: ADD_SQL,
        values: [userId, sku, qty],
      });
      if (!r.rows.some((row) => row.changed)) return null;
      return toCart(r.rows);
    },

    /** Sets the line's quantity; 0 removes it. */
    async set(userId: string, sku: string, qty: number): Promise<Cart> {
      if (qty === 0) return this.remove(userId, sku);
      const r = await db.query<Row>({
        name: 'cart_set',
        text: `WITH up AS (
                 INSERT INTO cart_items (user_id, sku, qty) VALUES ($1, $2, $3)
                 ON CONFLICT (user_id, sku) DO UPDATE SET qty = EXCLUDED.qty, updated_at = now()
                 RETURNING sku, qty)
               SELECT sku, qty FROM up
               UNION ALL SELECT sku, qty FROM cart_items WHERE user_id = $1 AND sku <> $2`,
        values: [userId, sku, qty],
      });
      return toCart(r.rows);
    },

    async remove(userId: string, sku: string): Promise<Cart> {
      const r = await db.query<Row>({
        name: 'cart_remove',
        text: `WITH del AS (DELETE FROM cart_items WHERE user_id = $1 AND sku = $2)
               SELECT sku, qty FROM cart_items WHERE user_id = $1 AND sku <> $2`,
        values: [userId, sku],
      });
      return toCart(r.rows);
    },

    async clear(userId: string): Promise<Cart> {
      await db.query({ name: 'cart_clear', text: 'DELETE FROM cart_items WHERE user_id = $1', values: [userId] });
      return { items: [], totalCents: 0 };
    },
  };
}

export type CartStore = ReturnType<typeof createCartStore>;
