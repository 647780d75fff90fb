// A bound on password-hashing work (issue 8): every scrypt a request causes (login, register,
// password change) runs through this queue, at most `concurrency` at a time, taken from the waiting
// clients in turn, so one client cannot starve everyone else's logins.
//
// Why: one scrypt costs ~37 ms of CPU (N=2^14) on the reference box, and libuv runs at most 4 at
// once (its default thread pool), queueing the rest where nobody can see or bound them. 200
// registrations in flight from one client pushed a normal login from 0.2 s to 11-15 s. Here:
// - a client (its address: ctx.ip, which honours X-Forwarded-For only behind TRUST_PROXY) has at most
//   `perClient` hashes running or waiting; the next gets 429 + Retry-After;
// - clients are served round robin: a login from a new client waits for at most one hash of each
//   other waiting client, however many requests the noisiest one sent;
// - at most `maxWaiting` hashes wait in all; past that, 503 + Retry-After (overloaded, not throttled).
import { apiError } from '../http/errors';

export interface HashingLimits {
  /** Hashes running at once. 4 = libuv's default thread pool: more would only queue inside libuv. */
  concurrency: number;
  perClient: number;
  maxWaiting: number;
}

interface Job {
  run(): void;
}

export interface HashingQueue {
  /** Runs `work` (one hash) for `client` when its turn comes; throws 429/503 ApiErrors when over a bound. */
  run<T>(client: string, work: () => Promise<T>): Promise<T>;
  readonly stats: { running: number; waiting: number };
}

export function createHashingQueue(limits: HashingLimits): HashingQueue {
  const waiting = new Map<string, Job[]>(); // insertion order = the round-robin order of clients
  const outstanding = new Map<string, number>(); // running + waiting, per client
  let running = 0;
  let waitingTotal = 0;

  const startNext = () => {
    while (running < limits.concurrency && waitingTotal > 0) {
      // The first client in the map is next; it goes to the back if it has more waiting.
      const [client, jobs] = waiting.entries().next().value as [string, Job[]];
      waiting.delete(client);
      const job = jobs.shift() as Job;
      if (jobs.length > 0) waiting.set(client, jobs);
      waitingTotal--;
      running++;
      job.run();
    }
  };

  return {
    get stats() {
      return { running, waiting: waitingTotal };
    },
    run(client, work) {
      const mine = outstanding.get(client) ?? 0;
      if (mine >= limits.perClient) return Promise.reject(apiError('too_many_requests', undefined, { 'Retry-After': '1' }));
      if (waitingTotal >= limits.maxWaiting) return Promise.reject(apiError('server_busy', undefined, { 'Retry-After': '1' }));
      outstanding.set(client, mine + 1);
      return new Promise((resolve, reject) => {
        const job: Job = {
          run() {
            work()
              .then(resolve, reject)
              .finally(() => {
                running--;
                const left = (outstanding.get(client) ?? 1) - 1;
                if (left > 0) outstanding.set(client, left);
                else outstanding.delete(client);
                startNext();
              });
          },
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
