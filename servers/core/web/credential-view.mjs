// The credential card (the decoded JWT, or the session cookie no script can see) and the sessions card.
import { clock, countdown, h, kv, render } from './dom.mjs';
import { decodeJwt } from './jwt.mjs';
import { isBalanced } from './setup.mjs';

const isJwt = (state) => state.info?.strategy === 'jwt';
const https = () => location.protocol === 'https:';
// The names the servers use (session-cookie.ts, refresh-cookie.ts): prefixed only over HTTPS.
const sessionCookieName = () => (https() ? '__Host-sid' : 'sid');
const refreshCookieName = () => (https() ? '__Secure-rt' : 'rt');

export function renderCredential(state) {
  if (isJwt(state)) renderJwtCredential(state);
  else renderSessionCredential(state);
}

function renderSessionCredential(state) {
  const me = state.me;
  render(
    'credential',
    h(
      'div',
      { class: 'cookie-check' },
      h('code', {}, 'document.cookie'),
      ' → ',
      h('code', { class: 'value', 'data-testid': 'document-cookie' }, JSON.stringify(document.cookie)),
    ),
    h(
      'p',
      {},
      state.cookieHeld
        ? [
            'Your browser holds a session cookie named ',
            h('code', {}, sessionCookieName()),
            ', yet this page sees nothing: it is ',
            h('strong', {}, 'HttpOnly'),
            ', invisible to scripts, so an injected script cannot steal it. The browser attaches it to every request to this site by itself.',
            state.event === 'revoked' || state.event === 'rejected' ? ' The server has deleted its session, though: the cookie is dead.' : '',
          ]
        : [
            'No session cookie now',
            state.event === 'logout' || state.event === 'logout-all' ? ': the logout response told the browser to delete it.' : '.',
            ' Once you log in, the cookie will be just as invisible here: it is ',
            h('strong', {}, 'HttpOnly'),
            '.',
          ],
    ),
    https()
      ? h(
          'p',
          { class: 'muted small' },
          'Over HTTPS its name carries the ',
          h('code', {}, '__Host-'),
          ' prefix: the browser accepts it only with Secure, Path=/ and no Domain, so no sibling site or plain-HTTP page can plant or overwrite it.',
        )
      : h(
          'p',
          { class: 'muted small' },
          'Plain HTTP: the cookie cannot be Secure here, so it is named plain ',
          h('code', {}, 'sid'),
          '. Served over HTTPS it becomes ',
          h('code', {}, '__Host-sid'),
          '.',
        ),
    me &&
      h(
        'div',
        {},
        h('h3', {}, 'What the server knows about it (GET /auth/me)'),
        kv([
          ['session id (public)', h('code', {}, me.sessionId)],
          ['issued', clock(me.issuedAt)],
          ['idle expiry', [clock(me.idleExpiresAt ?? me.expiresAt), ' (', countdown(me.idleExpiresAt ?? me.expiresAt), ')']],
          me.absoluteExpiresAt && ['absolute expiry', [clock(me.absoluteExpiresAt), ' (', countdown(me.absoluteExpiresAt), ')']],
        ]),
        h(
          'p',
          { class: 'muted small' },
          'The public id names the session in the list below; the secret id lives only in your cookie, and the database keeps only its SHA-256 hash.',
        ),
      ),
  );
}

function tokenView(token) {
  const decoded = decodeJwt(token);
  if (!decoded) return h('p', {}, 'Not a JWT?');
  const [header, payload, signature] = decoded.parts;
  const { exp, iat } = decoded.payload;
  return h(
    'div',
    {},
    h(
      'p',
      { class: 'token', 'data-testid': 'raw-token' },
      h('span', { class: 't-header' }, header),
      '.',
      h('span', { class: 't-payload' }, payload),
      '.',
      h('span', { class: 't-signature' }, signature),
    ),
    h(
      'div',
      { class: 'decoded' },
      h('div', {}, h('h3', { class: 't-header' }, 'header'), h('pre', {}, JSON.stringify(decoded.header, null, 2))),
      h('div', {}, h('h3', { class: 't-payload' }, 'payload (claims)'), h('pre', { 'data-testid': 'jwt-payload' }, JSON.stringify(decoded.payload, null, 2))),
    ),
    kv([
      ['sub', ['user id ', String(decoded.payload.sub)]],
      iat && ['iat (issued)', clock(iat * 1000)],
      exp && ['exp (expires)', [h('strong', {}, clock(exp * 1000)), ' (', countdown(exp * 1000), ')']],
    ]),
  );
}

