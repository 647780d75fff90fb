// `--target KEY=URL[,URL...]`: servers the bench did not start (docker compose, a cluster). Each URL
// is an instance or a balancer in front of several; instances are told apart by the X-Instance-Id
// header every response carries (servers/core/http/security-headers.ts).
//
// Decision: KEY is a label checked against what the servers say about themselves (GET /healthz),
// never trusted on its own: a strategy name (`session`, `jwt`) accepts any variant of it, a variant
// name (`session-cached`, `jwt-push`...) must match exactly. What is measured and reported is the
// variant the servers report, so a typo or a stack started with another AUTH_VARIANT cannot produce
// figures under the wrong name. Every URL of one target must report the same variant.
import { VARIANTS } from './variants';

export interface TargetSpec {
  key: string;
  urls: string[];
}

/** Takes every `--target KEY=URL[,URL...]` (or `--target=KEY=...`) out of argv; the rest is for the usual parser. */
export function takeTargets(argv: string[]): { targets: TargetSpec[]; rest: string[] } {
  const targets: TargetSpec[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    let value: string | undefined;
    if (arg === '--target') {
      value = argv[++i];
      if (value === undefined) throw new Error('--target needs KEY=URL[,URL...]');
    } else if (arg.startsWith('--target=')) value = arg.slice('--target='.length);
    else {
      rest.push(arg);
      continue;
    }
    targets.push(parseTarget(value));
  }
  const keys = targets.map((t) => t.key);
  const dup = keys.find((k, i) => keys.indexOf(k) !== i);
  if (dup) throw new Error(`--target ${dup} given twice: list every URL of a target after one key, comma-separated`);
  return { targets, rest };
}

const KEYS = [...new Set(VARIANTS.flatMap((v) => [v.strategy, v.name]))];

export function parseTarget(value: string): TargetSpec {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new Error(`--target "${value}": expected KEY=URL[,URL...], e.g. session=http://lb:8080`);
  const key = value.slice(0, eq).trim();
  if (!KEYS.includes(key)) throw new Error(`--target ${key}: the key must be a strategy or a variant (${KEYS.join(', ')})`);
  const urls = value
    .slice(eq + 1)
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean)
    .map((u) => {
      let url: URL;
      try {
        url = new URL(u);
      } catch {
        throw new Error(`--target ${key}: "${u}" is not a URL`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`--target ${key}: "${u}" must be http:// or https://`);
      if (url.pathname !== '/' || url.search) throw new Error(`--target ${key}: "${u}" must be a base URL (no path): the bench appends /auth/me...`);
      return url.origin;
    });
  if (urls.length === 0) throw new Error(`--target ${key}: no URL`);
  return { key, urls };
}

/** Does the variant a server reports fit the key it was given under? */
export function keyAccepts(key: string, reportedVariant: string): boolean {
  const variant = VARIANTS.find((v) => v.name === reportedVariant);
  if (!variant) return false;
  return key === variant.name || key === variant.strategy;
}
