// docker-compose.yml, Dockerfile and .dockerignore, checked as far as a machine without a Docker
// engine allows: the compose CLI validates the file against its schema; the rest is read here and
// held to what the demo promises (three instances of each server, only the balancer published,
// instances trusting the proxy, one JWT key for all, non-root images with health checks, no key
// committed), and the balancer's configuration rendered with compose's own values passes `nginx -t`.
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCertificate, TEMPLATE_PATH, templateVariables, testConfig, writeLocalConfig } from '../../deploy/nginx/local-nginx';

const ROOT = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

// js-yaml 4: its default schema resolves merge keys (<<) as compose does (js-yaml 5 no longer does).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = require('js-yaml') as { load(text: string): unknown };

type Service = {
  build?: { context: string; target: string };
  image?: string;
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  profiles?: string[];
  command?: string[];
  read_only?: boolean;
  cap_drop?: string[];
  cap_add?: string[];
  user?: string;
};

/** Compose's variable interpolation with an empty environment: ${VAR:-default}, ${VAR}, $$. */
function interpolate(value: unknown): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\$|\$\{([A-Z_][A-Z0-9_]*)(?::?-([^}]*))?\}/g, (whole, _name, fallback) => (whole === '$$' ? '$' : (fallback ?? '')));
  }
  if (Array.isArray(value)) return value.map(interpolate);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v)]));
  return value;
}

const compose = interpolate(yaml.load(read('docker-compose.yml'))) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;
const instances = (kind: string) => Object.keys(services).filter((name) => new RegExp(`^${kind}-\\d+$`).test(name));

