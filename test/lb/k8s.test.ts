// deploy/k8s, checked as far as a machine without a cluster allows: kubectl renders every overlay
// (with the secrets make-secrets.sh writes, in a copy of the directory), every rendered object is
// held to the Kubernetes OpenAPI schema (kubernetes-schema.ts), every name it refers to exists, and
// the invariants of the compose demo hold (non-root, read-only root filesystem, no privileges, no
// secret in a committed file, probes and resources set, the metrics port never public).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { loadConfig } from '../../servers/core/config';
import { type KubeObject, schemaErrors, unknownFields } from './kubernetes-schema';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = require('js-yaml') as { loadAll(text: string): unknown[]; load(text: string): unknown };

const ROOT = join(__dirname, '..', '..');
const K8S = join(ROOT, 'deploy', 'k8s');
const NAMESPACE = 'sessions-vs-tokens';
const OVERLAYS = ['overlays/demo', 'overlays/external-db', 'overlays/variants', 'bench'] as const;
type Overlay = (typeof OVERLAYS)[number];
// A made-up external database: the test checks that it reaches the Secret unchanged.
const EXTERNAL_URL = 'postgres://app:not-a-real-password@db.example.internal:5432/app?sslmode=require';
// The Dockerfile's images run as `node`, which is uid/gid 1000 in the official Node images.
const NODE_UID = 1000;

interface Container {
  name: string;
  image: string;
  command?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: unknown } }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { name?: string; containerPort: number }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: {
    runAsNonRoot?: boolean;
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    privileged?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
  };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface Probe {
  httpGet?: { path: string; port: string | number };
  exec?: { command: string[] };
}
interface PodSpec {
  automountServiceAccountToken?: boolean;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; runAsGroup?: number; seccompProfile?: { type: string } };
  containers: Container[];
  initContainers?: Container[];
  volumes?: { name: string; emptyDir?: unknown; hostPath?: unknown; secret?: { secretName: string } }[];
}
interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: PodSpec;
}

const rendered = {} as Record<Overlay, KubeObject[]>;
let work: string;
/** The copy of deploy/k8s that was rendered, with the secrets make-secrets.sh made in it. */
let renderedDir: string;

/** `kubectl kustomize DIR`: the objects, or a thrown error with kubectl's message. */
function render(dir: string): KubeObject[] {
  const result = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
  if (result.error) {
    throw new Error('No kubectl: install one to render deploy/k8s (Debian: apt-get install kubernetes-client; any kubectl >= 1.14 has `kubectl kustomize`)');
  }
  // kustomize >= 4 warns that `bases` is deprecated; the overlays keep it for Debian 12's kubectl.
  const stderr = result.stderr
    .split('\n')
    .filter((l) => l && !/^# Warning: 'bases' is deprecated/.test(l))
    .join('\n');
  if (result.status !== 0 || stderr) throw new Error(`kubectl kustomize ${dir} failed (${result.status}): ${result.stderr}`);
  return yaml.loadAll(result.stdout).filter(Boolean) as KubeObject[];
}

function makeSecrets(dir: string, overlay: string, env: Record<string, string> = {}) {
  return spawnSync('sh', [join(dir, 'make-secrets.sh'), overlay], { encoding: 'utf8', env: { PATH: process.env.PATH, ...env } });
}

/** deploy/k8s without any secret a developer made locally (the test makes its own). */
function copyK8s(): string {
  const dir = join(mkdtempSync(join(work, 'k8s-')), 'k8s');
  cpSync(K8S, dir, { recursive: true, filter: (src) => !/\/secrets\/[^/]+$/.test(src) || src.endsWith('/.gitignore') });
  return dir;
}

/** Generated names carry a content hash (session-config-5f8k2...): the name without it. */
const baseName = (name: string) => name.replace(/-[a-z0-9]{10}$/, '');
const find = (objects: KubeObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && baseName(o.metadata.name) === name);
const get = (objects: KubeObject[], kind: string, name: string): KubeObject => {
  const o = find(objects, kind, name);
  if (!o) throw new Error(`no ${kind}/${name}`);
  return o;
};
const spec = <T>(o: KubeObject) => o.spec as T;
const podTemplate = (o: KubeObject) => spec<{ template: PodTemplate }>(o).template;
const workloads = (objects: KubeObject[]) => objects.filter((o) => ['Deployment', 'StatefulSet', 'Job'].includes(o.kind));
const allWorkloads = () => OVERLAYS.flatMap((overlay) => workloads(rendered[overlay]).map((o) => ({ overlay, o, pod: podTemplate(o) })));
const containers = (pod: PodTemplate) => [...pod.spec.containers, ...(pod.spec.initContainers ?? [])];
const envOf = (c: Container, name: string) => c.env?.find((e) => e.name === name);
const decoded = (secret: KubeObject, key: string) =>
  Buffer.from(String((secret.data as Record<string, string>)[key]).replace(/\s/g, ''), 'base64').toString('utf8');
const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

/** The settings a server container gets: env values, plus its ConfigMaps' data. */
function settings(objects: KubeObject[], c: Container): Record<string, string> {
  const fromMaps = (c.envFrom ?? []).flatMap((e) => {
    const map = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === e.configMapRef?.name);
    return Object.entries((map?.data as Record<string, string>) ?? {});
  });
  const plain = (c.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value as string]);
  return Object.fromEntries([...fromMaps, ...plain]);
}

