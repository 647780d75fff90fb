// Our servers against the minimum (ISSUE 11): the floor servers of bench/floor/ measured in the same
// run, in the same interleaved rounds as ours, on the same databases and credentials. `public`:
// jwt's GET /products, the same server with metrics off (the metrics' cost per request) and the
// plain Koa route; `me`: jwt, session and session-cached against their floors. Every measured
// server, ours and the floors alike, gets its credentials from a separate issuer instance of ours
// (floor-variants.ts issuerOf), so ours and the floor compared with it have the same history.
import type { InstanceGroupSpec } from '../fleet';
import {
  FLOOR_ENTRY,
  FLOOR_JWT,
  FLOOR_JWT_HEADERS,
  FLOOR_PUBLIC,
  FLOOR_SESSION,
  FLOOR_SESSION_HEADERS,
  issuerOf,
  JWT_METRICS_OFF,
  JWT_METRICS_ON,
} from '../floor/floor-variants';
import { VARIANTS, type Variant } from '../variants';
import { getWorkload, type WorkloadName } from '../workloads';
import type { CellPlan, GroupPlan, Scenario } from './types';

const ours = (name: string) => VARIANTS.find((v) => v.name === name) as Variant;

export const floorScenario: Scenario = {
  name: 'floor',
  method:
    'Our servers and minimal peers written in this repository (bench/floor/: plain Koa with one route; plus one jsonwebtoken verify with a KeyObject; plus SHA-256 of the cookie and one prepared SELECT by primary key) on one instance each, interleaved round by round. The credentials come from a separate instance of ours per database (`jwt-issuer`, `session-issuer`, `session-cached-issuer`: it serves the registrations and logins), so the measured servers, ours and the floors, serve nothing but the measured requests. `floor-jwt-headers` and `floor-session-headers` are the same floors sending the response headers ours sends (the same function): they split what ours costs over the floor into the response headers and the rest. `jwt-metrics-on` and `jwt-metrics-off` are the jwt server with METRICS_ENABLED=1 and 0, started alike (neither logs the users in, both serve only `public`): their difference is the cost of /metrics per request.',
  plan(profile, selection) {
    // Selected by default and by `--only floor` (on its own: `--only floor --profile full` gives the
    // targets their longer rounds without the rest); needs the three variants it compares.
    if (!selection.floor || !['jwt', 'session', 'session-cached'].every((v) => selection.variants.some((x) => x.name === v))) return [];
    const spec = (variant: Variant, extra: Partial<InstanceGroupSpec> = {}): InstanceGroupSpec => ({
      key: `floor/${variant.name}`,
      variant,
      count: 1,
      database: `floor_${variant.name.replace(/-/g, '_')}`,
      ...extra,
    });
    const [jwtIssuer, sessionIssuer, cachedIssuer] = ['jwt', 'session', 'session-cached'].map((v) => issuerOf(ours(v)));
    const by = (issuer: Variant) => ({ issuer: `floor/${issuer.name}` });
    const fleet: InstanceGroupSpec[] = [
      spec(jwtIssuer),
      spec(ours('jwt'), by(jwtIssuer)),
      spec(JWT_METRICS_ON, by(jwtIssuer)),
      spec(JWT_METRICS_OFF, by(jwtIssuer)),
      spec(FLOOR_PUBLIC, { ...by(jwtIssuer), entry: FLOOR_ENTRY }),
      spec(FLOOR_JWT, { ...by(jwtIssuer), entry: FLOOR_ENTRY }),
      spec(FLOOR_JWT_HEADERS, { ...by(jwtIssuer), entry: FLOOR_ENTRY }),
      spec(sessionIssuer),
      spec(ours('session'), by(sessionIssuer)),
      spec(FLOOR_SESSION, { ...by(sessionIssuer), entry: FLOOR_ENTRY }),
      spec(FLOOR_SESSION_HEADERS, { ...by(sessionIssuer), entry: FLOOR_ENTRY }),
      spec(cachedIssuer),
      spec(ours('session-cached'), by(cachedIssuer)),
    ];
    const cell = (workload: WorkloadName, variant: Variant): CellPlan => ({
      id: `floor/${workload}/${variant.name}`,
      scenario: 'floor',
      workload,
      variant,
      fleetKey: `floor/${variant.name}`,
      instances: 1,
      connections: getWorkload(workload).connections(profile),
      outcome: [],
      // Floor servers share their issuer's database: per-request database counters would mix.
      dbAccounting: false,
      label: `${variant.name} ${workload} (floor)`,
    });
    const group = (workload: WorkloadName, variants: Variant[]): GroupPlan => ({
      id: `floor/${workload}`,
      title: `floor ${workload}: ${variants.map((v) => v.name).join(' vs ')}`,
      cells: variants.map((v) => cell(workload, v)),
      warmupSeconds: profile.warmupSeconds,
      roundSeconds: profile.roundSeconds,
      rounds: profile.rounds,
    });
    return [
      {
        fleet,
        users: { steady: getWorkload('me').connections(profile) },
        groups: [
          group('public', [ours('jwt'), JWT_METRICS_ON, JWT_METRICS_OFF, FLOOR_PUBLIC]),
          group('me', [ours('jwt'), FLOOR_JWT, FLOOR_JWT_HEADERS, ours('session'), FLOOR_SESSION, FLOOR_SESSION_HEADERS, ours('session-cached')]),
        ],
      },
    ];
  },
};
