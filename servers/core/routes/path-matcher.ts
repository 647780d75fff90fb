// Which route a request path names. Exact matching only (issue 8): case-sensitive, no trailing slash,
// against the raw path as it came on the request line (Koa's ctx.path is neither decoded nor
// normalised). `/ADMIN/...`, `/cart/`, `//cart`, `/%63art` or `/x/../cart` name no route at all.
//
// Why not a router library: every rule a router adds on top of this (case folding, trailing slashes,
// decoding before matching, regular expressions from path-to-regexp) is one we switch off, and what
// remains is a Map lookup. @koa/router did the same job with one RegExp test per route and a
// middleware chain built per request (docs/profiling.md); a static path is now one Map.get and a
// template like /cart/items/:sku one split and a few string comparisons.

/** One segment of a template: a literal, or a `:name` parameter matching one non-empty segment. */
type Segment = { literal: string } | { param: string };

interface Template<T> {
  path: string;
  segments: Segment[];
  value: T;
}

export interface PathMatch<T> {
  /** The template as written in the route table (/cart/items/:sku): the metrics' and the log's label. */
  path: string;
  value: T;
  /** Decoded parameters; a segment that is not valid percent-encoding is passed on as it came. */
  params: Record<string, string>;
}

const NO_PARAMS: Record<string, string> = Object.freeze({}) as Record<string, string>;

function parseTemplate(path: string): Segment[] {
  if (!path.startsWith('/') || (path.length > 1 && path.endsWith('/'))) throw new Error(`route path "${path}" must start with / and not end with one`);
  return path
    .slice(1)
    .split('/')
    .map((s) => (s.startsWith(':') ? { param: s.slice(1) } : { literal: s }));
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // malformed %-escapes: the handler validates the value like any other input
  }
}

export class PathMatcher<T> {
  private readonly exact = new Map<string, { path: string; value: T }>();
  private readonly templates: Template<T>[] = [];

  add(path: string, value: T): void {
    const segments = parseTemplate(path);
    if (this.exact.has(path) || this.templates.some((t) => t.path === path)) throw new Error(`route path defined twice: ${path}`);
    if (segments.every((s) => 'literal' in s)) this.exact.set(path, { path, value });
    else this.templates.push({ path, segments, value });
  }

  match(path: string): PathMatch<T> | null {
    const hit = this.exact.get(path);
    if (hit !== undefined) return { path: hit.path, value: hit.value, params: NO_PARAMS };
    if (this.templates.length === 0 || path[0] !== '/') return null;
    const parts = path.slice(1).split('/');
    for (const t of this.templates) {
      if (t.segments.length !== parts.length) continue;
      let params: Record<string, string> | null = {};
      for (let i = 0; i < parts.length && params !== null; i++) {
        const s = t.segments[i];
        if ('literal' in s) {
          if (s.literal !== parts[i]) params = null;
        } else if (parts[i] === '') {
          params = null;
        } else {
          params[s.param] = decode(parts[i]);
        }
      }
      if (params !== null) return { path: t.path, value: t.value, params };
    }
    return null;
  }
}
