// The demo page (GET /) and its static files (GET /web/<name>), served by both twins. The API keeps
// `default-src 'none'` (security-headers.ts); only these responses get the page's own policy, which
// is as strict as a page can be: scripts, styles and fetches from this origin only (no inline
// script, no CDN, so the page works offline), and Trusted Types so no string ever becomes HTML.
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { type RouteContext, type RouteDef, route } from './route';

const WEB_DIR = join(__dirname, '..', 'web');

export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  // The page builds its DOM with textContent only: any innerHTML-style sink throws (DOM XSS defence).
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  // nosniff is on every response: module scripts load only with a JavaScript MIME type. The page's
  // modules are .mjs so tools read them as ES modules in this CommonJS package.
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

interface StaticFile {
  body: Buffer;
  type: string;
}

/**
 * Read once at start-up into a map keyed by file name: a request can only ever name one of these
 * files (no path is built from the URL, so there is nothing to traverse).
 */
function loadFiles(): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  for (const name of readdirSync(WEB_DIR)) {
    const type = CONTENT_TYPES[extname(name)];
    if (type) files.set(name, { body: readFileSync(join(WEB_DIR, name)), type });
  }
  return files;
}

export function webRoutes(): RouteDef[] {
  const files = loadFiles();

  const send = (ctx: RouteContext, file: StaticFile | undefined) => {
    if (!file) return; // falls through to the JSON 404 of the error funnel
    ctx.set('Content-Security-Policy', PAGE_CSP);
    ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
    ctx.type = file.type;
    ctx.body = file.body;
  };

  return [
    route({ method: 'GET', path: '/', access: 'public', handler: (ctx) => send(ctx, files.get('index.html')) }),
    route({ method: 'GET', path: '/web/:name', access: 'public', handler: (ctx) => send(ctx, files.get(ctx.params.name)) }),
  ];
}
