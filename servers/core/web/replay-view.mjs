// The replay card: what Replay sends, the answers per instance, and what they mean.
import { $, clock, countdown, h, render } from './dom.mjs';
import { badge } from './instances.mjs';
import { decodeJwt } from './jwt.mjs';
import { isBalanced } from './setup.mjs';

const isJwt = (state) => state.info?.strategy === 'jwt';

function replayExplanation(state) {
  if (isJwt(state)) {
    if (state.event === 'logout' || state.event === 'logout-all' || state.event === 'rejected') {
      return [
        'This page kept a copy of the access token it had before you logged out. Replay sends that ',
        h('em', {}, 'old'),
        ' token, exactly as a thief who had copied it would.',
      ];
    }
    if (state.event === 'revoked') return ['You revoked this login (its refresh token family). Replay sends the access token this page still holds.'];
    return [
      'Replay sends the access token this page holds. Try it now; then log out here (or log out everywhere in a second browser or private window) and replay the token again.',
    ];
  }
  if (state.event === 'revoked' || state.event === 'rejected') {
    return [
      'The server deleted your session, but nothing told your browser: it still holds the (dead) cookie and sends it with each replay, as a thief with a copy would.',
    ];
  }
  if (state.event === 'logout' || state.event === 'logout-all') {
    return [
      'Your browser deleted the cookie when you logged out, and this page cannot replay it for you: it is HttpOnly, so no script ever saw it. Replay therefore sends ',
      h('em', {}, 'no'),
      ' cookie. To replay the real old id, log in again and use ',
      h('strong', {}, 'Revoke'),
      " on this page's own session in the list above: the server deletes it, the browser keeps the dead cookie. Or copy the cookie from your browser's developer tools before logging out and send it with curl.",
    ];
  }
  return [
    'Replay sends the cookie your browser holds (the page cannot read it: HttpOnly). Try it while logged in, then log out or revoke this session and replay.',
  ];
}

/** What ended the credential, as the page knows it: its own action, or the server's answer. */
function revocationCause(r) {
  if (r.event === 'logout') return 'You logged out: the server revoked the refresh token of this login.';
  if (r.event === 'logout-all') return 'You logged out everywhere: the server revoked every refresh token of this user.';
  if (r.event === 'revoked') return 'You revoked this login: its refresh token is dead.';
  return [
    'This login was revoked elsewhere (another browser logged out everywhere, or revoked it in its list of logins): its refresh token is dead, and ',
    h('code', {}, 'GET /auth/sessions'),
    ' no longer lists it.',
  ];
}

function expiry(token) {
  const { exp, iat } = decodeJwt(token)?.payload ?? {};
  return exp ? { at: exp * 1000, lifetime: iat ? exp - iat : null } : null;
}

/** jwt, accepted although revoked: the window of statelessness, said plainly, with its reason. */
function stillValidAfterRevocation(state, r, n) {
  const exp = expiry(r.token);
  const lifetime = exp?.lifetime ? ` (this server issues them for ${exp.lifetime >= 60 ? `${+(exp.lifetime / 60).toFixed(1)} min` : `${exp.lifetime} s`})` : '';
  return [
    h('strong', { class: 'warn' }, n === 1 ? 'Accepted, although this token was revoked.' : `Accepted by all ${n} instances, although this token was revoked.`),
    ' ',
    revocationCause(r),
    ' Yet the access token still works until its ',
    h('code', {}, 'exp'),
    exp ? [' (', h('strong', {}, clock(exp.at)), ', ', countdown(exp.at), ')'] : '',
    ', plus the clock tolerance the servers allow (',
    h('code', {}, 'JWT_CLOCK_TOLERANCE_SECONDS'),
    ', 30 s by default). Why: ',
    n === 1 ? 'the instance accepts' : 'every instance accepts',
    ' a JWT by checking its signature and expiry with the signing key alone. Nothing in the token can be switched off, and the ',
    h('code', {}, state.info.variant),
    ' variant asks no database, so the revocation takes effect only when the token expires',
    lifetime,
    '. The ',
    h('code', {}, 'jwt-denylist'),
    ' and ',
    h('code', {}, 'jwt-push'),
    ' variants close this window, at the price of a lookup on every request.',
  ];
}

