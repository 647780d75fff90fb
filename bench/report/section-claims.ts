// The lesson's claims (PRODUCT.md), each with the figures measured in this run and where it holds.
import { int, num, pct, ratio, ratioCi } from './format';
import type { ModelContext, Section } from './model';
import { throughputRatio } from './section-headline';
import { accessLifetimeSeconds, variantRevocation } from './section-revocation';
import { efficiency, scalingCells } from './section-scaling';

/** The plain variant of a strategy: not per-instance, not compared with another (not a trap). */
export function canonicalVariant(ctx: ModelContext, strategy: 'session' | 'jwt'): string | undefined {
  return ctx.results.variants.find((v) => v.strategy === strategy && !v.perInstanceState && !v.comparedWith)?.name;
}

export function claimsSection(ctx: ModelContext): Section | null {
  const s = canonicalVariant(ctx, 'session');
  const j = canonicalVariant(ctx, 'jwt');
  if (!s || !j) return null;
  const sMe = ctx.find('workloads', 'me', s);
  const jMe = ctx.find('workloads', 'me', j);
  const rows: string[][] = [];

  // State: where it lives, and what that costs per request.
  if (sMe?.db && jMe?.db) {
    const holds = sMe.db.xacts > 0.5 && jMe.db.xacts < 0.01;
    rows.push([
      '**state**: session "stored on server", token "stored on client"',
      `\`${s}\`: ${num(sMe.db.xacts)} DB transactions, ${num(sMe.db.reads)} table reads, ${num(sMe.db.rowsWritten, 2)} rows written per request; credential ${int(sMe.cell.credentialBytes)} bytes`,
      `\`${j}\`: ${num(jMe.db.xacts)} DB transactions, ${num(jMe.db.rowsWritten, 2)} rows written per request; credential ${int(jMe.cell.credentialBytes)} bytes`,
      holds
        ? `Holds. The session's state costs one database read per authenticated request (writes only on the periodic touch); the token's state travels with every request instead: ${ratio((jMe.cell.credentialBytes ?? 0) / (sMe.cell.credentialBytes ?? 1))} the bytes of the session cookie, and nothing for the server to look up.`
        : 'Does not hold as stated in this run: see the figures.',
    ]);
  }

  // Scalability: shared storage, and what adding instances buys.
  const scaling = scalingCells(ctx);
  if (scaling.length > 0) {
    const maxN = Math.max(...scaling.map((m) => m.cell.instances));
    const at = (v: string) => scaling.find((m) => m.cell.variant === v && m.cell.instances === maxN);
    const sN = at(s);
    const jN = at(j);
    const memory = ctx.results.variants
      .filter((v) => v.perInstanceState)
      .map((v) => at(v.name))
      .find((m) => m !== undefined);
    const sCpu = sMe?.postgresCpuUs;
    rows.push([
      '**scalability**: session "requires shared storage", token "highly scalable"',
      `${sN ? `\`${s}\` efficiency at ${maxN} instances ${ratio(efficiency(ctx, sN))}` : ''}${memory ? `; \`${memory.cell.variant}\` (no shared storage): ${pct(memory.outcomeShare, 1)} of requests fail at ${maxN} instances` : ''}${sCpu != null ? `; Postgres CPU ${num(sCpu)} µs per \`me\` request` : ''}`,
      `${jN ? `\`${j}\` efficiency at ${maxN} instances ${ratio(efficiency(ctx, jN))}` : ''}${jMe?.postgresCpuUs != null ? `; Postgres CPU ${num(jMe.postgresCpuUs)} µs per \`me\` request` : ''}`,
      `"Requires shared storage" holds: without it, a balancer that does not pin users breaks sessions${memory ? ` (${pct(memory.outcomeShare, 0)} failures measured)` : ''}. "Highly scalable" is about where the work lands: every session request also costs the one shared Postgres, a token request only the instance that gets it, so adding instances helps tokens until the instances themselves run out of CPU. On this ${ctx.results.environment.machine.cores}-core machine the instances share the cores, so efficiency below 1 mostly shows the machine saturating.`,
    ]);
  }

  // Complexity: code and moving parts.
  const cx = ctx.results.complexity;
  const sc = cx.strategies.find((x) => x.strategy === 'session');
  const jc = cx.strategies.find((x) => x.strategy === 'jwt');
  if (sc && jc) {
    const parts = (c: typeof sc, strategy: string) => {
      const cookies = ctx.results.cookies[strategy === 'session' ? s : j] ?? [];
      const keys = ctx.results.variants.find((v) => v.name === (strategy === 'session' ? s : j))?.env.JWT_KEYS ? 1 : 0;
      const benchOnly = c.benchOnly.length ? ` (not counted, bench-only: ${c.benchOnly.map((f) => `${f.path} ${f.lines}`).join(', ')})` : '';
      return `${c.codeLines} lines of auth code in ${c.files.length} files${benchOnly} (+ ${c.schemaLines} lines of SQL); tables: ${c.tables.join(', ') || 'none'}; cookies: ${cookies.join(', ') || 'none'}; signing keys: ${keys}; background jobs: ${c.backgroundJobs.reduce((n, b) => n + b.lines, 0)}; LISTEN connections: ${c.listenConnections}`;
    };
    const simpler = sc.codeLines < jc.codeLines;
    rows.push([
      '**complexity**: session "simpler", token "more complex"',
      parts(sc, 'session'),
      parts(jc, 'jwt'),
      `${simpler ? 'Holds' : 'Does not hold'} for the code: ${sc.codeLines} vs ${jc.codeLines} lines (${ratio(jc.codeLines / sc.codeLines)}), both behind the same ${cx.seam.lines}-line seam (${cx.seam.path}). A secure token setup needs the refresh-token machinery (rotation, reuse detection, its own tables) on top of the token itself; a secure session needs a store and a cookie. Counted: ${cx.rule}.`,
    ]);
  }
  const revocation = revocationClaim(ctx, s, j);
  if (revocation) rows.push(revocation);
  else
    rows.push([
      '**revocation**: "invalidate on logout"',
      'not measured in this run',
      'not measured in this run',
      'The revocation scenario (BENCH.md question 3) is not part of this run.',
    ]);
  return {
    id: 'claims',
    title: "The lesson's claims, measured",
    blocks: [
      {
        kind: 'paragraph',
        text: `The lesson states: state (session: stored on server, token: stored on client), scalability (session: requires shared storage, token: highly scalable), complexity (session: simpler, token: more complex). Figures from this run, \`${s}\` against \`${j}\`:`,
      },
      { kind: 'table', id: 'claims', columns: [{ label: 'claim' }, { label: s }, { label: j }, { label: 'where it holds' }], rows },
    ],
  };
}

