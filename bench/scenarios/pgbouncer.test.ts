import { findPgBouncer } from '../pgbouncer';
import { getProfile } from '../profiles';
import { VARIANTS } from '../variants';
import { pgbouncerScenario, poolingMode } from './pgbouncer';
import type { Selection } from './types';

const selection: Selection = { workloads: [], scaling: false, revocation: false, outage: false, fanout: false, pgbouncer: true, variants: VARIANTS };

describe('the PgBouncer leg plan', () => {
  it('is not planned unless selected', () => {
    expect(pgbouncerScenario.plan(getProfile('smoke'), { ...selection, pgbouncer: undefined })).toEqual([]);
  });

  (findPgBouncer() ? it : it.skip)('one group per variant that touches Postgres: direct, unnamed (a query per request), pooled', () => {
    const [batch] = pgbouncerScenario.plan(getProfile('default'), selection);
    expect(batch.groups.map((g) => g.cells.map((c) => c.id))).toEqual([
      ['pgbouncer/me/session/direct', 'pgbouncer/me/session/unnamed', 'pgbouncer/me/session/pooled'],
      ['pgbouncer/me/session-cached/direct', 'pgbouncer/me/session-cached/pooled'],
      ['pgbouncer/me/jwt-denylist/direct', 'pgbouncer/me/jwt-denylist/unnamed', 'pgbouncer/me/jwt-denylist/pooled'],
      ['pgbouncer/me/jwt-push/direct', 'pgbouncer/me/jwt-push/pooled'],
    ]);
    // Only the pooled groups go through PgBouncer; only the unnamed ones switch statements off by themselves.
    expect(batch.fleet.filter((g) => g.pooler).map((g) => g.key)).toEqual([
      'pgbouncer/session/pooled',
      'pgbouncer/session-cached/pooled',
      'pgbouncer/jwt-denylist/pooled',
      'pgbouncer/jwt-push/pooled',
    ]);
    expect(batch.fleet.filter((g) => g.env?.PG_PREPARED_STATEMENTS === '0').map((g) => g.key)).toEqual([
      'pgbouncer/session/unnamed',
      'pgbouncer/jwt-denylist/unnamed',
    ]);
    expect(new Set(batch.fleet.map((g) => g.database)).size).toBe(batch.fleet.length);
  });

  it('reads the mode back from a cell id', () => {
    expect(poolingMode('pgbouncer/me/jwt-push/pooled')).toBe('pooled');
    expect(poolingMode('pgbouncer/me/session/unnamed')).toBe('unnamed');
    expect(poolingMode('workloads/me/session')).toBeNull();
  });
});
