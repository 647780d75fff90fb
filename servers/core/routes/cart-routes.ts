// /cart: application data, identical on both servers. A user only ever reaches their own cart: the
// user id comes from the credential, never from the request.
import Router from '@koa/router';
import type { AuthStrategy } from '../auth';
import type { CartStore } from '../cart/cart-store';
import { apiError } from '../http/errors';
import { principalOf, requireAuth } from '../http/require-auth';
import { validate } from '../http/validate';
import type { Catalog } from '../products/catalog';
import { addItemBody, setItemBody } from './schemas';

export function cartRoutes(strategy: AuthStrategy, carts: CartStore, catalog: Catalog): Router {
  const router = new Router({ prefix: '/cart' });
  router.use(requireAuth(strategy));

  const knownSku = (sku: string) => {
    if (!catalog.get(sku)) throw apiError('product_not_found');
    return sku;
  };

  router.get('/', async (ctx) => {
    ctx.body = await carts.get(principalOf(ctx).userId);
  });

  router.post('/items', async (ctx) => {
    const { sku, qty } = validate(addItemBody, ctx.request.body);
    const cart = await carts.add(principalOf(ctx).userId, knownSku(sku), qty);
    if (!cart) throw apiError('cart_quantity_limit');
    ctx.body = cart;
  });

  router.put('/items/:sku', async (ctx) => {
    const { qty } = validate(setItemBody, ctx.request.body);
    ctx.body = await carts.set(principalOf(ctx).userId, knownSku(ctx.params.sku), qty);
  });

  router.delete('/items/:sku', async (ctx) => {
    ctx.body = await carts.remove(principalOf(ctx).userId, knownSku(ctx.params.sku));
  });

  router.delete('/', async (ctx) => {
    ctx.body = await carts.clear(principalOf(ctx).userId);
  });

  return router;
}