const msText = (x: number) => (Number.isFinite(x) ? `${num(x)} ms` : '–');

/**
 * Revocation, and what "stateless" costs in it: the plain token's window against what each way of
 * getting revocation back costs per request (denylist: a database round trip; push/cache: memory and
 * a notification per event). Every figure comes from this run.
 */
function revocationClaim(ctx: ModelContext, s: string, j: string): string[] | null {
  const rv = (v: string) => variantRevocation(ctx, v);
  const sR = rv(s);
  const jR = rv(j);
  if (!sR || !jR) return null;
  const me = (v: string) => ctx.find('workloads', 'me', v);
  const jMe = me(j);
  const cost = (v: string) => {
    const m = me(v);
    if (!m || !jMe || !m.cell.valid || !jMe.cell.valid) return '';
    const db = m.db ? `, ${num(m.db.xacts)} DB transactions per request` : '';
    return ` (\`me\` at ${ratioCi(throughputRatio(m, jMe))} the throughput of \`${j}\`${db})`;
  };
  const immediate = (v: string) => {
    const r = rv(v);
    if (!r) return null;
    return `\`${v}\`: revoked everywhere ${msText(r.summary.everywhere.median)} median / ${msText(r.summary.everywhere.max)} max after the request was sent, ${r.summary.acceptedAfterAck} probe(s) accepted after the acknowledgement${cost(v)}`;
  };
  const ttl = accessLifetimeSeconds(ctx);
  const jS = jR.summary;
  const stillValid = jS.notRevoked === jS.pairs && jS.stillValidAfterBound === jS.repetitions;
  const sessionSide = [immediate(s), immediate('session-cached')].filter((x): x is string => x !== null).join('; ');
  const jwtSide = [
    `\`${j}\`: ${stillValid ? 'still accepted' : 'NOT always accepted'} on every instance after logout, logout-all, password change and disable, until exp (${int(jS.remainingSeconds.median)} s left${ttl ? ` of a ${ttl} s access lifetime` : ''}); the refresh token is revoked, so the window is one access lifetime`,
    immediate('jwt-denylist'),
    immediate('jwt-push'),
  ]
    .filter((x): x is string => x !== null)
    .join('; ');
  const denylist = me('jwt-denylist');
  const push = me('jwt-push');
  const cached = me('session-cached');
  const sessionMe = me(s);
  const verdict = [
    `${sR.summary.acceptedAfterAck === 0 ? 'Holds for sessions: deleting the row ends the session on every instance at the next request' : 'Sessions accepted a revoked credential after the acknowledgement in this run: see "Revocation"'}.`,
    `For tokens, "stateless" means logout cannot reach a token already issued: ${stillValid ? `the plain token kept working everywhere for its remaining lifetime${ttl ? ` (up to ${ttl} s)` : ''}` : 'see "Revocation"'}.`,
    `Getting revocation back costs state: a database round trip per request (\`jwt-denylist\`${denylist && jMe ? `: ${ratioCi(throughputRatio(denylist, jMe))} of plain \`${j}\` on \`me\`${sessionMe ? `, against ${ratioCi(throughputRatio(sessionMe, jMe))} for \`${s}\`` : ''}` : ''}: a token then costs what a session costs), or memory plus a notification per event (\`jwt-push\`, \`session-cached\`${push && cached && jMe ? `: ${ratioCi(throughputRatio(push, jMe))} and ${ratioCi(throughputRatio(cached, jMe))} of plain \`${j}\`` : ''}), which keeps near-stateless speed for a window of the notify latency, at the price of a dedicated LISTEN connection per instance, one notification per revoking event, revocations held in memory (for one access lifetime: \`jwt-push\`; the cache: \`session-cached\`), and a fallback to Postgres on every request while that connection is down.`,
  ].join(' ');
  return ['**revocation**: "invalidate on logout"; what "stateless" costs', sessionSide, jwtSide, verdict];
}