function acceptedText(state) {
  if (!isBalanced(state)) {
    return isJwt(state)
      ? ' The instance checked the signature and expiry with its key, without asking the database.'
      : ' The instance found the session in PostgreSQL.';
  }
  return isJwt(state)
    ? ' Nothing is sticky: any instance accepts the token, because every instance holds the same signing key (none of them asks the database).'
    : ' Nothing is sticky: any instance accepts the session, because every instance looks it up in the same PostgreSQL.';
}

function rejectedText(state, r) {
  if (!isJwt(state)) {
    if (r.cookieHeld) {
      const who = isBalanced(state) ? 'the shared database, so every instance' : 'the database, so the instance';
      return ` The session row is gone from ${who} refuses the id at once: revocation is immediate.`;
    }
    return ' These requests carried no cookie at all (see above). The server deleted the session as well, so even a stolen copy of the old id gets 401.';
  }
  const exp = expiry(r.token);
  if (exp && exp.at <= r.at.getTime()) return [' The token expired at ', clock(exp.at), ': past its ', h('code', {}, 'exp'), ' nobody accepts it.'];
  const variant = state.info.variant;
  if (variant === 'jwt-denylist') {
    return ' The token has not expired, but its login was revoked, and the jwt-denylist variant looks the login up in PostgreSQL on every request: the revocation counts at once.';
  }
  if (variant === 'jwt-push') {
    return ' The token has not expired, but its login was revoked, and every jwt-push instance keeps revoked logins in memory, told by PostgreSQL (LISTEN/NOTIFY): the revocation counts within milliseconds.';
  }
  return ' The token is not valid any more.';
}

function verdict(state) {
  const r = state.replay;
  const accepted = r.rows.filter((row) => row.accepted > 0 && row.rejected === 0 && row.other === 0);
  const rejected = r.rows.filter((row) => row.rejected > 0 && row.accepted === 0 && row.other === 0);
  const n = r.rows.length;
  const ended = r.event === 'logout' || r.event === 'logout-all' || r.event === 'revoked' || r.event === 'rejected';
  const lines = [];
  if (accepted.length === n) {
    if (isJwt(state) && (ended || r.loginActive === false)) lines.push(stillValidAfterRevocation(state, r, n));
    else {
      lines.push(h('strong', { class: 'ok' }, n === 1 ? 'Accepted.' : `Accepted by all ${n} instances.`));
      if (!ended) lines.push(acceptedText(state));
    }
  } else if (rejected.length === n) {
    lines.push(h('strong', { class: 'bad' }, n === 1 ? 'Rejected (401).' : `Rejected (401) by all ${n} instances.`), rejectedText(state, r));
  } else {
    lines.push(
      h('strong', { class: 'warn' }, 'Mixed answers: '),
      'some instances accept the credential and some refuse it (a per-instance cache that has not heard about the revocation yet?).',
    );
  }
  if (n === 1 && r.rows[0].instance) {
    lines.push(
      h(
        'span',
        { class: 'muted small' },
        isBalanced(state)
          ? ' Only one instance answered: is only one running behind the load balancer?'
          : ' Only one instance answered: this page talks to it directly, with nothing in front. npm run demo (or docker compose up) runs three of each server, so you can watch requests take turns.',
      ),
    );
  }
  return lines;
}

export function renderReplay(state, actions) {
  render('replay-explain', h('p', {}, replayExplanation(state)));
  $('replay-button').onclick = () => actions.replay();
  const r = state.replay;
  if (!r) {
    render('replay-result');
    return;
  }
  render(
    'replay-result',
    h(
      'table',
      { class: 'replay', 'data-testid': 'replay-table' },
      h('thead', {}, h('tr', {}, h('th', {}, 'instance'), h('th', {}, 'accepted (200)'), h('th', {}, 'rejected (401)'), h('th', {}, 'other'))),
      h(
        'tbody',
        {},
        [...r.rows]
          .sort((a, b) => String(a.instance).localeCompare(String(b.instance)))
          .map((row) =>
            h(
              'tr',
              { 'data-instance': row.instance ?? '' },
              h('td', {}, badge(row.instance)),
              h('td', { class: row.accepted ? 'ok num' : 'num' }, row.accepted),
              h('td', { class: row.rejected ? 'bad num' : 'num' }, row.rejected),
              h('td', { class: 'num' }, row.other),
            ),
          ),
      ),
    ),
    h('p', { class: 'verdict', 'data-testid': 'replay-verdict' }, verdict(state)),
    h('p', { class: 'muted small' }, `Replayed at ${clock(r.at)} with: ${r.credential}.`),
  );
}
