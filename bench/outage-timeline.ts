// Pure reduction of the outage probes: every response (arrival time, status, latency, what answered)
// against the moments Postgres was stopped and started becomes a few figures and a binned timeline.
// Times are ms since the probes started. No I/O here.

export type Source = 'memory' | 'database' | null;

export interface OutageSample {
  /** When the response arrived; when its request was sent. */
  atMs: number;
  sentMs: number;
  /** 0: no HTTP response (connection error or client timeout). */
  status: number;
  source: Source;
}

export interface OutageMarks {
  /** pg.pause() called / returned (Postgres fully stopped), pg.resume() called / returned (accepting connections). */
  stopCalledMs: number;
  stoppedMs: number;
  startCalledMs: number;
  startedMs: number;
  endMs: number;
}

export interface OutageBin {
  /** Bin start (ms since the probes started). */
  t: number;
  okMemory: number;
  okDatabase: number;
  /** 200 from a variant that does not say where its check was answered (plain jwt, session). */
  ok: number;
  unavailable: number;
  /** Any other status, or no response. */
  other: number;
}

export interface OutageSummary {
  /** Responses to requests sent while Postgres was fully down (stopped .. start called). */
  down: { responses: number; ok: number; unavailable: number; other: Record<string, number> };
  /** 200s answered from memory to requests sent after Postgres had fully stopped: a cache trusted while deaf. */
  memoryWhileDown: number;
  /** First non-200 arrival after the stop was called (ms after the call); null: none. */
  firstRefusalMs: number | null;
  /** After the restart returned: first 200, first 200 from memory, and from when on every response was 200. */
  firstOkAfterStartMs: number | null;
  firstMemoryAfterStartMs: number | null;
  allOkAfterStartMs: number | null;
  /** Slowest response to a request sent while Postgres was down. */
  maxLatencyDownMs: number;
  /** Statuses other than 200 and 503 over the whole run (a 500 or a 401 here is a finding). */
  unexpected: Record<string, number>;
}

const count = (rec: Record<string, number>, key: string) => {
  rec[key] = (rec[key] ?? 0) + 1;
};

export function summarizeOutage(samples: OutageSample[], m: OutageMarks): OutageSummary {
  const sorted = [...samples].sort((a, b) => a.atMs - b.atMs);
  const down = sorted.filter((s) => s.sentMs >= m.stoppedMs && s.sentMs < m.startCalledMs);
  const other: Record<string, number> = {};
  for (const s of down) if (s.status !== 200 && s.status !== 503) count(other, String(s.status));
  const unexpected: Record<string, number> = {};
  for (const s of sorted) if (s.status !== 200 && s.status !== 503) count(unexpected, String(s.status));
  const firstRefusal = sorted.find((s) => s.atMs >= m.stopCalledMs && s.status !== 200);
  const after = sorted.filter((s) => s.sentMs >= m.startedMs);
  const firstOk = after.find((s) => s.status === 200);
  const firstMemory = after.find((s) => s.status === 200 && s.source === 'memory');
  // The last non-200 after the restart: every response after it was a 200.
  const lastBad = [...after].reverse().find((s) => s.status !== 200);
  const allOk = lastBad ? after.find((s) => s.atMs > lastBad.atMs) : after[0];
  return {
    down: { responses: down.length, ok: down.filter((s) => s.status === 200).length, unavailable: down.filter((s) => s.status === 503).length, other },
    memoryWhileDown: down.filter((s) => s.status === 200 && s.source === 'memory').length,
    firstRefusalMs: firstRefusal ? firstRefusal.atMs - m.stopCalledMs : null,
    firstOkAfterStartMs: firstOk ? firstOk.atMs - m.startedMs : null,
    firstMemoryAfterStartMs: firstMemory ? firstMemory.atMs - m.startedMs : null,
    allOkAfterStartMs: allOk ? allOk.atMs - m.startedMs : null,
    maxLatencyDownMs: down.reduce((mx, s) => Math.max(mx, s.atMs - s.sentMs), 0),
    unexpected,
  };
}

/** Responses per bin of `binMs` by outcome (arrival time), for the timeline chart. */
export function binOutage(samples: OutageSample[], binMs: number, endMs: number): OutageBin[] {
  const bins: OutageBin[] = Array.from({ length: Math.max(1, Math.ceil(endMs / binMs)) }, (_, i) => ({
    t: i * binMs,
    okMemory: 0,
    okDatabase: 0,
    ok: 0,
    unavailable: 0,
    other: 0,
  }));
  for (const s of samples) {
    const b = bins[Math.min(bins.length - 1, Math.max(0, Math.floor(s.atMs / binMs)))];
    if (s.status === 200) {
      if (s.source === 'memory') b.okMemory++;
      else if (s.source === 'database') b.okDatabase++;
      else b.ok++;
    } else if (s.status === 503) b.unavailable++;
    else b.other++;
  }
  return bins;
}
