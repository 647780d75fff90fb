// Pure reduction of the revocation probes: what one instance's probe loop saw becomes its window and
// its "accepted after ack" count; repetitions become medians and maxima. No I/O here. Times are ms
// since t0, the moment the revoking request was sent.
import { type Summary, summarize } from './compare';

/** What the probe loop of one instance saw. */
export interface ProbeLog {
  probes: number;
  /** Send times of the probes answered 200 (the old credential accepted). */
  okSentMs: number[];
  /** The first 401: when its probe was sent and when its answer arrived; null if none within the bound. */
  reject: { sentMs: number; atMs: number } | null;
  /** Any other answer (0: a network error) ends the loop and invalidates the repetition. */
  unexpected: { status: number; atMs: number; body: string } | null;
  /** When the loop ended. */
  endMs: number;
}

export interface InstanceOutcome {
  instance: number;
  /** The instance the revoking request went to. */
  revoking: boolean;
  probes: number;
  /** Arrival of the first 401; null: still accepted at the end of the bound. */
  windowMs: number | null;
  /** Probes SENT after the revoking response arrived that still got 200: acceptance after acknowledgement. */
  acceptedAfterAck: number;
  /** Send time of the last probe that got 200 (null: none did). */
  lastAcceptedSentMs: number | null;
  /** Mean time per probe: the resolution of the window on this instance. */
  probeIntervalMs: number;
}

export function instanceOutcome(log: ProbeLog, instance: number, revoking: boolean, ackMs: number): InstanceOutcome {
  return {
    instance,
    revoking,
    probes: log.probes,
    windowMs: log.reject ? log.reject.atMs : null,
    acceptedAfterAck: log.okSentMs.filter((t) => t > ackMs).length,
    lastAcceptedSentMs: log.okSentMs.length ? Math.max(...log.okSentMs) : null,
    probeIntervalMs: log.probes > 0 ? log.endMs / log.probes : 0,
  };
}

export interface RepetitionRecord {
  repetition: number;
  /** Wall clock of t0 (ISO). */
  sentAt: string;
  revokingInstance: number;
  revokeStatus: number;
  /** The revoking response arrived (ms since t0). */
  ackMs: number;
  /** `credential.revocation` each instance reported for the credential just before t0 (null: the variant reports none). */
  sourceBefore: (string | null)[];
  instances: InstanceOutcome[];
  /** One more probe on every instance after the bound, when a credential outlived it (plain jwt). */
  final: { atMs: number; statuses: number[] } | null;
  /** jwt: the old access token's `exp` (ISO), decoded from the token, and the validity left at the final probe. */
  expiresAt: string | null;
  remainingSeconds: number | null;
  /** Password change: the fresh credential of the response, probed once on the revoking instance. */
  freshCredentialStatus: number | null;
  problems: string[];
}

/** Revoked on every instance: the slowest instance's window, or null if one still accepted it at the bound. */
export function everywhereMs(rep: RepetitionRecord): number | null {
  const ws = rep.instances.map((i) => i.windowMs);
  return ws.some((w) => w === null) ? null : Math.max(...(ws as number[]));
}

export interface RevocationSummary {
  repetitions: number;
  /** Per repetition, the time until every instance refused the credential (repetitions where all did). */
  everywhere: Summary;
  /** Windows of the revoking instance and of the other instances. */
  revoking: Summary;
  others: Summary;
  /** Time until the revoking response arrived. */
  ack: Summary;
  /**
   * Per repetition, "revoked everywhere" minus the arrival of the revoking response: what propagation
   * adds beyond the revoking request itself (negative: every instance refused before the response came).
   */
  afterAck: Summary;
  acceptedAfterAck: number;
  /** (repetition, instance) pairs still accepting the credential at the end of the bound. */
  notRevoked: number;
  pairs: number;
  /** Repetitions whose final probe after the bound got 200 on every instance. */
  stillValidAfterBound: number;
  remainingSeconds: Summary;
  probeIntervalMs: Summary;
  problems: number;
}