describe('docker-compose.yml', () => {
  it('is valid for the compose CLI (`docker compose config`, or docker-compose where no plugin exists)', () => {
    const plugin = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
    const [cmd, args] = plugin.status === 0 ? ['docker', ['compose']] : ['docker-compose', []];
    const version = spawnSync(cmd, [...args, 'version'], { encoding: 'utf8' });
    if (version.error || version.status !== 0) {
      throw new Error(
        'No compose CLI: install the Docker Compose plugin, or Debian\'s "docker-compose" package (apt-get install docker-compose), to validate docker-compose.yml',
      );
    }
    for (const profile of [[], ['--profile', 'bench']]) {
      const result = spawnSync(cmd, [...args, '-f', join(ROOT, 'docker-compose.yml'), ...profile, 'config', '-q'], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, COMPOSE_PROJECT_NAME: 'svt-check' },
      });
      expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    }
  });

  it('runs three instances of each server, reachable only through the load balancer', () => {
    expect(instances('session')).toEqual(['session-1', 'session-2', 'session-3']);
    expect(instances('jwt')).toEqual(['jwt-1', 'jwt-2', 'jwt-3']);
    const published = Object.entries(services)
      .filter(([, s]) => s.ports?.length)
      .map(([name]) => name);
    expect(published).toEqual(['lb']);
    expect(services.lb.ports).toEqual(['8443:8443', '8080:8080', '9443:9443', '9080:9080']);
  });

  it('configures every instance through the environment: its own id, listening for the proxy, trusting only it', () => {
    const ids = new Set<string>();
    for (const name of [...instances('session'), ...instances('jwt')]) {
      const s = services[name];
      const env = s.environment ?? {};
      expect(s.build?.target).toBe('server');
      expect(env).toMatchObject({ SERVER: name.split('-')[0], HOST: '0.0.0.0', PORT: '3000', TRUST_PROXY: '1', INSTANCE_ID: name });
      expect(env.DATABASE_URL).toMatch(/^postgres:\/\/[^@]+@postgres:5432\/\w+$/);
      expect(s.depends_on?.postgres?.condition).toBe('service_healthy');
      expect(s.read_only).toBe(true);
      expect(s.cap_drop).toEqual(['ALL']);
      ids.add(env.INSTANCE_ID);
    }
    expect(ids.size).toBe(6);
  });

  it('gives every jwt instance the same key, made at first start and never written into the file', () => {
    const raw = read('docker-compose.yml');
    expect(raw).not.toMatch(/JWT_KEYS\s*:/);
    for (const name of instances('jwt')) {
      const s = services[name];
      expect(s.environment?.JWT_KEYS_FILE).toBe('/run/jwt/jwt-keys');
      expect(s.volumes).toEqual(['jwt-key:/run/jwt:ro']);
      expect(s.depends_on?.['first-start']?.condition).toBe('service_completed_successfully');
    }
    expect(services['first-start'].build?.target).toBe('first-start');
    expect(services['first-start'].volumes).toEqual(['tls:/tls', 'jwt-key:/jwt']);
    expect(Object.keys(compose.volumes).sort()).toEqual(['jwt-key', 'pgdata', 'tls']);
  });

  it('starts the load balancer after every instance is healthy, with the files and values its template needs', () => {
    const lb = services.lb;
    for (const name of [...instances('session'), ...instances('jwt')]) expect(lb.depends_on?.[name]?.condition).toBe('service_healthy');
    // Every placeholder of lb.conf.template has a value in compose (else nginx would not start).
    const env = lb.environment ?? {};
    for (const name of templateVariables(readFileSync(TEMPLATE_PATH, 'utf8'))) expect({ [name]: env[name] }).toEqual({ [name]: expect.any(String) });
    // The mounted files exist; the template lands where nginx.conf includes it.
    const mounts = Object.fromEntries((lb.volumes ?? []).map((v) => v.split(':')).map(([src, dst]) => [dst, src]));
    for (const src of Object.values(mounts).filter((s) => s.startsWith('./'))) expect(existsSync(join(ROOT, src))).toBe(true);
    expect(mounts['/etc/nginx/templates/lb.conf.template']).toBe('./deploy/nginx/lb.conf.template');
    expect(read('deploy/nginx/nginx.conf')).toContain('include /etc/nginx/conf.d/lb.conf;');
    expect(mounts[env.TLS_DIR]).toBe('tls');
    // The upstream lists name exactly the instances, on the port they listen on.
    const upstreams = (file: string) => [...read(file).matchAll(/^server ([\w-]+):(\d+);/gm)].map((m) => `${m[1]}:${m[2]}`);
    expect(mounts[`${env.LB_CONF_DIR}/session-servers.conf`]).toBe('./deploy/nginx/session-servers.compose.conf');
    expect(mounts[`${env.LB_CONF_DIR}/jwt-servers.conf`]).toBe('./deploy/nginx/jwt-servers.compose.conf');
    expect(upstreams('deploy/nginx/session-servers.compose.conf')).toEqual(instances('session').map((n) => `${n}:3000`));
    expect(upstreams('deploy/nginx/jwt-servers.compose.conf')).toEqual(instances('jwt').map((n) => `${n}:3000`));
  });

  it("renders, with compose's own listen and redirect values, a configuration nginx accepts", () => {
    const env = services.lb.environment ?? {};
    const dir = mkdtempSync(join(tmpdir(), 'svt-compose-nginx-'));
    try {
      mkdirSync(join(dir, 'tls'));
      makeCertificate(join(dir, 'tls'));
      // The instances' host names resolve only inside compose: the upstream lists point at loopback.
      writeFileSync(join(dir, 'session-servers.conf'), 'server 127.0.0.1:1;\n');
      writeFileSync(join(dir, 'jwt-servers.conf'), 'server 127.0.0.1:2;\n');
      const conf = writeLocalConfig(dir, { ...env, TLS_DIR: join(dir, 'tls'), LB_CONF_DIR: dir, LB_ACCESS_LOG: join(dir, 'access.log') });
      const lbConf = readFileSync(join(dir, 'lb.conf'), 'utf8');
      expect(lbConf).toContain('listen 8443 ssl;');
      expect(lbConf).toContain('return 301 https://$host:8443$request_uri;');
      expect(lbConf).not.toMatch(/\$\{/);
      const result = testConfig(conf);
      expect(result.output).toContain('test is successful');
      expect(result.ok).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('offers the bench as an optional profile', () => {
    const bench = services.bench;
    expect(bench.profiles).toEqual(['bench']);
    expect(bench.build?.target).toBe('bench');
    expect(bench.command?.slice(0, 3)).toEqual(['npm', 'run', 'bench']);
    expect(bench.environment?.DATABASE_URL).toMatch(/@postgres:5432\//);
    expect(bench.ports).toBeUndefined();
    expect(bench.volumes).toEqual(['./results:/app/results']);
    // Root only to switch to the owner of ./results (below), with no capability but that switch.
    expect(bench.user).toBe('root');
    expect(bench.cap_drop).toEqual(['ALL']);
    expect(bench.cap_add?.sort()).toEqual(['SETGID', 'SETUID']);
  });
});

describe('deploy/bench-entrypoint.sh (the bench container writes ./results as its owner)', () => {
  const script = join(ROOT, 'deploy', 'bench-entrypoint.sh');
  const run = (resultsDir: string, command: string) =>
    spawnSync('sh', [script, 'sh', '-c', command], { encoding: 'utf8', env: { ...process.env, RESULTS_DIR: resultsDir } });

  it('runs the command as the uid and gid that own the results folder, which can then write there', () => {
    const dir = mkdtempSync(join(tmpdir(), 'svt-bench-results-'));
    try {
      const isRoot = process.getuid?.() === 0;
      // As root (the container, and CI): a folder owned by another user, as on a clone owned by uid 4321.
      // Otherwise the folder is ours, and the script must leave the command as it is.
      const [uid, gid] = isRoot ? [4321, 4322] : [process.getuid?.(), process.getgid?.()];
      if (isRoot) chownSync(dir, 4321, 4322);
      const result = run(dir, 'echo "$(id -u) $(id -g) $(id -G)"; touch "$RESULTS_DIR/report.md"');
      expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
      const [u, g, ...groups] = result.stdout.trim().split(' ').map(Number);
      expect([u, g]).toEqual([uid, gid]);
      if (isRoot) expect(groups).toEqual([4322]); // root's supplementary groups are dropped
      const written = statSync(join(dir, 'report.md'));
      expect([written.uid, written.gid]).toEqual([uid, gid]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // The check belongs to the root path (the container under compose; CI runs as root too).
  (process.getuid?.() === 0 ? it : it.skip)('refuses to start, saying why, when the results folder is not mounted', () => {
    const result = run('/nonexistent-results', 'true');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('is not a directory');
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const stage = (name: string) => stages.find((s) => s.split('\n')[0].endsWith(` AS ${name}`)) ?? '';

  it('gives the bench image the entrypoint that writes results as their owner', () => {
    expect(stage('bench')).toMatch(/^ENTRYPOINT \["bench-entrypoint"\]/m);
    expect(stage('bench')).toContain('deploy/bench-entrypoint.sh /usr/local/bin/bench-entrypoint');
  });

  it('has the stages compose builds, each running as a non-root user', () => {
    for (const name of ['server', 'first-start', 'bench']) {
      expect(stage(name)).not.toBe('');
      const users = [...stage(name).matchAll(/^USER (\S+)/gm)].map((m) => m[1]);
      expect(users.at(-1)).toBe('node');
    }
    // The server is the default target (`docker build .`): the last stage.
    expect(stages.at(-1)?.split('\n')[0]).toMatch(/ AS server$/);
  });

  it('gives the server image a health check, an exec entrypoint and settings from the environment only', () => {
    const server = stage('server');
    expect(server).toMatch(/^HEALTHCHECK .*\n?.*\/readyz/m);
    expect(server).toMatch(/^ENTRYPOINT \["docker-entrypoint"\]/m);
    expect(server).toContain('HOST=0.0.0.0');
    // No configuration file is copied in: only code, dependencies and the entrypoint.
    const copied = [...server.matchAll(/^COPY (?:--\S+ )*(\S+)/gm)].map((m) => m[1]);
    expect(copied).toEqual(['/app/node_modules', 'package.json', '/app/dist/servers', 'deploy/docker-entrypoint.sh']);
    // The compiled build with plain node: no TypeScript loader at run time.
    expect(read('deploy/docker-entrypoint.sh')).toMatch(/^exec node "dist\/servers\/\$SERVER\/main\.js"$/m);
  });

  it('copies only files the build context (.dockerignore) lets in', () => {
    const ignore = read('.dockerignore');
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(?:--\S+ )*(.+) \S+$/gm)].flatMap((m) => m[1].split(' '));
    for (const src of sources) {
      expect(existsSync(join(ROOT, src))).toBe(true);
      expect(ignore).toMatch(new RegExp(`^!${src.replace(/[.*]/g, (c) => `\\${c}`)}(/\\*\\*)?$`, 'm'));
    }
    for (const secret of ['**/*.pem', '**/*.key', '**/.env', '**/node_modules']) expect(ignore).toContain(secret);
  });
});

describe('the repository', () => {
  it('holds no private key or certificate (the demo makes its own at first start)', () => {
    const found: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        if (['node_modules', '.git', 'results', '.pgdata', 'coverage'].includes(name)) continue;
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (/\.(pem|key|crt)$/.test(name) || /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(readFileSync(path, 'latin1'))) found.push(path);
      }
    };
    walk(ROOT);
    expect(found).toEqual([]);
  });
});