/** Kubernetes quantities ("250m", "1", "192Mi") as numbers, to compare requests with limits. */
function quantity(q: string): number {
  const units: Record<string, number> = { m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };
  const m = /^(\d+(?:\.\d+)?)(m|k|M|G|Ki|Mi|Gi)?$/.exec(q);
  if (!m) throw new Error(`unparsed quantity ${q}`);
  return Number(m[1]) * units[m[2] ?? ''];
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'svt-k8s-'));
  renderedDir = copyK8s();
  for (const [overlay, env] of [
    ['demo', {}],
    ['external-db', { DATABASE_URL: EXTERNAL_URL }],
  ] as const) {
    const made = makeSecrets(renderedDir, overlay, env);
    if (made.status !== 0) throw new Error(`make-secrets.sh ${overlay} failed: ${made.stderr}`);
  }
  for (const overlay of OVERLAYS) rendered[overlay] = render(join(renderedDir, overlay));
}, 60_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('kubectl kustomize deploy/k8s/<overlay>', () => {
  it('renders each overlay into the objects it promises, all in one namespace', () => {
    const names = (overlay: Overlay) => rendered[overlay].map((o) => `${o.kind}/${baseName(o.metadata.name)}`).sort();
    const servers = ['session', 'jwt'].flatMap((n) => [`Deployment/${n}`, `Service/${n}`, `PodDisruptionBudget/${n}`, `HorizontalPodAutoscaler/${n}`]);
    const common = [
      'Namespace/sessions-vs-tokens',
      'ConfigMap/session-config',
      'ConfigMap/jwt-config',
      'Secret/database',
      'Secret/jwt-keys',
      'Secret/tls',
      'Ingress/sessions-vs-tokens',
      'NetworkPolicy/servers',
      ...servers,
    ];
    const demo = [...common, 'StatefulSet/postgres', 'Service/postgres', 'NetworkPolicy/postgres'].sort();
    expect(names('overlays/demo')).toEqual(demo);
    expect(names('overlays/variants')).toEqual(demo);
    expect(names('overlays/external-db')).toEqual([...common].sort());
    expect(names('bench')).toEqual(['Job/bench']);
    for (const overlay of OVERLAYS) {
      for (const o of rendered[overlay].filter((x) => x.kind !== 'Namespace'))
        expect(`${o.kind}/${o.metadata.name} in ${o.metadata.namespace}`).toMatch(new RegExp(` in ${NAMESPACE}$`));
    }
  });

  it('renders only objects valid against the Kubernetes OpenAPI schema, with no field it does not know', () => {
    const all = OVERLAYS.flatMap((overlay) => rendered[overlay]);
    // kubectl >= 1.2x wraps long base64 values over lines; the API server's decoder (Go's
    // encoding/base64) skips the newlines, the schema's "byte" format does not: compare unwrapped.
    const unwrapped = all.map((o) =>
      o.kind === 'Secret' ? { ...o, data: Object.fromEntries(Object.entries(o.data as Record<string, string>).map(([k, v]) => [k, v.replace(/\s/g, '')])) } : o,
    );
    expect(unwrapped.flatMap((o) => schemaErrors(o).map((e) => `${o.kind}/${o.metadata.name}: ${e}`))).toEqual([]);
    // Overlays share most objects: type check each distinct one once.
    expect(unknownFields([...new Map(unwrapped.map((o) => [JSON.stringify(o), o])).values()])).toEqual([]);
  });

  it('would fail on a broken manifest: a misspelled field, a wrong type, a missing requirement', () => {
    // Broken in a copy of the source files, rendered by kubectl like the real ones.
    const dir = copyK8s();
    const breakFile = (file: string, from: string, to: string) => {
      const path = join(dir, 'base', file);
      writeFileSync(path, readFileSync(path, 'utf8').replace(from, to));
    };
    breakFile('session.yaml', 'containerPort: 3000', 'containerPort: "3000"');
    breakFile('jwt.yaml', 'readinessProbe:', 'readinesProbe:');
    const broken = render(join(dir, 'base'));
    const [session, jwt] = [get(broken, 'Deployment', 'session'), get(broken, 'Deployment', 'jwt')];
    expect(schemaErrors(session)).toEqual([expect.stringContaining('containerPort must be integer')]);
    // The misspelled probe passes the JSON schema (it allows unknown fields) and not the second pass.
    expect(schemaErrors(jwt)).toEqual([]);
    expect(unknownFields([session, jwt])).toEqual([
      "Deployment/session: Type 'string' is not assignable to type 'number'.",
      expect.stringMatching(/^Deployment\/jwt: .*'"readinesProbe"' does not exist in type 'IContainer'/),
    ]);
    const noContainers = JSON.parse(JSON.stringify(get(rendered['overlays/demo'], 'Deployment', 'jwt')));
    delete noContainers.spec.template.spec.containers;
    expect(schemaErrors(noContainers)).toEqual([expect.stringContaining('must have required property')]);
  }, 60_000);

  it('refers only to objects that exist: ConfigMaps, Secrets, Services and their ports, scale targets, selected pods', () => {
    for (const overlay of ['overlays/demo', 'overlays/external-db', 'overlays/variants'] as const) {
      const objects = rendered[overlay];
      const exists = (kind: string, name: string) => objects.some((o) => o.kind === kind && o.metadata.name === name);
      const pods = workloads(objects).map(podTemplate);
      const missing: string[] = [];
      const need = (kind: string, name: string, from: string) => exists(kind, name) || missing.push(`${from} -> ${kind}/${name}`);
      for (const w of workloads(objects)) {
        const pod = podTemplate(w);
        const selector = spec<{ selector: { matchLabels: Record<string, string> } }>(w).selector.matchLabels;
        if (!matches(selector, pod.metadata.labels)) missing.push(`${w.metadata.name}: selector does not select its own pods`);
        for (const c of containers(pod)) {
          for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) need('Secret', e.valueFrom.secretKeyRef.name, `${w.metadata.name} env ${e.name}`);
          for (const e of c.envFrom ?? []) if (e.configMapRef) need('ConfigMap', e.configMapRef.name, `${w.metadata.name} envFrom`);
          // Secret keys exist too: a missing key stops the pod at start (CreateContainerConfigError).
          for (const e of c.env ?? []) {
            const ref = e.valueFrom?.secretKeyRef;
            const secret = ref && objects.find((o) => o.kind === 'Secret' && o.metadata.name === ref.name);
            if (secret && !(ref.key in (secret.data as object))) missing.push(`${w.metadata.name} env ${e.name} -> key ${ref.key}`);
          }
        }
      }
      for (const svc of objects.filter((o) => o.kind === 'Service')) {
        const { selector, ports } = spec<{ selector: Record<string, string>; ports: { targetPort: string }[] }>(svc);
        const selected = pods.filter((p) => matches(selector, p.metadata.labels));
        if (selected.length === 0) missing.push(`Service/${svc.metadata.name} selects no pod`);
        for (const port of ports) {
          if (!selected.every((p) => p.spec.containers.some((c) => c.ports?.some((cp) => cp.name === port.targetPort)))) {
            missing.push(`Service/${svc.metadata.name} targetPort ${port.targetPort} is no container port`);
          }
        }
      }
      for (const o of objects.filter((x) => ['PodDisruptionBudget', 'NetworkPolicy'].includes(x.kind))) {
        const selector =
          o.kind === 'NetworkPolicy'
            ? spec<{ podSelector: { matchLabels: Record<string, string> } }>(o).podSelector
            : spec<{ selector: { matchLabels: Record<string, string> } }>(o).selector;
        if (!pods.some((p) => matches(selector.matchLabels, p.metadata.labels))) missing.push(`${o.kind}/${o.metadata.name} selects no pod`);
      }
      for (const hpa of objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')) {
        const target = spec<{ scaleTargetRef: { kind: string; name: string } }>(hpa).scaleTargetRef;
        need(target.kind, target.name, `HPA/${hpa.metadata.name}`);
      }
      const statefulSet = find(objects, 'StatefulSet', 'postgres');
      if (statefulSet) need('Service', spec<{ serviceName: string }>(statefulSet).serviceName, 'StatefulSet/postgres');
      const ingress = get(objects, 'Ingress', 'sessions-vs-tokens');
      const ingressSpec = spec<IngressSpec>(ingress);
      for (const tls of ingressSpec.tls) need('Secret', tls.secretName, 'Ingress tls');
      for (const backend of ingressBackends(ingress)) {
        const svc = objects.find((o) => o.kind === 'Service' && o.metadata.name === backend.name);
        if (!svc || !spec<{ ports: { name: string }[] }>(svc).ports.some((p) => p.name === backend.port.name))
          missing.push(`Ingress -> Service/${backend.name}:${backend.port.name}`);
      }
      expect({ overlay, missing }).toEqual({ overlay, missing: [] });
    }
  });
});

