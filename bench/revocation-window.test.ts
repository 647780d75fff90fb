import {
  everywhereMs,
  instanceOutcome,
  jwtExpSeconds,
  type ProbeLog,
  type RepetitionRecord,
  revocationVerdict,
  summarizeRevocation,
} from './revocation-window';

const log = (over: Partial<ProbeLog>): ProbeLog => ({ probes: 0, okSentMs: [], reject: null, unexpected: null, endMs: 0, ...over });

function rep(windows: (number | null)[], opts: Partial<RepetitionRecord> & { accepted?: number[] } = {}): RepetitionRecord {
  return {
    repetition: 0,
    sentAt: '2026-01-01T00:00:00.000Z',
    revokingInstance: 0,
    revokeStatus: 204,
    ackMs: 2,
    sourceBefore: windows.map(() => null),
    instances: windows.map((w, i) => ({
      instance: i,
      revoking: i === 0,
      probes: 3,
      windowMs: w,
      acceptedAfterAck: opts.accepted?.[i] ?? 0,
      lastAcceptedSentMs: null,
      probeIntervalMs: 0.5,
    })),
    final: null,
    expiresAt: null,
    remainingSeconds: null,
    freshCredentialStatus: null,
    problems: [],
    ...opts,
  };
}

describe('instanceOutcome', () => {
  it('takes the window from the arrival of the first 401 and counts 200s to probes sent after the ack', () => {
    const o = instanceOutcome(log({ probes: 4, okSentMs: [0, 0.6, 1.3], reject: { sentMs: 1.9, atMs: 2.4 }, endMs: 2.4 }), 1, false, 1.0);
    expect(o.windowMs).toBe(2.4);
    expect(o.acceptedAfterAck).toBe(1); // only the probe sent at 1.3 ms, after the ack at 1.0 ms
    expect(o.lastAcceptedSentMs).toBe(1.3);
    expect(o.probeIntervalMs).toBeCloseTo(0.6);
  });

  it('has no window when the credential outlived the bound', () => {
    const o = instanceOutcome(log({ probes: 2, okSentMs: [0, 500], endMs: 1000 }), 0, true, 3);
    expect(o.windowMs).toBeNull();
    expect(o.acceptedAfterAck).toBe(1);
  });

  it('counts nothing after an ack that never came', () => {
    expect(instanceOutcome(log({ probes: 1, okSentMs: [5] }), 0, true, Number.NaN).acceptedAfterAck).toBe(0);
  });
});

describe('summarizeRevocation', () => {
  it('takes per repetition the slowest instance as "revoked everywhere"', () => {
    expect(everywhereMs(rep([1, 4, 2]))).toBe(4);
    expect(everywhereMs(rep([1, null, 2]))).toBeNull();
    const s = summarizeRevocation([rep([1, 4, 2]), rep([2, 3, 9], { accepted: [0, 1, 2] }), rep([1, null, 1])]);
    expect(s.everywhere.n).toBe(2);
    expect(s.everywhere.median).toBe(6.5);
    expect(s.everywhere.max).toBe(9);
    expect(s.revoking.median).toBe(1);
    expect(s.others.max).toBe(9);
    expect(s.acceptedAfterAck).toBe(3);
    expect(s.afterAck.n).toBe(2);
    expect(s.afterAck.max).toBe(7); // 9 ms everywhere, response after 2 ms
    expect(s.notRevoked).toBe(1);
    expect(s.pairs).toBe(9);
  });
});

describe('revocationVerdict', () => {
  it('next-request passes only without acceptance after the ack', () => {
    expect(revocationVerdict('next-request', summarizeRevocation([rep([3, 4])])).pass).toBe(true);
    expect(revocationVerdict('next-request', summarizeRevocation([rep([3, 4], { accepted: [0, 1] })])).pass).toBe(false);
    expect(revocationVerdict('next-request', summarizeRevocation([rep([3, null])])).pass).toBe(false);
  });

  it('notify holds the slowest instance to 50 ms median and 200 ms max', () => {
    expect(revocationVerdict('notify', summarizeRevocation([rep([3, 40]), rep([3, 30]), rep([3, 190])])).pass).toBe(true);
    expect(revocationVerdict('notify', summarizeRevocation([rep([3, 40]), rep([3, 30]), rep([3, 210])])).pass).toBe(false);
    expect(revocationVerdict('notify', summarizeRevocation([rep([3, 60]), rep([3, 70]), rep([3, 10])])).pass).toBe(false);
  });

  it('expiry passes when the credential outlived the bound everywhere, with validity left', () => {
    const valid = rep([null, null], { final: { atMs: 1001, statuses: [200, 200] }, remainingSeconds: 298.7 });
    expect(revocationVerdict('expiry', summarizeRevocation([valid])).pass).toBe(true);
    expect(
      revocationVerdict('expiry', summarizeRevocation([rep([null, 5], { final: { atMs: 1001, statuses: [200, 401] }, remainingSeconds: 298 })])).pass,
    ).toBe(false);
  });

  it('fails anything with problems', () => {
    expect(revocationVerdict('next-request', summarizeRevocation([rep([3, 4], { problems: ['probe answered 503'] })])).pass).toBe(false);
  });
});

describe('jwtExpSeconds', () => {
  const token = (payload: object) => `h.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.s`;
  it('reads exp from a bearer credential', () => {
    expect(jwtExpSeconds(`Bearer ${token({ sub: '1', exp: 1767225600 })}`)).toBe(1767225600);
  });
  it('is null without a readable exp', () => {
    expect(jwtExpSeconds('Bearer nope')).toBeNull();
    expect(jwtExpSeconds(token({ sub: '1' }))).toBeNull();
    expect(jwtExpSeconds('a.%%%.b')).toBeNull();
  });
});
