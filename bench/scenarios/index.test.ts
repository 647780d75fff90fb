import { getProfile } from '../profiles';
import { VARIANTS } from '../variants';
import { mergeBatches, SCENARIOS, type Selection } from '.';

const all: Selection = { workloads: ['me'], scaling: true, revocation: true, outage: true, fanout: true, variants: VARIANTS };

describe('mergeBatches', () => {
  it('runs the outage on the revocation processes: one start-up, users of both', () => {
    const profile = getProfile('default');
    const planned = SCENARIOS.flatMap((s) => s.plan(profile, all));
    const merged = mergeBatches(planned);
    expect(merged.length).toBe(planned.length - 1);
    const shared = merged.find((b) => b.revocation && b.outage);
    expect(shared?.fleet.map((g) => g.variant.name)).toEqual(['session', 'session-cached', 'jwt', 'jwt-denylist', 'jwt-push']);
    expect(shared?.fleet.every((g) => g.count === 3)).toBe(true);
    const revocationUsers = planned.find((b) => b.revocation)?.users.revocation ?? 0;
    expect(shared?.users.revocation).toBe(revocationUsers + profile.outage.connections);
  });

  it('keeps batches with different processes apart', () => {
    const planned = SCENARIOS.flatMap((s) => s.plan(getProfile('smoke'), { ...all, outage: false }));
    expect(mergeBatches(planned).length).toBe(planned.length);
  });
});
