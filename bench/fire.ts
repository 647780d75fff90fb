// One autocannon run, in this process (the servers and Postgres are other processes). Returns data
// and prints nothing. Latency comes from autocannon's per-response float milliseconds into an HDR
// histogram in microseconds: autocannon's own histogram truncates to whole milliseconds, which shows
// a loopback p50 as 0 (LIBRARIES.md 4).
import { createHistogram } from 'node:perf_hooks';
import autocannon from 'autocannon';

export interface FireSpec {
  /** Connection i is bound to urls[i % urls.length] for the whole run (round robin per connection). */
  urls: string[];
  connections: number;
  seconds: number;
  /** The request sequence connection i sends, round and round. */
  requestsFor(connection: number): autocannon.Request[];
  /** Statuses that are correct answers. */
  expected: number[];
  /** Statuses that are the measured outcome of the scenario (counted apart; not an error). */
  outcome?: number[];
  timeoutSeconds?: number;
}

export interface LatencyUs {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export interface FireResult<S> {
  wallSeconds: number;
  /** Requests written to a socket, including those still in flight when the run stopped. */
  sent: number;
  responses: number;
  ok: number;
  outcome: number;
  unexpected: number;
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
  /** Responses per url (index as in spec.urls): shows the load was spread. */
  perUrl: number[];
  latencyUs: LatencyUs;
  /** Samples taken synchronously right before the first connection and right at the end. */
  before: S;
  after: S;
}

export async function fire<S>(spec: FireSpec, sample: () => S): Promise<FireResult<S>> {
  const hist = createHistogram({ lowest: 1, highest: 60_000_000, figures: 3 });
  const statuses: Record<string, number> = {};
  const perUrl = spec.urls.map(() => 0);
  const portIndex = new Map(spec.urls.map((u, i) => [Number(new URL(u).port), i]));
  const expected = new Set(spec.expected);
  const outcome = new Set(spec.outcome ?? []);
  let ok = 0;
  let outcomes = 0;
  let unexpected = 0;
  let responses = 0;
  let nextClient = 0;

  let before: S | undefined;
  let startNs = 0n;
  const result = await new Promise<autocannon.Result & { errors: number; timeouts: number }>((resolve, reject) => {
    const instance = autocannon(
      {
        // @types/autocannon types url as a string; autocannon 9 takes an array (LIBRARIES.md 4).
        url: spec.urls as unknown as string,
        connections: spec.connections,
        duration: spec.seconds,
        // Stop within 0.1 s of the duration (the run ends on a sample tick, 1 s by default).
        sampleInt: 100,
        pipelining: 1,
        timeout: spec.timeoutSeconds ?? 10,
        setupClient: (client) => {
          client.setRequests(spec.requestsFor(nextClient++));
        },
      },
      (err, res) => (err ? reject(err) : resolve(res as autocannon.Result & { errors: number; timeouts: number })),
    );
    // autocannon emits 'start' once every connection is set up (building a long request sequence
    // per connection is not load): the measured window starts here.
    instance.once('start', () => {
      before = sample();
      startNs = process.hrtime.bigint();
    });
    instance.on('response', (client, statusCode, _bytes, responseTimeMs) => {
      responses++;
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
      const correct = expected.has(statusCode);
      if (correct) ok++;
      else if (outcome.has(statusCode)) outcomes++;
      else unexpected++;
      const port = Number((client as unknown as { opts: { port: number | string } }).opts.port);
      const i = portIndex.get(port);
      if (i !== undefined) perUrl[i]++;
      // Latency of correct answers only: a fast 401 (session-memory on the wrong instance) is not service.
      if (correct) hist.record(Math.max(1, Math.round(responseTimeMs * 1000)));
    });
  });
  const after = sample();
  const wallSeconds = Number(process.hrtime.bigint() - startNs) / 1e9;
  return {
    wallSeconds,
    sent: (result.requests as unknown as { sent?: number }).sent ?? responses,
    responses,
    ok,
    outcome: outcomes,
    unexpected,
    statuses,
    errors: result.errors,
    timeouts: result.timeouts,
    perUrl,
    latencyUs: {
      count: hist.count,
      mean: hist.count ? hist.mean : 0,
      p50: hist.count ? hist.percentile(50) : 0,
      p90: hist.count ? hist.percentile(90) : 0,
      p99: hist.count ? hist.percentile(99) : 0,
      p999: hist.count ? hist.percentile(99.9) : 0,
      max: hist.count ? hist.max : 0,
    },
    before: before as S,
    after,
  };
}
