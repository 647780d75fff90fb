import { parseStep } from './budget-probe';

describe('budget probe steps', () => {
  it('reads label, budgets ("-": none), period, connections and seconds', () => {
    expect(parseStep('warm,0.2,0.15,100000,50,4')).toEqual({
      label: 'warm',
      postgresCores: 0.2,
      instanceCores: 0.15,
      periodUs: 100_000,
      connections: 50,
      seconds: 4,
      idleBeforeSeconds: 0,
    });
    expect(parseStep('free,-,-,10000,10,1')).toMatchObject({ postgresCores: null, instanceCores: null, periodUs: 10_000 });
    // An idle gap first, as the bench's interleaved rounds leave one between a cell's runs.
    expect(parseStep('gap,-,0.15,100000,50,1,10')).toMatchObject({ seconds: 1, idleBeforeSeconds: 10 });
  });

  it('refuses a step it cannot run', () => {
    expect(() => parseStep('x,0.2,0.15,0,50,4')).toThrow(/bad step/);
    expect(() => parseStep('x,0.2')).toThrow(/bad step/);
    expect(() => parseStep('x,0.2,0.15,100000,50,4,-1')).toThrow(/bad step/);
  });
});