export function summarizeRevocation(reps: RepetitionRecord[]): RevocationSummary {
  const pairs = reps.flatMap((r) => r.instances);
  const windows = (pick: (i: InstanceOutcome) => boolean) => pairs.filter((i) => pick(i) && i.windowMs !== null).map((i) => i.windowMs as number);
  return {
    repetitions: reps.length,
    everywhere: summarize(reps.map(everywhereMs).filter((x): x is number => x !== null)),
    revoking: summarize(windows((i) => i.revoking)),
    others: summarize(windows((i) => !i.revoking)),
    ack: summarize(reps.map((r) => r.ackMs)),
    afterAck: summarize(reps.map((r) => (everywhereMs(r) ?? Number.NaN) - r.ackMs)),
    acceptedAfterAck: pairs.reduce((s, i) => s + i.acceptedAfterAck, 0),
    notRevoked: pairs.filter((i) => i.windowMs === null).length,
    pairs: pairs.length,
    stillValidAfterBound: reps.filter((r) => r.final?.statuses.every((s) => s === 200)).length,
    remainingSeconds: summarize(reps.map((r) => r.remainingSeconds).filter((x): x is number => x !== null)),
    probeIntervalMs: summarize(pairs.filter((i) => i.probes > 0).map((i) => i.probeIntervalMs)),
    problems: reps.reduce((s, r) => s + r.problems.length, 0),
  };
}

/** `exp` (seconds since the epoch) of a JWT, read without verifying it (the bench holds its own tokens). */
export function jwtExpSeconds(token: string): number | null {
  const payload = token.replace(/^Bearer\s+/i, '').split('.')[1];
  if (!payload) return null;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp : null;
  } catch {
    return null;
  }
}

/** A jwt credential that outlived the bound: its exp and the validity left now (nulls for a session). */
export function remainingValidity(credentialValue: string, isJwt: boolean): { expiresAt: string | null; remainingSeconds: number | null } {
  const exp = isJwt ? jwtExpSeconds(credentialValue) : null;
  return exp === null
    ? { expiresAt: null, remainingSeconds: null }
    : { expiresAt: new Date(exp * 1000).toISOString(), remainingSeconds: exp - Date.now() / 1000 };
}

/** The revocation targets (issue 4), per promise of PRODUCT.md's variant table. */
export const NOTIFY_TARGET_MS = { median: 50, max: 200 } as const;

export type RevocationPromiseKind = 'next-request' | 'notify' | 'expiry';

export interface RevocationVerdict {
  pass: boolean;
  /** Why, in a phrase: what was measured against what was promised. */
  reason: string;
}

/**
 * - next-request: no probe sent after the revoking response arrived was accepted, on any instance,
 *   and every instance refused the credential within the bound.
 * - notify: every instance refused it within NOTIFY_TARGET_MS (median and max over repetitions of
 *   the slowest instance's window).
 * - expiry: still accepted on every instance at the end of the bound and by the final probe, with
 *   validity left (the window is the remaining lifetime).
 * A summary with problems (unexpected statuses, the fallback path) passes nothing.
 */
export function revocationVerdict(promise: RevocationPromiseKind, s: RevocationSummary): RevocationVerdict {
  if (s.repetitions === 0) return { pass: false, reason: 'no repetition' };
  if (s.problems > 0) return { pass: false, reason: `${s.problems} problem(s) in the repetitions` };
  switch (promise) {
    case 'next-request':
      if (s.notRevoked > 0) return { pass: false, reason: `${s.notRevoked} of ${s.pairs} instance probes never refused it within the bound` };
      return s.acceptedAfterAck === 0
        ? { pass: true, reason: 'no probe sent after the acknowledgement was accepted' }
        : { pass: false, reason: `${s.acceptedAfterAck} probe(s) sent after the acknowledgement were accepted` };
    case 'notify':
      if (s.everywhere.n < s.repetitions)
        return { pass: false, reason: `${s.repetitions - s.everywhere.n} repetition(s) not refused everywhere within the bound` };
      return s.everywhere.median <= NOTIFY_TARGET_MS.median && s.everywhere.max <= NOTIFY_TARGET_MS.max
        ? { pass: true, reason: `within ${NOTIFY_TARGET_MS.median} ms median and ${NOTIFY_TARGET_MS.max} ms max` }
        : {
            pass: false,
            reason: `above ${NOTIFY_TARGET_MS.median} ms median or ${NOTIFY_TARGET_MS.max} ms max (the revoking request itself took ${s.ack.median.toFixed(1)} ms median)`,
          };
    case 'expiry': {
      const allValid = s.notRevoked === s.pairs && s.stillValidAfterBound === s.repetitions;
      if (!allValid) return { pass: false, reason: 'refused before exp somewhere: not the plain stateless behaviour' };
      return s.remainingSeconds.n === s.repetitions && s.remainingSeconds.min > 0
        ? { pass: true, reason: 'valid on every instance until exp' }
        : { pass: false, reason: 'no exp to report' };
    }
  }
}
