import { primed, primeEstimateSeconds, stepCost } from './prime';

describe('priming the mini-cluster', () => {
  it('is done only when every instance reached the target', () => {
    expect(primed([5000, 5200, 5001], 5000)).toBe(true);
    expect(primed([5000, 4999], 5000)).toBe(false);
    // No instance answered anything yet: not primed, whatever the target.
    expect(primed([], 0)).toBe(false);
  });

  it('estimates at least one step and never more than the cap', () => {
    expect(primeEstimateSeconds({ requestsPerInstance: 10, maxSeconds: 2, beforeEachRunSeconds: 0 }, 1)).toBe(1);
    expect(primeEstimateSeconds({ requestsPerInstance: 5000, maxSeconds: 15, beforeEachRunSeconds: 0 }, 6)).toBe(12);
    expect(primeEstimateSeconds({ requestsPerInstance: 10_000, maxSeconds: 15, beforeEachRunSeconds: 0 }, 6)).toBe(15);
  });

  it('turns one step into CPU per response, and says nothing for a step without responses', () => {
    const usage = { wallSeconds: 1, serverSeconds: 0.3, postgresSeconds: 0.12, loadgenSeconds: 0.1, machineBusySeconds: 1 };
    expect(stepCost(2000, usage)).toEqual({ responses: 2000, serverCpuUs: 150, postgresCpuUs: 60 });
    expect(stepCost(2000, { ...usage, postgresSeconds: null })?.postgresCpuUs).toBeNull();
    expect(stepCost(0, usage)).toBeNull();
  });
});
