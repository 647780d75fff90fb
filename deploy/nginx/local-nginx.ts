// The compose load balancer's own configuration (lb.conf.template), run by a local nginx in front of
// local instances: for `npm run demo` and for the tests that prove it (round robin, TLS, redirects).
// Non-root friendly: the pid file, logs, temp files, certificate and rendered config all live in one
// temp directory, and it listens on loopback only.
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { freePort } from '../../scripts/postgres';

const HERE = __dirname;
export const TEMPLATE_PATH = join(HERE, 'lb.conf.template');
export const FIRST_START_SCRIPT = join(HERE, '..', 'first-start.sh');

const PLACEHOLDER = /\$\{([A-Z][A-Z0-9_]*)\}/g;

/** The placeholders a template uses (comments excluded), e.g. TLS_DIR. */
export function templateVariables(template: string): Set<string> {
  const names = new Set<string>();
  for (const line of template.split('\n')) {
    if (line.trimStart().startsWith('#')) continue;
    for (const m of line.matchAll(PLACEHOLDER)) names.add(m[1]);
  }
  return names;
}

/**
 * What the nginx image's entrypoint does with envsubst: replaces ${NAME} for the names given and
 * leaves everything else (nginx's own $variables) alone. Throws if a placeholder has no value.
 */
export function renderTemplate(template: string, vars: Record<string, string>): string {
  const missing = [...templateVariables(template)].filter((name) => vars[name] === undefined);
  if (missing.length > 0) throw new Error(`lb.conf.template needs ${missing.join(', ')}`);
  return template.replace(PLACEHOLDER, (whole, name: string) => vars[name] ?? whole);
}

/** Common places for a binary that may not be on a non-root PATH (Debian puts nginx in /usr/sbin). */
export function findBinary(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/local/bin', '/opt/homebrew/bin'];
  for (const dir of dirs.filter(Boolean)) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return null;
}

/** A self-signed certificate for localhost, made by the same script compose runs at first start. */
export function makeCertificate(dir: string): { certPath: string; keyPath: string } {
  if (!findBinary('openssl')) throw new Error('openssl not found: install it (Debian/Ubuntu: apt-get install openssl)');
  execFileSync('sh', [FIRST_START_SCRIPT], { env: { ...process.env, TLS_DIR: dir, JWT_KEY_DIR: '' }, stdio: 'pipe' });
  return { certPath: join(dir, 'cert.pem'), keyPath: join(dir, 'key.pem') };
}

export interface LocalNginxOptions {
  /** `host:port` of each instance. */
  sessionServers: string[];
  jwtServers: string[];
  /** Fixed ports (the demo); by default free ones (tests). */
  ports?: Partial<LbPorts>;
  /** Listen address; loopback only unless you mean it. */
  host?: string;
  /** Host name in the returned URLs (default localhost, the certificate's name). */
  urlHost?: string;
  workerProcesses?: number;
}

export interface LbPorts {
  sessionHttps: number;
  sessionHttp: number;
  jwtHttps: number;
  jwtHttp: number;
}

export interface LocalNginx {
  sessionUrl: string;
  jwtUrl: string;
  sessionHttpUrl: string;
  jwtHttpUrl: string;
  ports: LbPorts;
  /** The self-signed certificate (PEM) clients can trust. */
  certificate: string;
  dir: string;
  pid: number;
  /** error.log and access.log so far. */
  logs(): { error: string; access: string };
  stop(): Promise<void>;
}

async function waitForHealth(url: string, child: ChildProcess, errorLog: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`nginx exited (${child.exitCode ?? child.signalCode}):\n${readLog(errorLog)}`);
    }
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nginx did not answer ${url} within ${timeoutMs} ms:\n${readLog(errorLog)}`);
}

function readLog(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Writes the local counterpart of nginx.conf into `dir` (pid, logs and temp files inside it) around
 * lb.conf rendered from `vars`; returns the path of the top-level file.
 */
export function writeLocalConfig(dir: string, vars: Record<string, string>, workerProcesses = 2): string {
  mkdirSync(join(dir, 'temp'), { recursive: true });
  writeFileSync(join(dir, 'lb.conf'), renderTemplate(readFileSync(TEMPLATE_PATH, 'utf8'), vars));
  const temp = (name: string) => join(dir, 'temp', name);
  const path = join(dir, 'nginx.conf');
  writeFileSync(
    path,
    [
      'daemon off;',
      'master_process on;',
      `worker_processes ${workerProcesses};`,
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'error.log')} notice;`,
      'events { worker_connections 512; }',
      'http {',
      `  client_body_temp_path ${temp('body')};`,
      `  proxy_temp_path ${temp('proxy')};`,
      `  fastcgi_temp_path ${temp('fastcgi')};`,
      `  uwsgi_temp_path ${temp('uwsgi')};`,
      `  scgi_temp_path ${temp('scgi')};`,
      `  include ${join(dir, 'lb.conf')};`,
      '}',
      '',
    ].join('\n'),
  );
  return path;
}

