import {
  AGREEMENT_BAND,
  agreement,
  appCoresPerPostgresCore,
  calibrateApp,
  capacity,
  connectionCost,
  coresFor,
  maxInstances,
  predictedKnee,
  predictMiniCluster,
  relativeError,
} from './capacity-model';

// Costs of the shape the reference run measured for GET /auth/me (µs per request).
const session = { serverCpuUs: 500, postgresCpuUs: 250 };
const jwt = { serverCpuUs: 250, postgresCpuUs: 1 };

describe('capacity model', () => {
  it('serves the smaller of what each side can do, and names that side', () => {
    // 4 app cores -> 8000 req/s; 1 Postgres core -> 4000 req/s.
    const c = capacity(session, { appCores: 4, postgresCores: 1 });
    expect(c.rps).toBe(4000);
    expect(c.limitedBy).toBe('postgres');
    expect(c.appUtilisation).toBe(0.5);
    expect(c.postgresUtilisation).toBe(1);
    const small = capacity(session, { appCores: 1, postgresCores: 1 });
    expect(small).toMatchObject({ rps: 2000, limitedBy: 'app', postgresUtilisation: 0.5 });
  });

  it('a request path without Postgres work is never Postgres-bound', () => {
    const c = capacity({ serverCpuUs: 250, postgresCpuUs: 0 }, { appCores: 64, postgresCores: 0.1 });
    expect(c.limitedBy).toBe('app');
    expect(c.postgresRps).toBe(Number.POSITIVE_INFINITY);
    expect(c.rps).toBe(256_000);
    expect(appCoresPerPostgresCore(jwt)).toBe(Number.POSITIVE_INFINITY);
  });

  it('one Postgres core carries serverUs / postgresUs app cores', () => {
    expect(appCoresPerPostgresCore(session)).toBe(2);
    // At that ratio both sides saturate together.
    const c = capacity(session, { appCores: 2, postgresCores: 1 });
    expect(c.appUtilisation).toBe(1);
    expect(c.postgresUtilisation).toBe(1);
  });

  it('sizes a target rate', () => {
    expect(coresFor(session, 100_000)).toEqual({ app: 50, postgres: 25 });
    expect(coresFor(jwt, 1_000_000).postgres).toBe(1);
  });

  it('predicts the mini-cluster and where Postgres becomes the limit', () => {
    const m = { instanceCores: 0.15, postgresCores: 0.3 };
    // Postgres alone: 1200 req/s; one instance: 300 req/s.
    expect(predictMiniCluster(session, { ...m, instances: 2 }).rps).toBeCloseTo(600);
    expect(predictMiniCluster(session, { ...m, instances: 6 }).rps).toBeCloseTo(1200);
    expect(predictedKnee(session, m, [1, 2, 3, 4, 6])).toBe(4);
    expect(predictedKnee(jwt, m, [1, 2, 3, 4, 6])).toBeNull();
  });

  it('reports the error against a measurement, and none against nothing', () => {
    expect(relativeError(1000, 900)).toBeCloseTo(-0.1);
    expect(relativeError(0, 900)).toBeNull();
    expect(relativeError(Number.POSITIVE_INFINITY, 900)).toBeNull();
  });

  it('counts what max_connections allows and what N instances hold', () => {
    // 200 slots, 3 reserved for superusers, 2 for the bench: 11 per instance (pool 10 + listener).
    expect(maxInstances(11, 200, 3, 2)).toBe(17);
    expect(maxInstances(0, 200, 3)).toBe(Number.POSITIVE_INFINITY);
    expect(connectionCost(32, 2, 1_500_000)).toEqual({ connections: 64, bytes: 96_000_000 });
  });
});

describe('calibrated model and agreement', () => {
  it('calibration replaces the app cost only, so N > 1 is predicted from N = 1 and the unbudgeted Postgres cost', () => {
    const c = calibrateApp(session, 800);
    expect(c).toEqual({ serverCpuUs: 800, postgresCpuUs: 250 });
    // 0.15 core per instance at 800 µs -> 187.5 req/s each; Postgres 0.2 core at 250 µs -> 800 req/s.
    const m = { instanceCores: 0.15, postgresCores: 0.2 };
    expect(predictMiniCluster(c, { ...m, instances: 2 })).toMatchObject({ rps: 375, limitedBy: 'app' });
    expect(predictMiniCluster(c, { ...m, instances: 6 })).toMatchObject({ rps: 800, limitedBy: 'postgres' });
  });

  it('counts errors within the band and skips the ones that could not be computed', () => {
    expect(AGREEMENT_BAND).toBe(0.25);
    expect(agreement([0.1, -0.25, 0.3, null, -0.6])).toEqual({ within: 2, of: 4, median: -0.075 });
    expect(agreement([null])).toEqual({ within: 0, of: 0, median: null });
    expect(agreement([0.05, -0.2, 0.4], 0.1)).toEqual({ within: 1, of: 3, median: 0.05 });
  });
});
