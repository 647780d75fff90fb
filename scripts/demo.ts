// `npm run demo`: the multi-instance demo of docker-compose.yml, without Docker. An embedded
// Postgres (or DATABASE_URL), N instances of each server, and in front of each server one port:
// nginx with the compose load balancer's own configuration (TLS, round robin) when nginx is
// installed, else a small round-robin proxy in Node (plain HTTP). Ctrl-C stops everything.
//
//   npm run demo                                  3 instances of each server, plain variants
//   npm run demo -- --instances 2                 fewer on a small machine
//   npm run demo -- --jwt-variant jwt-denylist    the variants and token lifetime, as compose takes
//   npm run demo -- --access-token-ttl 60           them (SESSION_VARIANT, JWT_VARIANT, ACCESS_TOKEN_TTL_SECONDS)
//   npm run demo -- --no-nginx                    the Node proxy even when nginx is installed
//   npm run demo -- --balancer none               no balancer: print every instance's own URL
import { parseArgs } from 'node:util';
import { type Balancer, startStack } from '../deploy/local-stack';
import { findBinary } from '../deploy/nginx/local-nginx';
import { ConfigError, loadConfig } from '../servers/core/config';
import { generateJwtKeys } from './instances';
import { startPostgres } from './postgres';

const HELP = `usage: npm run demo -- [options]

  --instances N               instances of each server, 1..8 (default 3)
  --balancer B                auto | nginx | node | none (default auto: nginx when installed, else node)
  --no-nginx                  same as --balancer node
  --session-variant V         session | session-cached | session-memory (default session; env SESSION_VARIANT)
  --jwt-variant V             jwt | jwt-denylist | jwt-push | jwt-string-secret (default jwt; env JWT_VARIANT)
  --access-token-ttl SECONDS  access token lifetime, 1..3600 (default 300; env ACCESS_TOKEN_TTL_SECONDS);
                              60 lets you watch a replayed token die
  -h, --help                  this text

  The variants and the lifetime take the same environment variables as docker compose; a flag wins
  over its variable. session-memory breaks behind a round-robin balancer on purpose (sessions in one
  process only): the demo shows what fails.

  Ports (same as docker compose): session https 8443 / http 8080, jwt https 9443 / http 9080;
  override with SESSION_HTTPS_PORT, SESSION_HTTP_PORT, JWT_HTTPS_PORT, JWT_HTTP_PORT.
  DATABASE_URL: use that PostgreSQL instead of an embedded one.`;

interface Settings {
  sessionVariant: string;
  jwtVariant: string;
  accessTokenTtl: string;
}

/**
 * The servers' own configuration check (servers/core/config.ts) on the chosen settings, before
 * anything starts: one line naming the flag, instead of six instances failing one after another.
 */
