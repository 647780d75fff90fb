// `npm run demo`: the multi-instance demo of docker-compose.yml, without Docker. An embedded
// Postgres (or DATABASE_URL), N instances of each server, and in front of each server one port:
// nginx with the compose load balancer's own configuration (TLS, round robin) when nginx is
// installed, else a small round-robin proxy in Node (plain HTTP). Ctrl-C stops everything.
//
//   npm run demo                    3 instances of each server
//   npm run demo -- --instances 2   fewer on a small machine
//   npm run demo -- --no-nginx      the Node proxy even when nginx is installed
//   npm run demo -- --balancer none no balancer: print every instance's own URL
import { parseArgs } from 'node:util';
import { type Balancer, startStack } from '../deploy/local-stack';
import { findBinary } from '../deploy/nginx/local-nginx';
import { startPostgres } from './postgres';

const HELP = `usage: npm run demo -- [--instances N] [--balancer auto|nginx|node|none] [--no-nginx]
  Ports (same as docker compose): session https 8443 / http 8080, jwt https 9443 / http 9080;
  override with SESSION_HTTPS_PORT, SESSION_HTTP_PORT, JWT_HTTPS_PORT, JWT_HTTP_PORT.`;

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
  printBanner(stack, instances);
}

function printBanner(stack: NonNullable<Awaited<ReturnType<typeof startStack>>>, instances: number): void {
  const lines = ['', 'Sessions vs tokens: the multi-instance demo is running.', ''];
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
    '  3. Log out (or log out everywhere), then Replay: the old JWT is still accepted by every',
    '     instance until it expires; a revoked session is refused by all of them at once.',
    '',
    'Ctrl-C stops everything.',
  );
  console.log(lines.join('\n'));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
