import type { RunResults } from '../results';
import type { RepetitionRecord } from '../revocation-window';
import { modelContext } from './model';
import { revocationTargets } from './section-revocation';

function rep(i: number, windowMs: number): RepetitionRecord {
  return {
    repetition: i,
    sentAt: '2026-01-01T00:00:00Z',
    revokingInstance: 0,
    revokeStatus: 204,
    ackMs: windowMs - 1,
    sourceBefore: ['memory', 'memory'],
    instances: [0, 1].map((n) => ({ instance: n, revoking: n === 0, probes: 5, windowMs, acceptedAfterAck: 0, lastAcceptedSentMs: 1, probeIntervalMs: 2 })),
    final: null,
    expiresAt: null,
    remainingSeconds: null,
    freshCredentialStatus: null,
    problems: [],
  };
}

/** A notify variant: three events well within 50 ms, password change above it in every repetition. */
function results(passwordChangeMs: number): RunResults {
  const events = ['logout', 'logout-all', 'password-change', 'admin-disable'] as const;
  return {
    cells: [],
    variants: [{ name: 'jwt-push', strategy: 'jwt', revocation: 'notify' }],
    revocation: {
      serverEnv: {},
      cells: events.map((event) => ({
        id: `revocation/jwt-push/${event}`,
        variant: 'jwt-push',
        strategy: 'jwt',
        event,
        instances: 2,
        boundMs: 1000,
        maxProbesPerInstance: 100,
        expectedRevokeStatus: 204,
        repetitions: [0, 1, 2].map((i) => rep(i, event === 'password-change' ? passwordChangeMs : 10 + i)),
        valid: true,
        problems: [],
      })),
    },
  } as unknown as RunResults;
}

describe('revocationTargets', () => {
  it('fails a target when one event misses it, though the pooled median passes', () => {
    const [row] = revocationTargets(modelContext(results(60)));
    expect(row.pass).toBe(false);
    expect(row.measured).toContain('**missed** for password change');
  });

  it('passes when every event keeps the promise', () => {
    const [row] = revocationTargets(modelContext(results(30)));
    expect(row.pass).toBe(true);
    expect(row.measured).not.toContain('missed');
  });
});
