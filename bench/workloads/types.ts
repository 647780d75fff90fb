// What a workload is: the request sequence one connection sends, and what counts as a correct answer.
import type autocannon from 'autocannon';
import type { BenchUser, Credential, CredentialCodec } from '../credentials';
import type { Profile } from '../profiles';

export type WorkloadName = 'public' | 'me' | 'cart-read' | 'cart-write' | 'journey' | 'login';

/** What one connection gets: its own user and (for steady workloads) its own credential. */
export interface ClientSetup {
  index: number;
  user: BenchUser;
  credential: Credential | null;
  codec: CredentialCodec;
  /** SKUs of the catalog, from GET /products. */
  skus: string[];
}

export interface Workload {
  name: WorkloadName;
  /** One line for the report: what a request (or a loop) is. */
  summary: string;
  /** Users are seeded per pool; a journey logs out, so it never shares users with steady workloads. */
  userPool: 'steady' | 'journey' | 'login';
  /** A credential is issued before the run (login through the API) and baked into the requests. */
  needsCredential: boolean;
  connections(p: Profile): number;
  /** Requests in one loop of the sequence (journey: 10, so journeys/s = req/s / 10). */
  requestsPerLoop: number;
  /** Shortest useful round: a loop that starts with a 37 ms scrypt needs more than the smoke profile's 0.5 s. */
  minRoundSeconds?: number;
  /** Statuses that are correct answers; anything else invalidates the cell. */
  expected: number[];
  requests(c: ClientSetup): autocannon.Request[];
}

export const JSON_HEADERS = { 'content-type': 'application/json' } as const;

export function withCredential(c: ClientSetup): Record<string, string> {
  if (!c.credential) throw new Error(`connection ${c.index} has no credential`);
  return { [c.credential.header]: c.credential.value };
}
