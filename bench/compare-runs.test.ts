import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareRuns, headlineFigures, main } from './compare-runs';
import { RESULTS_SCHEMA, type RunResults } from './results';

/** A results.json with one `me` cell per variant: only the fields the comparison reads. */
function synthetic(rps: Record<string, number[]>, startedAt: string): RunResults {
  const cells = Object.entries(rps).map(([variant, xs]) => ({
    id: `workloads/me/${variant}`,
    scenario: 'workloads',
    workload: 'me',
    variant,
    instances: 1,
    valid: true,
    rounds: xs.map((x) => ({ seconds: 2, ok: x * 2, responses: x * 2, cpu: { serverSeconds: x * 2 * 300e-6, postgresSeconds: null } })),
    db: { xacts: variant === 'session' ? 1000 : 1, requests: 1000, tables: {}, settled: true },
  }));
  return {
    schema: RESULTS_SCHEMA,
    profile: { name: 'default' },
    startedAt,
    environment: { machine: { cores: 2, cpuModel: 'Test CPU' }, git: { commit: 'abcdef1234567890' } },
    cells,
    valid: true,
  } as unknown as RunResults;
}

describe('compareRuns', () => {
  it('gives B/A per headline figure with its interval', () => {
    const a = synthetic({ session: [1000, 1010, 990], jwt: [2000, 2100, 1900] }, '2026-01-01T00:00:00Z');
    const b = synthetic({ session: [2000, 2020, 1980], jwt: [2000, 2100, 1900] }, '2026-01-02T00:00:00Z');
    expect(headlineFigures(a).map((f) => f.key)).toContain('rps/workloads/me/session/1');
    const c = compareRuns(a, b, { a: 'A', b: 'B' });
    const rps = c.figures.find((f) => f.key === 'rps/workloads/me/session/1');
    expect(rps?.ratio).toBeCloseTo(2, 5);
    expect(rps?.verdict).toBe('higher');
    expect(c.figures.find((f) => f.key === 'rps/workloads/me/jwt/1')?.verdict).toBe('inconclusive');
    // Measured once per cell: a ratio, no interval.
    expect(c.figures.find((f) => f.key === 'xacts/workloads/me/session/1')?.verdict).toBe('no interval');
  });
});

describe('npm run bench:compare', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'svt-compare-'));
    for (const [name, rps] of [
      ['a', [1000, 1010, 990]],
      ['b', [1500, 1520, 1480]],
    ] as const) {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'results.json'), JSON.stringify(synthetic({ session: [...rps], jwt: [2000, 2050, 1950] }, '2026-01-01T00:00:00Z')));
    }
    mkdirSync(join(dir, 'old'));
    writeFileSync(join(dir, 'old', 'results.json'), JSON.stringify({ schema: 'sessions-vs-tokens/bench-results@0' }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints an aligned table within 100 columns and writes compare.md and compare.json', () => {
    const r = spawnSync(process.execPath, [require.resolve('tsx/cli'), join(__dirname, 'compare-runs.ts'), 'a', 'b', '--out', 'out'], {
      cwd: dir,
      env: { ...process.env, INIT_CWD: dir },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(100);
    expect(r.stdout).toMatch(/me\/session\s+1,000\s+1,500\s+1\.50×\s+[\d.]+–[\d.]+\s+B higher/);
    const json = JSON.parse(readFileSync(join(dir, 'out', 'compare.json'), 'utf8')) as { figures: { key: string; ratio: number }[] };
    expect(json.figures.find((f) => f.key === 'rps/workloads/me/session/1')?.ratio).toBeCloseTo(1.5, 2);
    expect(readFileSync(join(dir, 'out', 'compare.md'), 'utf8')).toContain('| me/session | 1,000 | 1,500 | 1.50× |');
  });

  it('says what is wrong, without a stack trace', () => {
    const missing = main(['a', 'nope'], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope: no such folder');
    const old = main(['a', 'old'], dir);
    expect(old.code).toBe(2);
    expect(old.stderr).toContain(`this version reads ${RESULTS_SCHEMA}`);
    expect(main(['a'], dir).stderr).toContain('give two results folders');
    for (const r of [missing, old]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
