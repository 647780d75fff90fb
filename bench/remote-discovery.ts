// What answers behind each target URL: GET /healthz a number of times per URL and collect the
// variant it reports and the X-Instance-Id of every answer. A balancer URL shows every instance it
// routes to (round robin reaches all of them in a few requests; a sticky one would show fewer, and
// the report says how many were seen, never how many there "should" be).
import { type RemoteAgent, remoteAgent, remoteSend } from './remote-http';
import { keyAccepts, type TargetSpec } from './remote-targets';
import { VARIANTS, type Variant } from './variants';

export interface RemoteTarget {
  /** The --target key as given. */
  key: string;
  /** "<variant> (<key>)" when they differ, else the variant: how the report names it. */
  label: string;
  urls: string[];
  variant: Variant;
  /** Every instance id seen, in the order first seen. */
  instances: string[];
  instancesBehind(url: string): string[];
}

/** Requests per URL: a round-robin balancer over up to this many / 2 instances shows each at least twice. */
const DISCOVERY_REQUESTS = 24;

async function discoverUrl(agent: RemoteAgent, url: string): Promise<{ variant: string; instances: string[] }> {
  const instances: string[] = [];
  const variants = new Set<string>();
  for (let i = 0; i < DISCOVERY_REQUESTS; i++) {
    const r = await remoteSend(agent, url, { method: 'GET', path: '/healthz' });
    if (r.status !== 200) throw new Error(`GET ${url}/healthz answered ${r.status}: ${r.body.slice(0, 200) || 'no answer'}`);
    const body = JSON.parse(r.body) as { variant?: unknown; instance?: unknown };
    variants.add(String(body.variant));
    const id = r.instance ?? (typeof body.instance === 'string' ? body.instance : null);
    if (id && !instances.includes(id)) instances.push(id);
  }
  if (variants.size !== 1) throw new Error(`${url} answers as several variants (${[...variants].join(', ')}): one target, one variant`);
  if (instances.length === 0) throw new Error(`${url} names no instance (no X-Instance-Id header): is it one of this project's servers?`);
  return { variant: [...variants][0], instances };
}

export async function discoverTarget(spec: TargetSpec): Promise<RemoteTarget> {
  const byUrl = new Map<string, string[]>();
  let variantName: string | null = null;
  for (const url of spec.urls) {
    // A new connection per request would defeat nothing here; a few sockets let a balancer spread them.
    const agent = remoteAgent(url, 4);
    try {
      const found = await discoverUrl(agent, url);
      if (variantName !== null && found.variant !== variantName) throw new Error(`--target ${spec.key}: ${url} is ${found.variant}, the others ${variantName}`);
      variantName = found.variant;
      byUrl.set(url, found.instances);
    } finally {
      agent.destroy();
    }
  }
  const variant = VARIANTS.find((v) => v.name === variantName);
  if (!variant || !keyAccepts(spec.key, variant.name)) {
    throw new Error(`--target ${spec.key}: the servers at ${spec.urls.join(', ')} report variant "${variantName}", which is not ${spec.key}`);
  }
  const instances = [...new Set([...byUrl.values()].flat())];
  return {
    key: spec.key,
    label: spec.key === variant.name ? variant.name : `${variant.name} (${spec.key})`,
    urls: spec.urls,
    variant,
    instances,
    instancesBehind: (url) => byUrl.get(url) ?? [],
  };
}
