// The compose demo without Docker: N instances of each server on one database, and one load balancer
// port per server (nginx with lb.conf.template when it is installed, else a small Node proxy).
// Used by `npm run demo` (scripts/demo.ts) and by the end-to-end and load balancer tests.
import { generateJwtKeys, type Instance, startInstance, type Strategy } from '../scripts/instances';
import { type LbPorts, type LocalNginx, findBinary, startLocalNginx } from './nginx/local-nginx';
import { type RoundRobinProxy, startRoundRobinProxy } from './round-robin-proxy';

export type Balancer = 'nginx' | 'node' | 'none';

export interface StackOptions {
  databaseUrl: string;
  /** Instances of each server (default 3, as in docker-compose.yml). */
  instances?: number;
  /** 'auto' (the default): nginx when installed, else the Node proxy. */
  balancer?: Balancer | 'auto';
  /** Shared by every jwt instance (a fresh key when omitted). */
  jwtKeys?: string;
  /** Extra environment for every instance (SCRYPT_LOG_N, timeouts...). */
  env?: Record<string, string>;
  /** Extra environment for the instances of one server (AUTH_VARIANT, ACCESS_TOKEN_TTL_SECONDS...). */
  strategyEnv?: Partial<Record<Strategy, Record<string, string>>>;
  /** Fixed load balancer ports; free ones by default. */
  ports?: Partial<LbPorts>;
  /** Host name in the returned URLs: localhost (default, the certificate's name) or 127.0.0.1. */
  urlHost?: string;
  onLog?: (instance: string, line: string) => void;
}

export interface Stack {
  balancer: Balancer;
  session: Instance[];
  jwt: Instance[];
  /** Where to point a browser: the balancer, or the first instance when there is none. */
  sessionUrl: string;
  jwtUrl: string;
  /** nginx only: the plain-HTTP ports that redirect to HTTPS. */
  sessionHttpUrl: string | null;
  jwtHttpUrl: string | null;
  nginx: LocalNginx | null;
  stop(): Promise<void>;
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const count = opts.instances ?? 3;
  const balancer: Balancer = opts.balancer === undefined || opts.balancer === 'auto' ? (findBinary('nginx') ? 'nginx' : 'node') : opts.balancer;
  const jwtKeys = opts.jwtKeys ?? generateJwtKeys('demo');
  const started: Instance[] = [];
  const stopAll = async () => {
    await Promise.all(started.map((i) => i.stop()));
  };

  const start = async (strategy: Strategy, n: number) => {
    const instanceId = `${strategy}-${n}`;
    const instance = await startInstance({
      strategy,
      databaseUrl: opts.databaseUrl,
      env: {
        HOST: '127.0.0.1',
        INSTANCE_ID: instanceId,
        // Behind a proxy we run, the instances believe its X-Forwarded-* headers (and only then).
        TRUST_PROXY: balancer === 'none' ? '0' : '1',
        ...(strategy === 'jwt' ? { JWT_KEYS: jwtKeys } : {}),
        ...opts.env,
        ...opts.strategyEnv?.[strategy],
      },
      onLog: opts.onLog && ((line) => opts.onLog?.(instanceId, line)),
      startTimeoutMs: 60_000,
    });
    started.push(instance);
    return instance;
  };

  let nginx: LocalNginx | null = null;
  let proxies: RoundRobinProxy[] = [];
  try {
    // The first one migrates the fresh database; the others then start side by side.
    const first = await start('session', 1);
    const rest = await Promise.all([
      ...Array.from({ length: count - 1 }, (_, i) => start('session', i + 2)),
      ...Array.from({ length: count }, (_, i) => start('jwt', i + 1)),
    ]);
    const session = [first, ...rest.filter((i) => i.strategy === 'session')];
    const jwt = rest.filter((i) => i.strategy === 'jwt').sort((a, b) => a.instanceId.localeCompare(b.instanceId));
    session.sort((a, b) => a.instanceId.localeCompare(b.instanceId));
    const hostPort = (i: Instance) => `127.0.0.1:${i.port}`;

    let sessionUrl = session[0].url;
    let jwtUrl = jwt[0].url;
    if (balancer === 'nginx') {
      nginx = await startLocalNginx({ sessionServers: session.map(hostPort), jwtServers: jwt.map(hostPort), ports: opts.ports, urlHost: opts.urlHost });
      sessionUrl = nginx.sessionUrl;
      jwtUrl = nginx.jwtUrl;
    } else if (balancer === 'node') {
      proxies = [
        await startRoundRobinProxy(
          session.map((i) => i.url),
          { port: opts.ports?.sessionHttp, urlHost: opts.urlHost },
        ),
        await startRoundRobinProxy(
          jwt.map((i) => i.url),
          { port: opts.ports?.jwtHttp, urlHost: opts.urlHost },
        ),
      ];
      sessionUrl = proxies[0].url;
      jwtUrl = proxies[1].url;
    }
    const lb = nginx;
    return {
      balancer,
      session,
      jwt,
      sessionUrl,
      jwtUrl,
      sessionHttpUrl: lb?.sessionHttpUrl ?? null,
      jwtHttpUrl: lb?.jwtHttpUrl ?? null,
      nginx: lb,
      async stop() {
        await Promise.all([lb?.stop(), ...proxies.map((p) => p.stop())]);
        await stopAll();
      },
    };
  } catch (err) {
    await Promise.all([nginx?.stop(), ...proxies.map((p) => p.stop())]);
    await stopAll();
    throw err;
  }
}
