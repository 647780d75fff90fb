// How a compiled server starts: `node dist/servers/<strategy>/main.js` runs this file (the build
// writes it there, scripts/bundle-servers.ts), which runs the bundle beside it, `main.bundle.js`,
// with V8's code cache of that bundle, `main.bundle.js.v8cache`.
//
// Why: compiling the bundle's functions is a good part of every start. A code cache is V8's own
// compiled form of them, produced once by the build: the build runs this file with
// `--write-code-cache` and no configuration, so the bundle loads every module, stops at its
// configuration (exit 2, "DATABASE_URL is required"), and the cache is written on exit, holding every
// function that ran. Measured with `npx tsx bench/startup.ts --compare <checkout before>` (README
// "Compiled build"). Node 22 has this built in (`module.enableCompileCache()`); Node 20 does not.
//
// Nothing is written at run time: the cache is made by the build (the Docker image's too) and only
// read here, so a read-only root filesystem is fine. V8 checks the cache against the source and its
// own version and flags; one it refuses (another Node, or V8 flags such as --max-old-space-size) only
// costs the compile it would have saved, and says so once on stderr.
import { readFileSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { Script } from 'node:vm';

// The same naming rule as the build's (bundle-servers.ts): <entry>.js runs <entry>.bundle.js.
const bundle = __filename.replace(/\.js$/, '.bundle.js');
const cacheFile = `${bundle}.v8cache`;
const writing = process.argv.includes('--write-code-cache');

function readCache(): Buffer | undefined {
  if (writing) return undefined;
  try {
    return readFileSync(cacheFile);
  } catch {
    return undefined; // a build without one (or a copied dist/ without it): compiled as usual
  }
}

// Node's CommonJS wrapper on a line of its own, and lineOffset -1: every line and column of the
// bundle stays where its source map says (stack-traces.ts maps them).
const wrapped = `(function (exports, require, module, __filename, __dirname) {\n${readFileSync(bundle, 'utf8')}\n})`;
const cachedData = readCache();
const script = new Script(wrapped, { filename: bundle, lineOffset: -1, cachedData });
if (cachedData !== undefined && script.cachedDataRejected) {
  process.stderr.write(`${cacheFile} not used (made by another Node version or with other V8 flags): compiling the bundle\n`);
}
if (writing) process.on('exit', () => writeFileSync(cacheFile, script.createCachedData()));

const bundleModule = new Module(bundle, module);
bundleModule.filename = bundle;
script.runInThisContext()(bundleModule.exports, createRequire(bundle), bundleModule, bundle, __dirname);