/** `nginx -t` on a configuration written by writeLocalConfig: parses it and opens its files. */
export function testConfig(confPath: string): { ok: boolean; output: string } {
  const nginx = requireNginx();
  const dir = dirname(confPath);
  const result = spawnSync(nginx, ['-t', '-p', dir, '-c', confPath, '-e', join(dir, 'error.log')], { encoding: 'utf8' });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

function requireNginx(): string {
  const nginx = findBinary('nginx');
  if (!nginx) throw new Error('nginx not found: install it (Debian/Ubuntu: apt-get install nginx-light; macOS: brew install nginx)');
  return nginx;
}

export async function startLocalNginx(opts: LocalNginxOptions): Promise<LocalNginx> {
  const nginx = requireNginx();
  const host = opts.host ?? '127.0.0.1';
  const ports: LbPorts = {
    sessionHttps: opts.ports?.sessionHttps ?? (await freePort()),
    sessionHttp: opts.ports?.sessionHttp ?? (await freePort()),
    jwtHttps: opts.ports?.jwtHttps ?? (await freePort()),
    jwtHttp: opts.ports?.jwtHttp ?? (await freePort()),
  };
  const dir = mkdtempSync(join(tmpdir(), 'svt-nginx-'));
  const tlsDir = join(dir, 'tls');
  mkdirSync(tlsDir);
  const { certPath } = makeCertificate(tlsDir);
  writeFileSync(join(dir, 'session-servers.conf'), opts.sessionServers.map((s) => `server ${s};\n`).join(''));
  writeFileSync(join(dir, 'jwt-servers.conf'), opts.jwtServers.map((s) => `server ${s};\n`).join(''));
  const listen = (port: number) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);
  const confPath = writeLocalConfig(
    dir,
    {
      SESSION_HTTPS_LISTEN: listen(ports.sessionHttps),
      SESSION_HTTP_LISTEN: listen(ports.sessionHttp),
      JWT_HTTPS_LISTEN: listen(ports.jwtHttps),
      JWT_HTTP_LISTEN: listen(ports.jwtHttp),
      SESSION_HTTPS_PORT: String(ports.sessionHttps),
      JWT_HTTPS_PORT: String(ports.jwtHttps),
      TLS_DIR: tlsDir,
      LB_CONF_DIR: dir,
      LB_ACCESS_LOG: join(dir, 'access.log'),
    },
    opts.workerProcesses,
  );
  const errorLog = join(dir, 'error.log');
  // -e: the error log before the config is read (else nginx tries /var/log/nginx, root-only).
  const child = spawn(nginx, ['-p', dir, '-c', confPath, '-e', errorLog], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout?.on('data', (c) => output.push(String(c)));
  child.stderr?.on('data', (c) => output.push(String(c)));
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(kill);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForHealth(`http://${listen(ports.sessionHttp)}/lb-healthz`, child, errorLog, 10_000);
    await waitForHealth(`http://${listen(ports.jwtHttp)}/lb-healthz`, child, errorLog, 10_000);
  } catch (err) {
    const message = `${(err as Error).message}\n${output.join('')}`;
    await stop();
    throw new Error(message);
  }
  const urlHost = opts.urlHost ?? 'localhost';
  const base = (port: number, scheme: string) => `${scheme}://${urlHost}:${port}`;
  return {
    sessionUrl: base(ports.sessionHttps, 'https'),
    jwtUrl: base(ports.jwtHttps, 'https'),
    sessionHttpUrl: base(ports.sessionHttp, 'http'),
    jwtHttpUrl: base(ports.jwtHttp, 'http'),
    ports,
    certificate: readFileSync(certPath, 'utf8'),
    dir,
    pid: child.pid as number,
    logs: () => ({ error: readLog(errorLog), access: readLog(join(dir, 'access.log')) }),
    stop,
  };
}
