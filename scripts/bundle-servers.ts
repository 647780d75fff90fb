// The server entries of `npm run build`, each bundled into one JavaScript file (esbuild) that
// replaces tsc's output of that entry: dist/servers/session/main.js, dist/servers/jwt/main.js and
// the bench's dist/bench/floor/main.js. Why: a server compiled file by file requires ~600 files at
// start-up (its own ~90 and node_modules'); resolving, reading and compiling them one by one was
// ~320-370 ms of the ~620 ms from spawn to the first /readyz 200 on the 2-core reference machine.
// One file takes ~100 ms (README "Compiled build" has the figures and the command to rerun them).
//
// What stays true of the bundle:
// - Stack traces name .ts lines: a linked source map (main.js.map) beside it, read by
//   `node --enable-source-maps`. No sources inside the map: traces need only the mappings.
// - Files read at run time resolve: a module's `__dirname` would be the bundle's folder, not the
//   module's. Each of our modules that says `__dirname` gets it rewritten to its own folder in
//   dist/, where the build copies the assets (migrations, the demo page, common-passwords.txt),
//   relative to the bundle, so dist/ can move (the Docker image copies it to /app/dist).
// - Optional native addons stay out: pg's `require('pg-native')` is only reached through
//   `pg.native`, which we never use; marked external, the bundle builds without it installed.
import { readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { build, type Plugin } from 'esbuild';

/** The programs started as server processes: by `npm run start:*`, the Docker image, the demo and the bench. */
export const SERVER_ENTRIES = ['servers/session/main.ts', 'servers/jwt/main.ts', 'bench/floor/main.ts'];

/** Never bundled: optional addons of dependencies, loaded (and failing) only when asked for. */
const EXTERNAL = ['pg-native'];

/** Rewrites `__dirname` in our own modules (not node_modules') to that module's folder in dist/. */
function moduleDirname(root: string, outDir: string): Plugin {
  return {
    name: 'module-dirname',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        if (args.path.includes('/node_modules/') || !/\b__dirname\b/.test(source)) return { contents: source, loader: 'ts' };
        const fromBundle = relative(outDir, join(root, 'dist', relative(root, dirname(args.path))));
        // A `const` at the top: esbuild hoists every module into one scope and renames collisions,
        // so the name is only a marker; the bundle's own `__dirname` is node's, the bundle's folder.
        const header = `import { join as __joinModuleDir } from 'node:path';\nconst __moduleDirname = __joinModuleDir(__dirname, ${JSON.stringify(fromBundle)});\n`;
        return { contents: header + source.replace(/\b__dirname\b/g, '__moduleDirname'), loader: 'ts' };
      });
    },
  };
}

/**
 * Large JSON files of dependencies (mime-db's three copies, iconv-lite's code pages: ~1 MB) become
 * `JSON.parse('...')`: V8 scans a string literal far faster than it parses the same data as an
 * object literal (v8.dev/blog/cost-of-javascript-2019, "JSON.parse for large data"), and parses it
 * only when the module is first required. Small files keep esbuild's default.
 */
function jsonAsString(): Plugin {
  return {
    name: 'json-as-string',
    setup(b) {
      b.onLoad({ filter: /\.json$/ }, async (args) => {
        const text = await readFile(args.path, 'utf8');
        if (text.length < 10_000) return undefined;
        return { contents: `module.exports = JSON.parse(${JSON.stringify(JSON.stringify(JSON.parse(text)))});`, loader: 'js' };
      });
    },
  };
}

/** Bundles every server entry of `root` into `root/dist`; returns the files written. */
export async function bundleServers(root: string): Promise<string[]> {
  const written: string[] = [];
  for (const entry of SERVER_ENTRIES) {
    const outfile = join(root, 'dist', entry.replace(/\.ts$/, '.js'));
    await build({
      entryPoints: [join(root, entry)],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      sourcemap: 'linked',
      sourcesContent: false,
      external: EXTERNAL,
      // Whitespace and syntax only: ~30% less to read and compile at every start; identifiers keep
      // their names for anyone reading a stack trace without the map.
      minifyWhitespace: true,
      minifySyntax: true,
      logLevel: 'warning',
      plugins: [moduleDirname(root, dirname(outfile)), jsonAsString()],
    });
    written.push(relative(root, outfile));
  }
  return written;
}
