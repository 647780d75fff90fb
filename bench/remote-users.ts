// Bench users on a deployed stack, created through its API (no database access): register, log in,
// fill the cart. Slowly: every registration and login is one scrypt on the server, and deployed
// servers throttle both (sendPolitely waits out 429/503), so at most SETUP_CONCURRENCY at a time.
import { codecFor, type Credential } from './credentials';
import type { BenchUser } from './credentials';
import { BENCH_PASSWORD } from './fleet';
import { type RemoteAgent, remoteAgent, sendPolitely } from './remote-http';
import type { Strategy } from './variants';

/** Two scrypts in flight per target: a small deployment keeps serving, and throttles rarely trigger. */
export const SETUP_CONCURRENCY = 2;

/**
 * Steady users keep their names across runs (`bench-steady-0001`): a second run logs them in instead
 * of registering them again, so the deployment does not fill up. Users whose credentials a run
 * revokes (password change, disable) are new every run: `bench-<run>-revocation-0001`.
 */
export function remoteUser(pool: string, i: number, run?: string): BenchUser {
  return { username: `bench-${run ? `${run}-` : ''}${pool}-${String(i + 1).padStart(4, '0')}`, password: BENCH_PASSWORD };
}

export class RemoteSetup {
  private readonly agents = new Map<string, RemoteAgent>();
  private readonly registered = new Set<string>();

  private agent(url: string): RemoteAgent {
    let a = this.agents.get(url);
    if (!a) {
      a = remoteAgent(url, SETUP_CONCURRENCY);
      this.agents.set(url, a);
    }
    return a;
  }

  /**
   * Registers the user unless it exists already (409 username_taken: a previous run made it).
   * `scope` names the deployment behind `url` (targets may or may not share a database).
   */
  async ensureUser(scope: string, url: string, user: BenchUser): Promise<void> {
    const key = `${scope} ${user.username}`;
    if (this.registered.has(key)) return;
    const r = await sendPolitely(this.agent(url), url, { method: 'POST', path: '/auth/register', json: user });
    if (r.status !== 201 && r.status !== 409) throw new Error(`registering ${user.username} at ${url}: ${r.status} ${r.body.slice(0, 200)}`);
    this.registered.add(key);
  }

  /** Logs in; returns the credential and the user id. */
  async login(url: string, strategy: Strategy, user: BenchUser): Promise<{ credential: Credential; userId: string; instance: string | null }> {
    const r = await sendPolitely(this.agent(url), url, { method: 'POST', path: '/auth/login', json: user });
    const credential = codecFor(strategy).fromLogin(r);
    if (!credential) {
      const hint = r.status === 401 ? ' (a user of that name with another password exists on this deployment)' : '';
      throw new Error(`login of ${user.username} at ${url} gave no ${strategy} credential: ${r.status} ${r.body.slice(0, 200)}${hint}`);
    }
    const userId = String((JSON.parse(r.body) as { user: { id: string | number } }).user.id);
    return { credential, userId, instance: r.instance };
  }

  /** Sets the cart to exactly `lines` (the local bench seeds 3 lines per steady user). */
  async setCart(url: string, credential: Credential, skus: string[], lines: number): Promise<void> {
    const headers = { [credential.header]: credential.value };
    const cleared = await sendPolitely(this.agent(url), url, { method: 'DELETE', path: '/cart', headers });
    if (cleared.status !== 204 && cleared.status !== 200) throw new Error(`DELETE /cart at ${url}: ${cleared.status} ${cleared.body.slice(0, 200)}`);
    for (const [i, sku] of skus.slice(0, lines).entries()) {
      const r = await sendPolitely(this.agent(url), url, { method: 'PUT', path: `/cart/items/${encodeURIComponent(sku)}`, headers, json: { qty: i + 1 } });
      if (r.status !== 200) throw new Error(`PUT /cart/items/${sku} at ${url}: ${r.status} ${r.body.slice(0, 200)}`);
    }
  }

  /** Runs `fn` over `items`, SETUP_CONCURRENCY at a time. */
  async each<T>(items: T[], fn: (item: T, index: number) => Promise<void>): Promise<void> {
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(SETUP_CONCURRENCY, items.length) }, async () => {
        while (next < items.length) {
          const i = next++;
          await fn(items[i], i);
        }
      }),
    );
  }

  close(): void {
    for (const a of this.agents.values()) a.destroy();
  }
}