interface IngressSpec {
  ingressClassName: string;
  tls: { hosts: string[]; secretName: string }[];
  rules: { host: string; http: { paths: { backend: { service: { name: string; port: { name: string } } } }[] } }[];
}
const ingressBackends = (ingress: KubeObject) => spec<IngressSpec>(ingress).rules.flatMap((r) => r.http.paths.map((p) => p.backend.service));

describe('the pods, as locked down as the compose demo', () => {
  it('run as a non-root user (the images’ own), with no privilege, no capability, the default seccomp profile and no API token', () => {
    const images = new Set<string>();
    for (const { overlay, o, pod } of allWorkloads()) {
      const where = `${overlay} ${o.kind}/${o.metadata.name}`;
      expect({ where, token: pod.spec.automountServiceAccountToken }).toEqual({ where, token: false });
      expect({ where, ...pod.spec.securityContext }).toMatchObject({ where, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.spec.securityContext?.runAsUser).toBeGreaterThan(0);
      expect({ where, host: [pod.spec.hostNetwork, pod.spec.hostPID, pod.spec.hostIPC] }).toEqual({ where, host: [undefined, undefined, undefined] });
      expect(pod.spec.volumes?.filter((v) => v.hostPath) ?? []).toEqual([]);
      for (const c of containers(pod)) {
        images.add(c.image);
        expect({ where, container: c.name, ...c.securityContext }).toEqual({
          where,
          container: c.name,
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
        if (c.image.startsWith('sessions-vs-tokens:')) expect({ where, uid: pod.spec.securityContext?.runAsUser }).toEqual({ where, uid: NODE_UID });
      }
    }
    expect([...images].sort()).toEqual(['postgres:18-alpine', 'sessions-vs-tokens:bench', 'sessions-vs-tokens:demo']);
    // Our images run as `node` (the compose test holds every stage to it), uid 1000 in the official
    // Node images they are built FROM.
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:\S+$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    // The namespace makes the API server refuse any pod that breaks this (Pod Security "restricted").
    expect(get(rendered['overlays/demo'], 'Namespace', NAMESPACE).metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted' });
  });

  it('write only to volumes: /tmp is an emptyDir wherever a root filesystem is read-only', () => {
    for (const { overlay, o, pod } of allWorkloads()) {
      const emptyDirs = new Set((pod.spec.volumes ?? []).filter((v) => v.emptyDir).map((v) => v.name));
      for (const c of containers(pod)) {
        const tmp = c.volumeMounts?.find((m) => m.mountPath === '/tmp');
        expect({ where: `${overlay} ${o.metadata.name}/${c.name}`, tmpIsEmptyDir: !!tmp && emptyDirs.has(tmp.name) }).toEqual({
          where: `${overlay} ${o.metadata.name}/${c.name}`,
          tmpIsEmptyDir: true,
        });
      }
    }
  });

  it('ask for resources and are held to limits (requests never above limits)', () => {
    for (const { overlay, o, pod } of allWorkloads()) {
      for (const c of containers(pod)) {
        const where = `${overlay} ${o.metadata.name}/${c.name}`;
        for (const r of ['cpu', 'memory']) {
          const request = c.resources?.requests?.[r];
          const limit = c.resources?.limits?.[r];
          expect({ where, r, request: typeof request, limit: typeof limit }).toEqual({ where, r, request: 'string', limit: 'string' });
          expect(quantity(request as string)).toBeLessThanOrEqual(quantity(limit as string));
        }
      }
    }
  });

  it('are probed: servers ready on /readyz (database up) and alive on /healthz (no database), Postgres on pg_isready', () => {
    for (const overlay of ['overlays/demo', 'overlays/external-db', 'overlays/variants'] as const) {
      for (const name of ['session', 'jwt']) {
        const [c] = podTemplate(get(rendered[overlay], 'Deployment', name)).spec.containers;
        expect(c.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
        expect(c.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
        expect(c.ports).toContainEqual({ name: 'http', containerPort: 3000 });
        expect(settings(rendered[overlay], c)).toMatchObject({ PORT: '3000', HOST: '0.0.0.0' });
      }
    }
    const [pg] = podTemplate(get(rendered['overlays/demo'], 'StatefulSet', 'postgres')).spec.containers;
    expect(pg.readinessProbe?.exec?.command[0]).toBe('pg_isready');
    expect(pg.livenessProbe?.exec?.command[0]).toBe('pg_isready');
  });
});

describe('the servers behind the ingress', () => {
  const objects = () => rendered['overlays/demo'];

  it('trust the proxy, which terminates TLS for every host, and nothing else reaches their API port', () => {
    for (const name of ['session', 'jwt']) {
      const [c] = podTemplate(get(objects(), 'Deployment', name)).spec.containers;
      expect(settings(objects(), c)).toMatchObject({ SERVER: name, TRUST_PROXY: '1' });
    }
    const ingress = get(objects(), 'Ingress', 'sessions-vs-tokens');
    const ingressSpec = spec<IngressSpec>(ingress);
    expect(ingressSpec.ingressClassName).toBe('nginx');
    expect(ingress.metadata.annotations?.['nginx.ingress.kubernetes.io/ssl-redirect']).toBe('true');
    expect(ingressSpec.tls.flatMap((t) => t.hosts).sort()).toEqual(ingressSpec.rules.map((r) => r.host).sort());
    expect(ingressBackends(ingress).map((b) => `${b.name}:${b.port.name}`)).toEqual(['session:http', 'jwt:http']);
    // The certificate make-secrets.sh made names every host of the Ingress.
    const crt = join(renderedDir, 'overlays', 'demo', 'secrets', 'tls.crt');
    const san = spawnSync('openssl', ['x509', '-noout', '-ext', 'subjectAltName', '-in', crt], { encoding: 'utf8' }).stdout;
    for (const host of ingressSpec.rules.map((r) => r.host)) expect(san).toContain(`DNS:${host}`);
    // Port http: from the ingress controller's namespace and the bench Job only.
    const policy = spec<{ ingress: { from: object[]; ports: { port: string }[] }[] }>(get(objects(), 'NetworkPolicy', 'servers'));
    const api = policy.ingress.filter((rule) => rule.ports.some((p) => p.port === 'http'));
    expect(api).toEqual([
      {
        from: [
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
          { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'bench' } } },
        ],
        ports: [{ port: 'http' }],
      },
    ]);
  });

  it('serve /metrics on their own port, scraped on the pod and exposed by no Service or Ingress', () => {
    for (const name of ['session', 'jwt']) {
      const pod = podTemplate(get(objects(), 'Deployment', name));
      const [c] = pod.spec.containers;
      const port = c.ports?.find((p) => p.name === 'metrics')?.containerPort;
      expect(port).toBe(9464);
      expect(settings(objects(), c)).toMatchObject({ METRICS_PORT: String(port), METRICS_HOST: '0.0.0.0' });
      expect(pod.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port), 'prometheus.io/path': '/metrics' });
    }
    for (const overlay of OVERLAYS) {
      for (const svc of rendered[overlay].filter((o) => o.kind === 'Service')) {
        const ports = spec<{ ports: { port: number; targetPort: string | number }[] }>(svc).ports;
        expect({ svc: svc.metadata.name, metrics: ports.filter((p) => [p.port, p.targetPort].some((x) => x === 'metrics' || x === 9464)) }).toEqual({
          svc: svc.metadata.name,
          metrics: [],
        });
      }
    }
  });

  it('are the same Deployment twice, but for the name, the settings and the JWT key', () => {
    const strip = (name: string) => {
      const o = JSON.parse(
        JSON.stringify(get(objects(), 'Deployment', name))
          .replaceAll(`"${name}"`, '"NAME"')
          .replaceAll(/"(session|jwt)-config-[a-z0-9]{10}"/g, '"CONFIG"'),
      );
      const [c] = o.spec.template.spec.containers as Container[];
      c.env = c.env?.filter((e) => e.name !== 'JWT_KEYS');
      return o;
    };
    expect(strip('jwt')).toEqual(strip('session'));
    const jwtKeys = envOf(podTemplate(get(objects(), 'Deployment', 'jwt')).spec.containers[0], 'JWT_KEYS');
    expect(jwtKeys?.valueFrom?.secretKeyRef?.name).toMatch(/^jwt-keys-/);
  });

  it('are disrupted one at a time and scaled on CPU from 3 instances (the compose demo’s count)', () => {
    for (const name of ['session', 'jwt']) {
      expect(spec(get(objects(), 'PodDisruptionBudget', name))).toMatchObject({ maxUnavailable: 1 });
      expect(spec(get(objects(), 'HorizontalPodAutoscaler', name))).toMatchObject({ minReplicas: 3, scaleTargetRef: { kind: 'Deployment', name } });
      // The autoscaler owns the count: a `replicas` here would be reset by every apply.
      expect(spec<{ replicas?: number }>(get(objects(), 'Deployment', name)).replicas).toBeUndefined();
    }
  });

  it('run the variant their overlay picks', () => {
    const variant = (overlay: Overlay, name: string) =>
      settings(rendered[overlay], podTemplate(get(rendered[overlay], 'Deployment', name)).spec.containers[0]).AUTH_VARIANT;
    expect([variant('overlays/demo', 'session'), variant('overlays/demo', 'jwt')]).toEqual(['session', 'jwt']);
    expect([variant('overlays/variants', 'session'), variant('overlays/variants', 'jwt')]).toEqual(['session-cached', 'jwt-push']);
    // ... each one the servers' own configuration accepts.
    const env = { DATABASE_URL: 'postgres://x@y/z', JWT_KEYS: `k:${Buffer.alloc(32, 1).toString('base64url')}` };
    expect(loadConfig('session', { ...env, AUTH_VARIANT: variant('overlays/variants', 'session') }).variant).toBe('session-cached');
    expect(loadConfig('jwt', { ...env, AUTH_VARIANT: variant('overlays/variants', 'jwt') }).variant).toBe('jwt-push');
  });
});

describe('secrets', () => {
  const secretsDir = (overlay: string) => join(renderedDir, 'overlays', overlay, 'secrets');
  const made = (overlay: string, file: string) => readFileSync(join(secretsDir(overlay), file), 'utf8');

  it('are never in a committed file: generated from files make-secrets.sh writes and git ignores', () => {
    const found: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (!/\/secrets\/[^/]+$/.test(path) || name === '.gitignore') {
          const text = readFileSync(path, 'utf8');
          if (/^kind:\s*Secret\b|stringData|PRIVATE KEY|JWT_KEYS=|\bliterals:[\s\S]*secretGenerator|secretGenerator:[\s\S]*\bliterals:/m.test(text))
            found.push(relative(ROOT, path));
        }
      }
    };
    walk(K8S);
    expect(found).toEqual([]);
    for (const overlay of ['demo', 'external-db']) {
      for (const file of readdirSync(secretsDir(overlay)).filter((f) => f !== '.gitignore')) {
        const path = relative(ROOT, join(K8S, 'overlays', overlay, 'secrets', file));
        const ignored = spawnSync('git', ['check-ignore', '--no-index', '-q', path], { cwd: ROOT });
        expect({ path, ignored: ignored.status }).toEqual({ path, ignored: 0 });
      }
    }
    const kept = spawnSync('git', ['check-ignore', '--no-index', '-q', 'deploy/k8s/overlays/demo/secrets/.gitignore'], { cwd: ROOT });
    expect(kept.status).toBe(1);
    // ... and never reach a Docker build context: excluded after every rule that lets deploy/ in
    // (in .dockerignore the last matching rule wins).
    const dockerignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    const excluded = dockerignore.lastIndexOf('deploy/k8s/overlays/*/secrets');
    expect(excluded).toBeGreaterThan(Math.max(...dockerignore.map((l, i) => (l.startsWith('!deploy') ? i : -1))));
  });

  it('reach the pods only through Secret references, with the values make-secrets.sh wrote', () => {
    for (const overlay of ['overlays/demo', 'overlays/external-db', 'overlays/variants'] as const) {
      for (const { o, pod } of allWorkloads().filter((w) => w.overlay === overlay)) {
        for (const c of containers(pod)) {
          for (const e of c.env ?? []) {
            if (/URL|KEY|SECRET|PASSWORD|TOKEN/.test(e.name) && e.name !== 'ACCESS_TOKEN_TTL_SECONDS') {
              expect({ where: `${o.metadata.name} ${e.name}`, ref: !!e.valueFrom?.secretKeyRef }).toEqual({ where: `${o.metadata.name} ${e.name}`, ref: true });
            }
          }
        }
      }
    }
    const demo = rendered['overlays/demo'];
    const database = get(demo, 'Secret', 'database');
    const password = made('demo', 'postgres-password');
    expect(decoded(database, 'password')).toBe(password);
    expect(decoded(database, 'url')).toBe(`postgres://demo:${password}@postgres:5432/demo`);
    expect(password).toMatch(/^[\w-]{32}$/);
    expect(decoded(get(demo, 'Secret', 'jwt-keys'), 'jwt-keys')).toBe(made('demo', 'jwt-keys'));
    expect(get(demo, 'Secret', 'tls').type).toBe('kubernetes.io/tls');
    expect(decoded(get(demo, 'Secret', 'tls'), 'tls.key')).toBe(made('demo', 'tls.key'));
    // Postgres gets its password from the same Secret the servers' URL is in.
    const [pg] = podTemplate(get(demo, 'StatefulSet', 'postgres')).spec.containers;
    expect(envOf(pg, 'POSTGRES_PASSWORD')?.valueFrom?.secretKeyRef).toEqual({ name: database.metadata.name, key: 'password' });
    // The key is one the jwt server accepts (>= 32 bytes, "kid:secret").
    expect(loadConfig('jwt', { DATABASE_URL: 'postgres://x@y/z', JWT_KEYS: made('demo', 'jwt-keys') }).jwt.currentKid).toMatch(/^k8s-\d{8}$/);
    // external-db: the URL given, and no Postgres in the cluster.
    expect(decoded(get(rendered['overlays/external-db'], 'Secret', 'database'), 'url')).toBe(EXTERNAL_URL);
    expect(find(rendered['overlays/external-db'], 'StatefulSet', 'postgres')).toBeUndefined();
  });

  it('are made once: make-secrets.sh keeps what exists, and refuses an external overlay without DATABASE_URL', () => {
    const before = readdirSync(secretsDir('demo')).map((f) => made('demo', f));
    const again = makeSecrets(renderedDir, 'demo');
    expect(again.status).toBe(0);
    expect(readdirSync(secretsDir('demo')).map((f) => made('demo', f))).toEqual(before);
    const fresh = copyK8s();
    const refused = makeSecrets(fresh, 'external-db');
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('set DATABASE_URL');
    expect(readdirSync(join(fresh, 'overlays', 'external-db', 'secrets')).includes('database-url')).toBe(false);
    expect(makeSecrets(fresh, 'no-such-overlay').status).toBe(2);
  });
});

describe('the bench Job', () => {
  it('runs `npm run bench` in remote mode against the in-cluster Services, locked down like the servers', () => {
    const job = get(rendered.bench, 'Job', 'bench');
    const pod = podTemplate(job);
    const [c] = pod.spec.containers;
    expect(c.command).toEqual(['npm', 'run', 'bench', '--', '--target', 'session=http://session:3000', '--target', 'jwt=http://jwt:3000']);
    expect(c.image).toBe('sessions-vs-tokens:bench');
    // Each target is a Service of the deployed stack, on its API port.
    const demo = rendered['overlays/demo'];
    for (const arg of (c.command ?? []).filter((a) => a.includes('=http://'))) {
      const { hostname, port } = new URL(arg.split('=')[1]);
      expect(spec<{ ports: { port: number }[] }>(get(demo, 'Service', hostname)).ports.map((p) => p.port)).toContain(Number(port));
    }
    // The servers' NetworkPolicy lets this pod in.
    expect(matches({ 'app.kubernetes.io/name': 'bench' }, pod.metadata.labels)).toBe(true);
    expect(spec(job)).toMatchObject({ backoffLimit: 0, template: { spec: { restartPolicy: 'Never' } } });
  });
});
