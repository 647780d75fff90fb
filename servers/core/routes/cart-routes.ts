// /cart: application data, identical on both servers. A user only ever reaches their own cart: the
// user id comes from the credential, never from the request.
import type { CartStore } from '../cart/cart-store';
import { apiError } from '../http/errors';
import { principalOf } from '../http/guards';
import { reply } from '../http/reply';
import type { Catalog } from '../products/catalog';
import { type RouteDef, route } from './route';
import { addItemBody, setItemBody } from './schemas';

export function cartRoutes(carts: CartStore, catalog: Catalog): RouteDef[] {
  const knownSku = (sku: string) => {
    if (!catalog.get(sku)) throw apiError('product_not_found');
    return sku;
  };

  return [
    route({
      method: 'GET',
      path: '/cart',
      access: 'user',
      async handler(ctx) {
        reply(ctx, await carts.get(principalOf(ctx).userId));
      },
    }),
    route({
      method: 'POST',
      path: '/cart/items',
      access: 'user',
      body: addItemBody,
      async handler(ctx, { sku, qty }) {
        const cart = await carts.add(principalOf(ctx).userId, knownSku(sku), qty);
        if (!cart) throw apiError('cart_quantity_limit');
        reply(ctx, cart);
      },
    }),
    route({
      method: 'PUT',
      path: '/cart/items/:sku',
      access: 'user',
      body: setItemBody,
      async handler(ctx, { qty }) {
        reply(ctx, await carts.set(principalOf(ctx).userId, knownSku(ctx.params.sku), qty));
      },
    }),
    route({
      method: 'DELETE',
      path: '/cart/items/:sku',
      access: 'user',
      async handler(ctx) {
        reply(ctx, await carts.remove(principalOf(ctx).userId, knownSku(ctx.params.sku)));
      },
    }),
    route({
      method: 'DELETE',
      path: '/cart',
      access: 'user',
      async handler(ctx) {
        reply(ctx, await carts.clear(principalOf(ctx).userId));
      },
    }),
  ];
}
