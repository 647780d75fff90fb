// Rendering: every card is rebuilt from `state` after each action (the page is small enough). The
// credential and sessions cards are in credential-view.mjs, the replay card in replay-view.mjs.
import { renderCredential, renderSessions } from './credential-view.mjs';
import { clock, euros, h, relative, render } from './dom.mjs';
import { badge } from './instances.mjs';
import { renderReplay } from './replay-view.mjs';
import { setupLabel } from './setup.mjs';

const isJwt = (state) => state.info?.strategy === 'jwt';
const https = () => location.protocol === 'https:';

/** Updates every "in 4:05" once a second without rebuilding the cards. */
export function renderCountdowns() {
  for (const el of document.querySelectorAll('.countdown')) el.textContent = relative(el.dataset.at);
}

const suggestedName = `shopper-${Math.random().toString(36).slice(2, 7)}`;

export function renderAll(state, actions) {
  renderHeader(state);
  renderAccount(state, actions);
  renderProducts(state, actions);
  renderCart(state, actions);
  renderCredential(state);
  renderSessions(state, actions);
  renderReplay(state, actions);
  renderRequests(state);
  for (const button of document.querySelectorAll('button')) button.disabled = state.busy || button.dataset.disabled === 'true';
}

function renderHeader(state) {
  if (!state.info) return;
  render(
    'server-kind',
    h('strong', {}, `${state.info.strategy} server`),
    ` · variant ${state.info.variant} · ${https() ? 'HTTPS' : 'plain HTTP'} · `,
    h('span', { 'data-testid': 'setup' }, setupLabel(state.setup)),
  );
}

function renderAccount(state, actions) {
  const message = state.message ? h('span', { class: state.message.kind }, state.message.text) : '';
  render('account-message', message);
  if (state.user) {
    render(
      'account',
      h(
        'p',
        { class: 'signed-in' },
        'Logged in as ',
        h('strong', { 'data-testid': 'username' }, state.user.username ?? `user #${state.user.id}`),
        h('span', { class: 'muted' }, ` · user id ${state.user.id} · role ${state.user.role}`),
      ),
      h(
        'div',
        { class: 'row' },
        h('button', { type: 'button', onclick: () => actions.logout(false) }, 'Log out'),
        h('button', { type: 'button', onclick: () => actions.logout(true) }, 'Log out everywhere'),
        isJwt(state) && h('button', { type: 'button', onclick: () => actions.refresh(), title: 'POST /auth/refresh' }, 'Refresh access token'),
      ),
    );
    return;
  }
  const form = h(
    'form',
    {
      class: 'login',
      onsubmit: (event) => {
        event.preventDefault();
        const data = new FormData(event.target);
        const args = [String(data.get('username')), String(data.get('password'))];
        if (event.submitter?.value === 'register') actions.register(...args);
        else actions.login(...args);
      },
    },
    h('label', {}, 'Username', h('input', { name: 'username', autocomplete: 'username', required: true, minlength: 3, maxlength: 64, value: suggestedName })),
    h(
      'label',
      {},
      'Password',
      h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true, minlength: 8, value: 'correct horse battery staple' }),
    ),
    h('p', { class: 'muted small' }, 'A name is suggested; the password field holds "correct horse battery staple" (any 8+ characters will do).'),
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'submit', value: 'register', class: 'primary' }, 'Register and log in'),
      h('button', { type: 'submit', value: 'login' }, 'Log in'),
    ),
  );
  render('account', form);
}

function renderProducts(state, actions) {
  render(
    'products',
    state.products.map((p) =>
      h(
        'li',
        {},
        h('span', { class: 'name' }, p.name),
        h('span', { class: 'price' }, euros(p.unitPriceCents)),
        h(
          'button',
          {
            type: 'button',
            'data-sku': p.sku,
            'data-disabled': String(!state.user),
            onclick: () => actions.addToCart(p.sku),
            title: state.user ? 'POST /cart/items' : 'Log in first',
          },
          'Add',
        ),
      ),
    ),
  );
}

function renderCart(state, actions) {
  if (!state.user || !state.cart) {
    render('cart', h('p', { class: 'muted' }, 'Log in to fill a cart. It is stored in PostgreSQL under your user id, so every instance sees the same cart.'));
    return;
  }
  const { items, totalCents } = state.cart;
  if (items.length === 0) {
    render('cart', h('p', { class: 'muted', 'data-testid': 'cart-empty' }, 'Your cart is empty: add a product.'));
    return;
  }
  render(
    'cart',
    h(
      'table',
      { class: 'cart' },
      h(
        'tbody',
        {},
        items.map((item) =>
          h(
            'tr',
            { 'data-sku': item.sku },
            h('td', {}, item.name),
            h(
              'td',
              { class: 'qty' },
              h(
                'button',
                { type: 'button', class: 'small', 'aria-label': `One less ${item.name}`, onclick: () => actions.setQty(item.sku, item.qty - 1) },
                '−',
              ),
              h('span', { class: 'n' }, item.qty),
              h(
                'button',
                {
                  type: 'button',
                  class: 'small',
                  'aria-label': `One more ${item.name}`,
                  'data-disabled': String(item.qty >= 99),
                  onclick: () => actions.setQty(item.sku, item.qty + 1),
                },
                '+',
              ),
            ),
            h('td', { class: 'num' }, euros(item.lineTotalCents)),
          ),
        ),
      ),
      h('tfoot', {}, h('tr', {}, h('td', {}, 'Total'), h('td'), h('td', { class: 'num', 'data-testid': 'cart-total' }, euros(totalCents)))),
    ),
    h('div', { class: 'row' }, h('button', { type: 'button', onclick: () => actions.clearCart() }, 'Empty the cart')),
  );
}

function statusClass(status) {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 401 || status === 404) return 'warn';
  return 'bad';
}

export function renderRequests(state) {
  render(
    'header-instances',
    [...state.instances.keys()].sort().map((id) => badge(id)),
  );
  render(
    'instances-seen',
    state.instances.size === 0
      ? h('span', { class: 'muted' }, 'No answer yet.')
      : [
          h('span', { class: 'muted' }, `${state.instances.size} instance${state.instances.size === 1 ? '' : 's'} answered so far: `),
          [...state.instances].map(([id, count]) => h('span', { class: 'seen' }, badge(id), ` ×${count}`)),
        ],
  );
  render(
    'requests',
    state.log.map((e) =>
      h(
        'tr',
        { class: e.tag ? 'replay-row' : '' },
        h('td', { class: 'muted optional' }, clock(e.at)),
        h('td', {}, h('code', {}, `${e.method} ${e.path}`), e.tag ? h('span', { class: 'tag' }, e.tag) : ''),
        h('td', { class: 'small optional' }, e.credential),
        h('td', { class: statusClass(e.status) }, e.status || 'failed'),
        h('td', {}, badge(e.instance)),
        h('td', { class: 'num muted optional' }, e.ms.toFixed(0)),
      ),
    ),
  );
}
