import { getProfile } from '../profiles';
import { floorScenario } from '../scenarios/floor';
import { readCounters } from '../server-metrics';
import { VARIANTS } from '../variants';
import { groupOf } from '../profile';

describe('the floor scenario', () => {
  const all = { workloads: ['public', 'me'] as const, scaling: false, revocation: false, outage: false, fanout: false, floor: true, variants: VARIANTS };

  it('interleaves ours with the floors; every measured server, ours included, gets its credentials from an earlier issuer group', () => {
    const [batch, ...more] = floorScenario.plan(getProfile('smoke'), { ...all, workloads: [...all.workloads] });
    expect(more).toEqual([]);
    expect(batch.groups.map((g) => g.cells.map((c) => c.variant.name))).toEqual([
      ['jwt', 'jwt-metrics-on', 'jwt-metrics-off', 'floor-public'],
      ['jwt', 'floor-jwt', 'floor-jwt-headers', 'session', 'floor-session', 'floor-session-headers', 'session-cached'],
    ]);
    const keys = batch.fleet.map((g) => g.key);
    for (const g of batch.fleet) {
      if (g.issuer) expect(keys.indexOf(g.issuer)).toBeLessThan(keys.indexOf(g.key));
      if (g.variant.name.startsWith('floor-')) expect(g.entry).toEqual({ dir: 'bench/floor', name: 'main' });
      // A floor sends our headers exactly when its name says so.
      if (g.variant.name.startsWith('floor-')) expect(g.variant.env.FLOOR_HEADERS).toBe(g.variant.name.endsWith('-headers') ? 'ours' : 'none');
    }
    // Only the issuers log users in: a measured instance of ours has the floor's history (none).
    const selfIssued = batch.fleet.filter((g) => !g.issuer).map((g) => g.key);
    expect(selfIssued).toEqual(['floor/jwt-issuer', 'floor/session-issuer', 'floor/session-cached-issuer']);
    const issuerOf = new Map(batch.fleet.map((g) => [g.key, g.issuer]));
    expect(issuerOf.get('floor/jwt')).toBe('floor/jwt-issuer');
    expect(issuerOf.get('floor/floor-jwt')).toBe('floor/jwt-issuer');
    expect(issuerOf.get('floor/session')).toBe('floor/session-issuer');
    expect(issuerOf.get('floor/floor-session')).toBe('floor/session-issuer');
    expect(issuerOf.get('floor/floor-jwt-headers')).toBe('floor/jwt-issuer');
    expect(issuerOf.get('floor/floor-session-headers')).toBe('floor/session-issuer');
    expect(issuerOf.get('floor/session-cached')).toBe('floor/session-cached-issuer');
    // An issuer runs the same server as the instances it issues for.
    for (const g of batch.fleet.filter((x) => x.key.endsWith('-issuer'))) expect(g.variant.env.AUTH_VARIANT).toBe(g.variant.name.replace(/-issuer$/, ''));
    expect(batch.groups.flatMap((g) => g.cells).every((c) => c.scenario === 'floor' && !c.dbAccounting)).toBe(true);
  });

  it('is planned on its own (--only floor), and not when --only or --variants leave it out', () => {
    expect(floorScenario.plan(getProfile('smoke'), { ...all, workloads: [] })).toHaveLength(1);
    expect(floorScenario.plan(getProfile('smoke'), { ...all, workloads: ['public', 'me'], floor: false })).toEqual([]);
    expect(floorScenario.plan(getProfile('smoke'), { ...all, workloads: ['public', 'me'], floor: undefined })).toEqual([]);
    expect(
      floorScenario.plan(getProfile('smoke'), { ...all, workloads: ['public', 'me'], variants: VARIANTS.filter((v) => v.name !== 'session-cached') }),
    ).toEqual([]);
  });
});

describe("readCounters (the bench reading a server's /metrics)", () => {
  it('keeps the counters it reports, summed over labels', () => {
    const text = [
      '# HELP session_cache_lookups_total x',
      'session_cache_lookups_total{result="hit"} 90',
      'session_cache_lookups_total{result="miss"} 10',
      'auth_outcomes_total{outcome="ok"} 100',
      'db_queries_total{statement="sess_find"} 7',
      'db_queries_total{statement="unnamed"} 3',
      'http_requests_total{method="GET",route="/auth/me",status="200"} 100',
      'process_cpu_seconds_total 1.5',
    ].join('\n');
    expect(readCounters(text)).toEqual({
      cacheHits: 90,
      cacheMisses: 10,
      auth_ok: 100,
      dbQueries: 10,
      'stmt:sess_find': 7,
      'stmt:unnamed': 3,
      httpRequests: 100,
    });
  });
});

describe('groupOf (bench/profile.ts)', () => {
  it('puts a function where its code lives', () => {
    expect(groupOf('file:///app/node_modules/pg-protocol/dist/parser.js', 'parse')).toBe('pg');
    expect(groupOf('file:///app/node_modules/@koa/router/dist/index.js', 'dispatch')).toBe('router');
    expect(groupOf('file:///app/node_modules/koa/lib/response.js', 'set')).toBe('koa and its helpers');
    expect(groupOf('file:///app/dist/servers/core/http/security-headers.js', '')).toBe('ours: servers/');
    expect(groupOf('node:internal/crypto/hash', 'digest')).toBe('node: crypto');
    expect(groupOf('', '(garbage collector)')).toBe('GC');
  });
});