function renderJwtCredential(state) {
  const token = state.accessToken ?? state.oldToken;
  let label = 'Old access token, kept by this page for the replay';
  if (state.accessToken) {
    label =
      state.event === 'revoked' ? "Access token in this page's memory: its login is revoked, the token is not" : "Access token, held in this page's memory";
  }
  render(
    'credential',
    token ? h('h3', {}, label) : h('p', { class: 'muted' }, 'No access token yet: log in.'),
    token && tokenView(token),
    token &&
      h(
        'p',
        { class: 'muted small' },
        "Anyone holding the token can read the claims (they are only base64url); only a holder of the servers' signing key can make a valid ",
        h('span', { class: 't-signature' }, 'signature'),
        isBalanced(state)
          ? '. Every instance holds the same signing key, so each checks the signature alone, without asking the database.'
          : '. The instance checks the signature with its key, without asking the database.',
      ),
    h(
      'p',
      { class: 'small' },
      'The refresh token is in the cookie ',
      h('code', {}, refreshCookieName()),
      ': HttpOnly (',
      h('code', {}, 'document.cookie'),
      ' → ',
      h('code', { 'data-testid': 'document-cookie' }, JSON.stringify(document.cookie)),
      '), sent only to ',
      h('code', {}, 'POST /auth/refresh'),
      ', and replaced at every use.',
    ),
  );
}

function agentName(ua) {
  if (!ua) return 'unknown client';
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /Chrom(e|ium)\//.test(ua)
      ? 'Chrome'
      : /Firefox\//.test(ua)
        ? 'Firefox'
        : /Safari\//.test(ua)
          ? 'Safari'
          : ua.split(/[ /]/)[0];
  const os = /Windows/.test(ua)
    ? 'Windows'
    : /Mac OS X/.test(ua)
      ? 'macOS'
      : /Android/.test(ua)
        ? 'Android'
        : /Linux/.test(ua)
          ? 'Linux'
          : /iPhone|iPad/.test(ua)
            ? 'iOS'
            : '';
  return os ? `${browser} on ${os}` : browser;
}

export function renderSessions(state, actions) {
  if (!state.user || !state.sessions) {
    render(
      'sessions',
      h(
        'p',
        { class: 'muted' },
        'Log in to see where you are logged in. Log in from a second browser (or a private window) to get a second entry, then revoke it from here.',
      ),
    );
    return;
  }
  if (state.sessions.length === 0) {
    render('sessions', h('p', { class: 'muted' }, 'No active ', isJwt(state) ? 'login' : 'session', ' left for this user.'));
    return;
  }
  render(
    'sessions',
    h(
      'table',
      { class: 'sessions' },
      h('thead', {}, h('tr', {}, h('th', {}, 'id'), h('th', {}, 'client, since'), h('th', {}, 'expires'), h('th'))),
      h(
        'tbody',
        {},
        state.sessions.map((s) =>
          h(
            'tr',
            { class: s.current ? 'current' : '' },
            h('td', {}, h('code', { title: s.id }, `${s.id.slice(0, 6)}…`), s.current ? h('div', {}, h('span', { class: 'tag' }, 'this page')) : ''),
            h('td', { title: s.userAgent ?? '' }, agentName(s.userAgent), h('div', { class: 'muted small' }, clock(s.createdAt))),
            h('td', {}, countdown(s.expiresAt)),
            h('td', {}, h('button', { type: 'button', class: 'small', onclick: () => actions.revokeSession(s) }, 'Revoke')),
          ),
        ),
      ),
    ),
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'button', class: 'small', onclick: () => actions.reloadSessions() }, 'Reload the list'),
      h(
        'span',
        { class: 'muted small' },
        isJwt(state)
          ? 'Revoking one kills its refresh token; its access token still lives until exp.'
          : 'Revoking one deletes it on the server: its cookie is dead at once, on every instance.',
      ),
    ),
  );
}
