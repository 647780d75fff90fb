// A bound on password-hashing work (issue 8). Requests that hash (login, register, password change)
// are ADMITTED first, before any database work, and their hashes then run at most `concurrency` at a
// time, taken from the waiting clients in turn, so one client cannot starve everyone else's logins.
//
// Why: one scrypt costs ~37 ms of CPU (N=2^14) on the reference box, and libuv runs at most 4 at
// once (its default thread pool), queueing the rest where nobody can see or bound them. 200
// registrations in flight from one client pushed a normal login from 0.2 s to 11-15 s. Here:
// - a client (its address: ctx.ip, which honours X-Forwarded-For only behind TRUST_PROXY) has at most
//   `perClient` such requests admitted; the next gets 429 + Retry-After at once, before it costs a
//   database round trip or a pooled connection;
// - at most `maxWaiting` such requests are admitted in all; past that, 503 + Retry-After
//   (overloaded, not throttled);
// - hashes are served round robin across clients: a login from a new client waits for at most one
//   hash of each other waiting client, however many requests the noisiest one sent.
import { apiError } from '../http/errors';

export interface HashingLimits {
  /** Hashes running at once: at most libuv's thread pool size minus one (config.ts says why). */
  concurrency: number;
  perClient: number;
  maxWaiting: number;
}

export interface HashingQueue {
  /** Admits one hashing request of `client` (throws 429/503 ApiErrors when over a bound); call the returned function when the request is done. */
  admit(client: string): () => void;
  /** Runs `work` (one hash) for `client` when its turn comes. */
  run<T>(client: string, work: () => Promise<T>): Promise<T>;
}

export function createHashingQueue(limits: HashingLimits): HashingQueue {
  const admittedBy = new Map<string, number>();
  let admitted = 0;
  const waiting = new Map<string, (() => void)[]>(); // insertion order = the round-robin order of clients
  let waitingTotal = 0;
  let running = 0;

  const startNext = () => {
    while (running < limits.concurrency && waitingTotal > 0) {
      // The first client in the map is next; it goes to the back if it has more waiting.
      const [client, jobs] = waiting.entries().next().value as [string, (() => void)[]];
      waiting.delete(client);
      const job = jobs.shift() as () => void;
      if (jobs.length > 0) waiting.set(client, jobs);
      waitingTotal--;
      running++;
      job();
    }
  };

  return {
    admit(client) {
      const mine = admittedBy.get(client) ?? 0;
      if (mine >= limits.perClient) throw apiError('too_many_requests', undefined, { 'Retry-After': '1' });
      if (admitted >= limits.maxWaiting) throw apiError('server_busy', undefined, { 'Retry-After': '1' });
      admittedBy.set(client, mine + 1);
      admitted++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        admitted--;
        const left = (admittedBy.get(client) ?? 1) - 1;
        if (left > 0) admittedBy.set(client, left);
        else admittedBy.delete(client);
      };
    },

    run(client, work) {
      return new Promise((resolve, reject) => {
        const job = () => {
          work()
            .then(resolve, reject)
            .finally(() => {
              running--;
              startNext();
            });
        };
        const jobs = waiting.get(client);
        if (jobs) jobs.push(job);
        else waiting.set(client, [job]);
        waitingTotal++;
        startNext();
      });
    },
  };
}
