// The answer first: what this run measured, in plain words, and a decision guide built on it. Every
// figure comes from the results; every sentence that compares says how sure the run is (the 95%
// interval of compare.ts), so an inconclusive comparison reads as one.
import type { RatioInterval } from '../compare';
import { revocationVerdict } from '../revocation-window';
import { int, num, pct, ratio, ratioCi } from './format';
import type { CellMetrics } from './metrics';
import type { Block, ModelContext, Section } from './model';
import { canonicalVariant } from './section-claims';
import { throughputRatio } from './section-headline';
import { accessLifetimeSeconds, variantRevocation } from './section-revocation';
import { scalingCells } from './section-scaling';

const code = (v: string) => `\`${v}\``;

/** "380 µs of CPU (289 µs server + 6.3 µs Postgres) and 0.0004 database round trips". */
export function meCost(m: CellMetrics): string {
  const server = m.serverCpuUs ?? Number.NaN;
  const pg = m.postgresCpuUs ?? 0;
  const trips = m.db ? `${num(m.db.xacts, 2)} database round trips` : 'database round trips not measured';
  return `${num(server + pg)} µs of CPU (${num(server)} µs server + ${num(pg)} µs Postgres) and ${trips}`;
}

/** A throughput comparison in words, as sure as its interval allows. */
export function throughputPhrase(r: RatioInterval, a: string, b: string, what = '`/auth/me` throughput'): string {
  switch (r.verdict) {
    case 'higher':
    case 'lower':
      return `${code(a)} served ${ratioCi(r)} the ${what} of ${code(b)}`;
    case 'same':
      return `${code(a)} and ${code(b)} served the same ${what} within 5% (${ratioCi(r)})`;
    case 'inconclusive':
      return `this run cannot tell ${code(a)}'s ${what} from ${code(b)}'s (${ratioCi(r)}: inconclusive)`;
  }
}

interface RevocationFacts {
  promise: 'next-request' | 'notify' | 'expiry';
  pass: boolean;
  medianMs: number;
  maxMs: number;
  acceptedAfterAck: number;
  remainingSeconds: number;
}

function revocationFacts(ctx: ModelContext, variant: string): RevocationFacts | null {
  const promise = ctx.results.variants.find((v) => v.name === variant)?.revocation;
  const got = variantRevocation(ctx, variant);
  if (!promise || !got) return null;
  const s = got.summary;
  return {
    promise,
    pass: got.cells.every((c) => c.record.valid && revocationVerdict(promise, c.summary).pass),
    medianMs: s.everywhere.median,
    maxMs: s.everywhere.max,
    acceptedAfterAck: s.acceptedAfterAck,
    remainingSeconds: s.remainingSeconds.median,
  };
}

function revokedText(f: RevocationFacts | null): string {
  if (!f) return 'not measured';
  // The lifetime itself is in the findings above; the cell stays short for the terminal summary.
  if (f.promise === 'expiry') return `at exp (${int(f.remainingSeconds)} s left)`;
  const window = `${num(f.medianMs)} ms (max ${num(f.maxMs)})`;
  return `${window}${f.pass ? '' : ' (**missed its promise**)'}`;
}

function outageOf(ctx: ModelContext, variant: string) {
  return ctx.results.outage?.variants.find((v) => v.variant === variant)?.summary.down;
}

function outageText(ctx: ModelContext, variant: string): string {
  const d = outageOf(ctx, variant);
  if (!d || d.responses === 0) return 'not measured';
  if (d.ok === d.responses) return `${int(d.ok)} × 200`;
  if (d.unavailable === d.responses) return `${int(d.unavailable)} × 503`;
  return `${int(d.ok)} × 200, ${int(d.unavailable)} × 503, ${int(d.responses - d.ok - d.unavailable)} other`;
}

/** The fleet-without-shared-storage variant's 401 share per instance count (scaling scenario). */
function memoryFailures(ctx: ModelContext): { variant: string; shares: { n: number; share: number }[] } | null {
  const v = ctx.results.variants.find((x) => x.perInstanceState);
  if (!v) return null;
  const shares = scalingCells(ctx)
    .filter((m) => m.cell.variant === v.name && m.cell.instances > 1 && m.outcomeShare !== null)
    .map((m) => ({ n: m.cell.instances, share: m.outcomeShare as number }));
  return shares.length ? { variant: v.name, shares } : null;
}

