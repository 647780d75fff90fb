import { binOutage, type OutageSample, summarizeOutage } from './outage-timeline';

const marks = { stopCalledMs: 1000, stoppedMs: 1200, startCalledMs: 3200, startedMs: 3300, endMs: 6000 };
const s = (sentMs: number, atMs: number, status: number, source: OutageSample['source'] = null): OutageSample => ({ sentMs, atMs, status, source });

describe('summarizeOutage', () => {
  it('reads a cached variant that fails closed and comes back from the database, then from memory', () => {
    const samples = [
      s(900, 901, 200, 'memory'),
      s(1001, 1002, 200, 'memory'), // stop called, not yet effective
      s(1050, 1060, 503),
      s(1300, 1301, 503),
      s(2000, 2400, 503),
      s(3250, 3260, 503), // start called, not yet accepting
      s(3310, 3320, 200, 'database'),
      s(3320, 3330, 503),
      s(3340, 3345, 200, 'database'),
      s(4000, 4001, 200, 'memory'),
    ];
    const r = summarizeOutage(samples, marks);
    expect(r.down).toEqual({ responses: 2, ok: 0, unavailable: 2, other: {} });
    expect(r.memoryWhileDown).toBe(0);
    expect(r.firstRefusalMs).toBe(60);
    expect(r.firstOkAfterStartMs).toBe(20);
    expect(r.allOkAfterStartMs).toBe(45);
    expect(r.firstMemoryAfterStartMs).toBe(701);
    expect(r.maxLatencyDownMs).toBe(400);
    expect(r.unexpected).toEqual({});
  });

  it('counts memory answers while Postgres was down, and unexpected statuses', () => {
    const r = summarizeOutage([s(1500, 1501, 200, 'memory'), s(1600, 1601, 500), s(1700, 1701, 0)], marks);
    expect(r.memoryWhileDown).toBe(1);
    expect(r.down.other).toEqual({ '0': 1, '500': 1 });
    expect(r.unexpected).toEqual({ '0': 1, '500': 1 });
    expect(r.firstOkAfterStartMs).toBeNull();
  });

  it('reads a stateless variant that never noticed', () => {
    const r = summarizeOutage([s(500, 501, 200), s(1500, 1501, 200), s(3400, 3401, 200)], marks);
    expect(r.firstRefusalMs).toBeNull();
    expect(r.down.ok).toBe(1);
    expect(r.allOkAfterStartMs).toBe(101);
  });
});

describe('binOutage', () => {
  it('bins responses by arrival and outcome', () => {
    const bins = binOutage([s(0, 10, 200, 'memory'), s(0, 120, 503), s(0, 130, 200), s(0, 250, 401), s(0, 260, 200, 'database')], 100, 300);
    expect(bins).toEqual([
      { t: 0, okMemory: 1, okDatabase: 0, ok: 0, unavailable: 0, other: 0 },
      { t: 100, okMemory: 0, okDatabase: 0, ok: 1, unavailable: 1, other: 0 },
      { t: 200, okMemory: 0, okDatabase: 1, ok: 0, unavailable: 0, other: 1 },
    ]);
  });
});
