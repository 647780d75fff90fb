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
    });
    expect(parseStep('free,-,-,10000,10,1')).toMatchObject({ postgresCores: null, instanceCores: null, periodUs: 10_000 });
  });

  it('refuses a step it cannot run', () => {
    expect(() => parseStep('x,0.2,0.15,0,50,4')).toThrow(/bad step/);
    expect(() => parseStep('x,0.2')).toThrow(/bad step/);
  });
});