function glanceTable(ctx: ModelContext, jwt: string | undefined): Block | null {
  const variants = ctx.variantNames.filter((v) => ctx.find('workloads', 'me', v) && !ctx.results.variants.find((x) => x.name === v)?.trap);
  if (variants.length === 0) return null;
  const jMe = jwt ? ctx.find('workloads', 'me', jwt) : undefined;
  return {
    kind: 'table',
    id: 'glance',
    caption:
      'At a glance: one `/auth/me` on each variant (CPU, database round trips, throughput against plain `jwt`), how long a revoked credential kept working, what it answered while Postgres was down',
    // Short cells: the same table is the terminal summary at the end of `npm run bench` (≤ 110 columns).
    columns: [
      { label: 'variant' },
      { label: 'CPU µs (server+PG)', align: 'right' },
      { label: 'DB trips', align: 'right' },
      { label: `vs \`${jwt ?? 'jwt'}\``, align: 'right' },
      { label: '95% CI', align: 'right' },
      { label: 'verdict' },
      { label: 'revoked everywhere' },
      { label: 'PG down' },
    ],
    rows: variants.map((v) => {
      const m = ctx.find('workloads', 'me', v) as CellMetrics;
      const vs = jMe && v !== jwt && m.cell.valid && jMe.cell.valid ? throughputRatio(m, jMe) : null;
      const word = vs ? { higher: 'faster', lower: 'slower', same: 'same', inconclusive: 'inconclusive' }[vs.verdict] : '';
      return [
        code(v),
        m.cell.valid ? `${num(m.serverCpuUs)} + ${num(m.postgresCpuUs ?? 0)}` : '**INVALID**',
        m.db ? num(m.db.xacts, 2) : '–',
        v === jwt ? '1' : vs ? ratio(vs.ratio) : '–',
        vs && Number.isFinite(vs.low) ? `${vs.low.toFixed(2)}–${vs.high.toFixed(2)}` : '–',
        v === jwt ? 'reference' : word || '–',
        revokedText(revocationFacts(ctx, v)),
        outageText(ctx, v),
      ];
    }),
  };
}

