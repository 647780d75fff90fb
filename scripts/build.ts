// `npm run build`: servers, floor servers and the demo scripts compiled to JavaScript in dist/ (tsc
// with tsconfig.build.json, source maps beside every file), plus the files they read at run time
// (SQL migrations, the demo page, nginx templates) copied to the same relative places, so every
// `join(__dirname, ...)` resolves in dist/ as it does in the source tree. Production (npm run
// start:*, the Docker image, the demo, the bench's server processes) then runs plain `node`: no
// TypeScript loader, ~0.3 s less start-up per process than tsx (README "Compiled build").
//
//   tsx scripts/build.ts              always build
//   tsx scripts/build.ts --if-stale   build only when dist/ is missing or older than a source
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { BUILD_INPUTS, distIsFresh, STAMP } from './build-freshness';
import { bundleServers } from './bundle-servers';

const ROOT = join(__dirname, '..');
const DIST = join(ROOT, 'dist');

/** Every file tsc does not emit (not .ts) under the compiled folders: migrations, web assets, templates. */
function copyAssets(dir: string): number {
  let copied = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      copied += copyAssets(path);
    } else if (!name.endsWith('.ts')) {
      const target = join(DIST, relative(ROOT, path));
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(path, target);
      copied++;
    }
  }
  return copied;
}

async function main(): Promise<void> {
  if (process.argv.includes('--if-stale') && distIsFresh(ROOT)) return;
  const started = Date.now();
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (tsc.status !== 0) {
    process.stderr.write('build failed: tsc reported errors (above)\n');
    process.exit(1);
  }
  let assets = 0;
  for (const input of BUILD_INPUTS) {
    const path = join(ROOT, input);
    if (input.includes('.') || !statSync(path, { throwIfNoEntry: false })) continue; // settings files, not folders
    assets += copyAssets(path);
  }
  const bundles = await bundleServers(ROOT);
  writeFileSync(join(ROOT, STAMP), `${new Date().toISOString()}\n`);
  process.stdout.write(`built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s (${assets} assets copied; bundled: ${bundles.join(', ')})\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`build failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
