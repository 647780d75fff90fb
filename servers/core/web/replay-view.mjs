// The replay card: what Replay sends, the answers per instance, and what they mean.
import { $, clock, countdown, h, render } from './dom.mjs';
import { badge } from './instances.mjs';
import { decodeJwt } from './jwt.mjs';

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
    return ['Replay sends the access token this page holds. Try it now, then log out (or log out everywhere) and replay the old token.'];
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

function verdict(state) {
  const r = state.replay;
  const accepted = r.rows.filter((row) => row.accepted > 0 && row.rejected === 0 && row.other === 0);
  const rejected = r.rows.filter((row) => row.rejected > 0 && row.accepted === 0 && row.other === 0);
  const n = r.rows.length;
  const ended = r.event === 'logout' || r.event === 'logout-all' || r.event === 'revoked' || r.event === 'rejected';
  const lines = [];
  if (accepted.length === n) {
    lines.push(h('strong', { class: 'ok' }, n === 1 ? 'Accepted.' : `Accepted by all ${n} instances.`));
    if (ended && isJwt(state)) {
      const exp = decodeJwt(r.token)?.payload?.exp;
      lines.push(
        ' Although you ',
        r.event === 'revoked' ? 'revoked this login' : r.event === 'rejected' ? 'were logged out' : 'logged out',
        ', the token still works everywhere: nobody looks it up, so nothing can stop it before its ',
        h('code', {}, 'exp'),
        exp ? [' (', clock(exp * 1000), ', ', countdown(exp * 1000), ')'] : '',
        `. That window is the price of the stateless check of the plain ${state.info.variant} variant; variants with a denylist close it at the cost of a lookup per request.`,
      );
    } else if (!ended) {
      lines.push(' Nothing is sticky: any instance accepts the credential, because they share the database', isJwt(state) ? ' key' : '', '.');
    }
  } else if (rejected.length === n) {
    lines.push(h('strong', { class: 'bad' }, n === 1 ? 'Rejected (401).' : `Rejected (401) by all ${n} instances.`));
    if (!isJwt(state) && r.cookieHeld)
      lines.push(' The session row is gone from the shared database, so every instance refuses the id at once: revocation is immediate.');
    else if (!isJwt(state))
      lines.push(
        ' These requests carried no cookie at all (see above). The server deleted the session as well, so even a stolen copy of the old id gets 401 on every instance.',
      );
    else lines.push(' The token is expired or was revoked.');
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
        " Only one instance answered: this page talks to a single instance directly. Open the load balancer's address to see round robin.",
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