export function findingsSection(ctx: ModelContext): Section | null {
  const s = canonicalVariant(ctx, 'session');
  const j = canonicalVariant(ctx, 'jwt');
  const sMe = s ? ctx.find('workloads', 'me', s) : undefined;
  const jMe = j ? ctx.find('workloads', 'me', j) : undefined;
  const cores = ctx.results.environment.machine.cores;
  const findings: string[] = [];
  const guide: string[] = [];
  const ratioOf = (a: string, b: string) => {
    const ma = ctx.find('workloads', 'me', a);
    const mb = ctx.find('workloads', 'me', b);
    return ma?.cell.valid && mb?.cell.valid ? throughputRatio(ma, mb) : null;
  };

  // 1. What one authenticated request costs.
  if (s && j && sMe?.cell.valid && jMe?.cell.valid) {
    const r = throughputRatio(jMe, sMe);
    findings.push(`**What a \`/auth/me\` costs.** ${code(s)}: ${meCost(sMe)}; ${code(j)}: ${meCost(jMe)}. On throughput, ${throughputPhrase(r, j, s)}.`);
  }

  // 2. Where each design's bottleneck is.
  if (s && j && sMe?.cell.valid && jMe?.cell.valid) {
    const pgShare = (sMe.postgresCpuUs ?? 0) / ((sMe.serverCpuUs ?? 0) + (sMe.postgresCpuUs ?? 0));
    const scaling = scalingCells(ctx).filter((m) => m.cell.variant === j);
    const top = scaling.length ? scaling.reduce((a, b) => (b.cell.instances > a.cell.instances ? b : a)) : undefined;
    const saturated = top && top.utilisation.machine >= cores * 0.9;
    findings.push(
      `**Where the bottleneck is.** ${code(s)} puts ${pct(pgShare)} of a \`/auth/me\`'s CPU into Postgres (${num(sMe.postgresCpuUs)} µs): one database every instance shares, so every instance added adds load to it: the database is the part a session fleet must grow (or cache, at the price of a notification per revocation). ${code(j)} spends ${num(jMe.serverCpuUs)} µs in the instance and ${num(jMe.postgresCpuUs ?? 0)} µs in Postgres: its limit is the instances' own CPU${
        top
          ? saturated
            ? `, and on this ${cores}-core machine ${top.cell.instances} instances already saturated it (${num(top.utilisation.machine, 2)} of ${cores} cores busy), so more instances need more cores`
            : ` (${top.cell.instances} instances used ${num(top.utilisation.machine, 2)} of ${cores} cores)`
          : ''
      }.`,
    );
  }

  // 3. Revocation: how fast (grouped by what each variant promises), and what it costs per request.
  const rv = (v: string) => revocationFacts(ctx, v);
  const byPromise = (p: RevocationFacts['promise']) => ctx.variantNames.filter((v) => rv(v)?.promise === p);
  const windowOf = (v: string) => {
    const f = rv(v) as RevocationFacts;
    return `${code(v)} (${num(f.medianMs)} ms median, ${num(f.maxMs)} ms max${f.pass ? '' : ', **missed its promise**'})`;
  };
  const revocation: string[] = [];
  const nextRequest = byPromise('next-request');
  if (nextRequest.length)
    revocation.push(
      `With a check in Postgres on every request, a revoked credential was refused on every instance at the next request: ${nextRequest.map(windowOf).join(', ')} after the revoking request was sent; ${nextRequest.reduce((n, v) => n + (rv(v)?.acceptedAfterAck ?? 0), 0)} probes accepted after its response`,
    );
  const notify = byPromise('notify');
  if (notify.length) revocation.push(`With memory invalidated by LISTEN/NOTIFY: ${notify.map(windowOf).join(', ')}`);
  for (const v of byPromise('expiry')) {
    const f = rv(v) as RevocationFacts;
    const ttl = accessLifetimeSeconds(ctx);
    revocation.push(
      `${code(v)} ${f.pass ? 'kept accepting' : 'did not behave as promised with'} a revoked access token on every instance until \`exp\` (${int(f.remainingSeconds)} s of validity left${ttl ? ` of a ${ttl} s lifetime` : ''})`,
    );
  }
  const jwtSide = [...nextRequest, ...notify].filter((v) => ctx.results.variants.find((x) => x.name === v)?.strategy === 'jwt');
  const costs = jwtSide.flatMap((v) => {
    const r = j ? ratioOf(v, j) : null;
    return r ? [throughputPhrase(r, v, j as string)] : [];
  });
  if (revocation.length)
    findings.push(
      `**Revocation: how fast, at what cost.** ${revocation.join('. ')}.${costs.length ? ` What giving a token revocation costs: ${costs.join('; ')}.` : ''}`,
    );

  // 4. The round-robin balancer without shared storage.
  const mem = memoryFailures(ctx);
  if (mem)
    findings.push(
      `**What breaks behind a round-robin balancer.** ${code(mem.variant)} keeps sessions in one process's memory: ${mem.shares.map((x) => `${pct(x.share, 1)} of requests failed with 401 on ${x.n} instances (a non-sticky balancer predicts ${pct((x.n - 1) / x.n)})`).join('; ')}. A session issued by one instance is unknown to the others.`,
    );

  // 5. Postgres down.
  if (ctx.results.outage && j) {
    const kept = ctx.results.outage.variants.filter((v) => {
      const d = v.summary.down;
      return d.responses > 0 && d.ok === d.responses;
    });
    const refused = ctx.results.outage.variants.filter((v) => v.summary.down.responses > 0 && v.summary.down.ok === 0);
    findings.push(
      `**When Postgres goes away.** ${kept.length ? `${kept.map((v) => code(v.variant)).join(', ')} kept authenticating` : 'No variant kept authenticating'}${refused.length ? `; ${refused.map((v) => code(v.variant)).join(', ')} answered 503 until it came back (fail closed)` : ''}.`,
    );
  }

  // The decision guide: each line only when its figures exist.
  const sRv = s ? rv(s) : null;
  const jRv = j ? rv(j) : null;
  if (s && sMe?.cell.valid && sRv)
    guide.push(
      `**Choose ${code(s)}** (a session row in Postgres) when logout, password change and disabling a user must take effect at once and one database read per request is affordable: we measured ${sRv.pass ? `revocation on every instance ${num(sRv.medianMs)} ms after the revoking request (median), no probe accepted after its response` : 'revocation that **missed its promise** in this run (see Revocation)'}, for ${meCost(sMe)} per \`/auth/me\`.`,
    );
  if (j && s && jMe?.cell.valid && sMe?.cell.valid && jRv) {
    const d = outageOf(ctx, j);
    guide.push(
      `**Choose plain ${code(j)}** when requests must not depend on the database${d && d.responses > 0 && d.ok === d.responses ? ` (it kept answering while Postgres was down: ${int(d.ok)} of ${int(d.responses)} probes got 200)` : ''} and a revoked token may keep working for one access-token lifetime: we measured ${meCost(jMe)} per \`/auth/me\` (${throughputPhrase(throughputRatio(jMe, sMe), j, s)}), and a revoked token still accepted everywhere with ${int(jRv.remainingSeconds)} s of its lifetime left.`,
    );
  }
  const fast = ctx.variantNames.filter((v) => rv(v)?.promise === 'notify');
  if (fast.length && j) {
    const parts = fast.map((v) => {
      const f = rv(v) as RevocationFacts;
      const r = ratioOf(v, j);
      return `${code(v)} refused a revoked credential everywhere within ${num(f.maxMs)} ms (median ${num(f.medianMs)} ms)${f.pass ? '' : ' (**missed its promise**)'}${r ? ` and ${throughputPhrase(r, v, j)}` : ''}`;
    });
    guide.push(
      `**Choose ${fast.map(code).join(' or ')}** when you need both revocation within milliseconds and requests that skip the database: ${parts.join('; ')}. The price: a LISTEN connection per instance, revocations held in memory, 503 while Postgres is down.`,
    );
  }
  const deny = ctx.variantNames.find((v) => v !== j && rv(v)?.promise === 'next-request' && ctx.results.variants.find((x) => x.name === v)?.strategy === 'jwt');
  if (deny && s && j) {
    const m = ctx.find('workloads', 'me', deny);
    const vsSession = ratioOf(deny, s);
    const vsJwt = ratioOf(deny, j);
    if (m?.db && vsSession && vsJwt)
      guide.push(
        `**${code(deny)} buys immediate revocation with a database check per request** (${num(m.db.xacts, 2)} round trips per \`/auth/me\`): ${throughputPhrase(vsJwt, deny, j)}; against ${code(s)}: ${throughputPhrase(vsSession, deny, s).replace(/^`[^`]+` /, '')}. It keeps a ${int(m.cell.credentialBytes)}-byte credential for what a ${int(sMe?.cell.credentialBytes)}-byte session cookie does.`,
      );
  }
  if (mem)
    guide.push(
      `**Never keep sessions in process memory behind a load balancer that does not pin users**: ${mem.shares.map((x) => `${pct(x.share, 0)} failures on ${x.n} instances`).join(', ')}.`,
    );
  const login = s ? ctx.find('workloads', 'login', s) : undefined;
  const jLogin = j ? ctx.find('workloads', 'login', j) : undefined;
  const hash = ctx.results.scrypt.msPerHash;
  if (login?.cell.valid && jLogin?.cell.valid && hash.length) {
    const r = throughputRatio(jLogin, login);
    const hashMs = num([...hash].sort((a, b) => a - b)[Math.floor(hash.length / 2)]);
    const rates = `${num(login.rps.median)} (${code(s as string)}) and ${num(jLogin.rps.median)} (${code(j as string)}) logins/s`;
    guide.push(
      r.verdict === 'same'
        ? `**Logins cost the same either way**: one scrypt hash takes ${hashMs} ms of CPU, which bounds both at ${rates} on this machine (${ratioCi(r)}).`
        : `**Logins**: one scrypt hash takes ${hashMs} ms of CPU; measured ${rates}: ${throughputPhrase(r, j as string, s as string, 'login throughput')}.`,
    );
  }
  if (findings.length === 0 && guide.length === 0) return null;
  const glance = glanceTable(ctx, j);
  const blocks: Block[] = [
    {
      kind: 'paragraph',
      text: `Sessions or JWTs, and what does each cost? Measured on ${cores} × ${ctx.results.environment.machine.cpuModel}, profile ${ctx.results.profile.name}, one client per connection against real servers and Postgres on one machine: absolute figures are this machine's, ratios travel.${ctx.results.valid ? '' : ' **This run has invalid cells: see "Validity and notes" before trusting anything below.**'}${ctx.results.profile.name === 'smoke' ? ' **Smoke profile: tiny runs that prove the pipeline; the figures below mean nothing.**' : ''}`,
    },
    ...(guide.length
      ? [
          { kind: 'paragraph' as const, text: '**Which to choose**' },
          { kind: 'list' as const, items: guide },
        ]
      : []),
    ...(findings.length
      ? [
          { kind: 'paragraph' as const, text: '**What we measured**' },
          { kind: 'list' as const, items: findings },
        ]
      : []),
    ...(glance ? [glance] : []),
  ];
  return { id: 'findings', title: 'The answer: what we measured, and which to choose', blocks };
}
