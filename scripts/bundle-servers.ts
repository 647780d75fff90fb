// The server entries of `npm run build`, each bundled into one JavaScript file (esbuild), with a
// V8 code cache of it, and started by a small loader that replaces tsc's output of that entry:
// dist/servers/session/main.js runs main.bundle.js with main.bundle.js.v8cache (bundle-loader.ts
// says why), and the same for dist/servers/jwt/ and the bench's dist/bench/floor/. Why one file: a
// server compiled file by file requires ~450-480 modules at start-up (~50 of them ours); resolving,
// reading and compiling them one by one was ~320-370 ms of the ~620 ms from spawn to the first
// /readyz 200 on the 2-core reference machine.
// README "Compiled build" has the figures after bundling and the command that measures them.
//
// What stays true of the bundle:
// - Stack traces name .ts lines: a linked source map (main.bundle.js.map) beside it, read when a trace is
//   first formatted (servers/core/stack-traces.ts). No sources inside the map: traces need only
//   the mappings.
// - Files read at run time resolve: a module's `__dirname` would be the bundle's folder, not the
//   module's. Each of our modules that says `__dirname` gets it rewritten to its own folder in
//   dist/, where the build copies the assets (migrations, the demo page, common-passwords.txt),
//   relative to the bundle, so dist/ can move (the Docker image copies it to /app/dist).
// - Optional native addons stay out: pg's `require('pg-native')` is only reached through
//   `pg.native`, which we never use; marked external, the bundle builds without it installed.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, statSync } from 'node:fs';
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
 * pg picks its socket at load: on a runtime without `navigator.userAgent` (Node 20) it probes for
 * Cloudflare Workers by constructing a fetch `Response`, which makes Node load its bundled undici
 * (~10 ms of every start-up, for a probe whose answer is known when building for node). The bundle
 * takes pg's own Node branch. The build fails if pg's file no longer reads as expected, rather than
 * ship a bundle that silently probes again (or not at all).
 */
function pgNodeSockets(): Plugin {
  const PROBE = 'const { getStream, getSecureStream } = getStreamFuncs()';
  return {
    name: 'pg-node-sockets',
    setup(b) {
      b.onLoad({ filter: /[\\/]node_modules[\\/]pg[\\/]lib[\\/]stream\.js$/ }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        if (!source.includes(PROBE) || !source.includes('function getNodejsStreamFuncs()')) {
          throw new Error(`${args.path} changed: review the pg-node-sockets plugin (scripts/bundle-servers.ts)`);
        }
        return { contents: source.replace(PROBE, 'const { getStream, getSecureStream } = getNodejsStreamFuncs()'), loader: 'js' };
      });
    },
  };
}

/**
 * Large JSON files of dependencies (mime-db in three versions, iconv-lite's code pages: ~1.1 MB, half
 * the bundle) stay files, required from node_modules at run time, by path, so each package still
 * gets its own version. In the bundle they were read and scanned at every start (~80 ms of CPU on
 * the reference box under load); as files, node reads one with JSON.parse when it is first
 * required, and the code pages never unless a request body comes in such a charset. Small files are
 * bundled as usual.
 */
function largeJsonFromNodeModules(outDir: string): Plugin {
  return {
    name: 'large-json-from-node-modules',
    setup(b) {
      b.onResolve({ filter: /\.json$/ }, (args) => {
        if (!args.importer.includes('/node_modules/')) return undefined;
        const path = require.resolve(args.path, { paths: [args.resolveDir] });
        if (statSync(path).size < 10_000) return undefined;
        const fromBundle = relative(outDir, path);
        return { path: fromBundle.startsWith('.') ? fromBundle : `./${fromBundle}`, external: true };
      });
    },
  };
}

/**
 * Bundles every server entry of `root` into `root/dist`; returns the files written. Each entry is also
 * compiled on its own, unbundled, as `<name>.unbundled.js` beside it: it requires tsc's file-by-file
 * output, so a CPU profile (bench/profile.ts) still names node_modules/pg/... and servers/... per
 * function, which one bundle file cannot. tsc itself skips the entries (tsconfig.build.json):
 * incremental, it would not write `main.js` again over the loader once it had.
 */
export async function bundleServers(root: string): Promise<string[]> {
  // What every output shares: CommonJS for Node 20, a linked map without the sources.
  const common = { platform: 'node', target: 'node20', format: 'cjs', sourcemap: 'linked', sourcesContent: false, logLevel: 'warning' } as const;
  const written: string[] = [];
  for (const entry of SERVER_ENTRIES) {
    const outfile = join(root, 'dist', entry.replace(/\.ts$/, '.js'));
    const bundled = outfile.replace(/\.js$/, '.bundle.js');
    const unbundled = outfile.replace(/\.js$/, '.unbundled.js');
    await build({ ...common, entryPoints: [join(root, entry)], outfile: unbundled });
    await build({
      ...common,
      entryPoints: [join(root, entry)],
      outfile: bundled,
      bundle: true,
      external: EXTERNAL,
      // Whitespace and syntax only: ~30% less to read and compile at every start; identifiers keep
      // their names for anyone reading a stack trace without the map.
      minifyWhitespace: true,
      minifySyntax: true,
      plugins: [moduleDirname(root, dirname(outfile)), largeJsonFromNodeModules(dirname(outfile)), pgNodeSockets()],
    });
    // The entry itself: the loader that runs the bundle with its code cache (bundle-loader.ts).
    await build({ ...common, entryPoints: [join(root, 'servers/core/bundle-loader.ts')], outfile, bundle: true });
    const cache = `${bundled}.v8cache`;
    writeCodeCache(outfile, cache);
    written.push(relative(root, outfile), relative(root, bundled), relative(root, cache), relative(root, unbundled));
  }
  return written;
}

/**
 * The bundle's V8 code cache, made by running the entry with `--write-code-cache` and no
 * configuration: every module loads, the program stops at its configuration, the cache is written
 * on exit (bundle-loader.ts). The build fails if the program did not get that far or wrote no
 * cache, rather than ship a build that silently starts slower.
 */
function writeCodeCache(entry: string, cache: string): void {
  rmSync(cache, { force: true });
  const r = spawnSync(process.execPath, [entry, '--write-code-cache'], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' }, timeout: 60_000 });
  if (r.status === 0 || !/ is required/.test(r.stderr) || !existsSync(cache)) {
    throw new Error(`code cache of ${entry} not written (exit ${r.status}, signal ${r.signal}): ${r.stderr.trim().slice(0, 500)}`);
  }
}