function checkSettings(settings: Settings): void {
  const check = (flag: string, strategy: 'session' | 'jwt', env: Record<string, string>) => {
    try {
      loadConfig(strategy, { DATABASE_URL: 'postgres://demo@127.0.0.1:5432/demo', JWT_KEYS: generateJwtKeys('check'), ...env });
    } catch (err) {
      if (err instanceof ConfigError) throw new Error(`${flag}: ${err.message}`);
      throw err;
    }
  };
  check('--session-variant (SESSION_VARIANT)', 'session', { AUTH_VARIANT: settings.sessionVariant });
  check('--jwt-variant (JWT_VARIANT)', 'jwt', { AUTH_VARIANT: settings.jwtVariant });
  check('--access-token-ttl (ACCESS_TOKEN_TTL_SECONDS)', 'jwt', { ACCESS_TOKEN_TTL_SECONDS: settings.accessTokenTtl });
}

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  const n = raw ? Number(raw) : fallback;
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${name} must be a port number, got "${raw}"`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      instances: { type: 'string', default: '3' },
      balancer: { type: 'string', default: 'auto' },
      'no-nginx': { type: 'boolean', default: false },
      'session-variant': { type: 'string', default: process.env.SESSION_VARIANT || 'session' },
      'jwt-variant': { type: 'string', default: process.env.JWT_VARIANT || 'jwt' },
      'access-token-ttl': { type: 'string', default: process.env.ACCESS_TOKEN_TTL_SECONDS || '300' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const instances = Number(values.instances);
  if (!Number.isInteger(instances) || instances < 1 || instances > 8) throw new Error('--instances must be 1..8');
  let balancer = values.balancer as Balancer | 'auto';
  if (!['auto', 'nginx', 'node', 'none'].includes(balancer)) throw new Error('--balancer must be auto, nginx, node or none');
  if (values['no-nginx'] && balancer === 'auto') balancer = 'node';
  if (balancer === 'auto') balancer = findBinary('nginx') ? 'nginx' : 'node';
  const settings: Settings = { sessionVariant: values['session-variant'], jwtVariant: values['jwt-variant'], accessTokenTtl: values['access-token-ttl'] };
  checkSettings(settings);

  console.log(`Starting Postgres${process.env.DATABASE_URL ? ' (DATABASE_URL)' : ' (embedded, in a temp dir deleted on exit)'}...`);
  const pg = await startPostgres();
  const stopPg = () => pg.stop().catch(() => {});
  let stack: Awaited<ReturnType<typeof startStack>> | null = null;
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping the demo...');
    await stack?.stop().catch(() => {});
    await stopPg();
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    const databaseUrl = process.env.DATABASE_URL ?? (await pg.createDatabase('svt_demo'));
    console.log(
      `Starting ${instances} session and ${instances} jwt instances${balancer === 'none' ? '' : ` behind ${balancer === 'nginx' ? 'nginx' : 'a Node round-robin proxy'}`}...`,
    );
    stack = await startStack({
      databaseUrl,
      instances,
      balancer,
      strategyEnv: {
        session: { AUTH_VARIANT: settings.sessionVariant },
        jwt: { AUTH_VARIANT: settings.jwtVariant, ACCESS_TOKEN_TTL_SECONDS: settings.accessTokenTtl },
      },
      ports: {
        sessionHttps: port('SESSION_HTTPS_PORT', 8443),
        sessionHttp: port('SESSION_HTTP_PORT', 8080),
        jwtHttps: port('JWT_HTTPS_PORT', 9443),
        jwtHttp: port('JWT_HTTP_PORT', 9080),
      },
      // Instances log JSON lines; only warnings and errors reach this terminal.
      onLog: (instance, line) => {
        if (stopping) return; // shutdown noise (connections closing) says nothing useful
        if (/"level":"(warn|error)"/.test(line) || !line.startsWith('{')) console.log(`[${instance}] ${line}`);
      },
    });
  } catch (err) {
    console.error(`The demo did not start: ${(err as Error).message}`);
    await shutdown(1);
    return;
  }
  printBanner(stack, instances, settings);
}

function printBanner(stack: NonNullable<Awaited<ReturnType<typeof startStack>>>, instances: number, settings: Settings): void {
  const lines = [
    '',
    'Sessions vs tokens: the multi-instance demo is running.',
    `  variants: ${settings.sessionVariant} and ${settings.jwtVariant}; access tokens live ${settings.accessTokenTtl} s`,
    '',
  ];
  if (stack.balancer === 'nginx') {
    lines.push(
      `  session server (${instances} instances behind nginx, TLS, round robin):  ${stack.sessionUrl}`,
      `  jwt server     (${instances} instances behind nginx, TLS, round robin):  ${stack.jwtUrl}`,
      `  plain HTTP ${stack.sessionHttpUrl} and ${stack.jwtHttpUrl} redirect to HTTPS.`,
      '',
      '  The certificate is self-signed and was made just now: your browser warns once per port;',
      `  accept it for localhost (curl: -k, or --cacert ${stack.nginx?.dir}/tls/cert.pem).`,
    );
  } else if (stack.balancer === 'node') {
    lines.push(
      `  session server (${instances} instances behind a Node round-robin proxy):  ${stack.sessionUrl}`,
      `  jwt server     (${instances} instances behind a Node round-robin proxy):  ${stack.jwtUrl}`,
      '',
      '  Plain HTTP: no TLS, so no Secure cookies and no __Host- prefix. With nginx installed (Debian/Ubuntu:',
      '  apt-get install nginx-light) the demo runs the TLS load balancer of docker compose instead.',
    );
  } else {
    lines.push('  No load balancer: each instance has its own address (the page then sees only the one it talks to).');
  }
  lines.push('', '  Every instance (plain HTTP, direct):');
  for (const i of [...stack.session, ...stack.jwt]) lines.push(`    ${i.instanceId.padEnd(10)} ${i.url}`);
  lines.push(
    '',
    'Open both pages side by side and try:',
    '  1. Register and log in; add products to the cart. The Requests list shows which instance',
    '     answered each request: round robin, and your login works on every instance.',
    '  2. Look at the credential: the decoded JWT, or a session cookie your scripts cannot see.',
    ...(['jwt', 'jwt-string-secret'].includes(settings.jwtVariant)
      ? [
          '  3. Log out (or log out everywhere), then Replay: the old JWT is still accepted by every',
          '     instance until it expires; a revoked session is refused by all of them at once.',
        ]
      : [
          `  3. Log out (or log out everywhere), then Replay: ${settings.jwtVariant} refuses the old JWT at once,`,
          '     as a revoked session is refused: at the price of a revocation check on every request.',
        ]),
    '',
    'Ctrl-C stops everything.',
  );
  console.log(lines.join('\n'));
}

main().catch((err) => {
  const badArgument = String((err as { code?: unknown }).code ?? '').startsWith('ERR_PARSE_ARGS');
  console.error(err instanceof Error ? err.message : err);
  if (badArgument) console.error('npm run demo -- --help lists the options.');
  process.exit(1);
});
