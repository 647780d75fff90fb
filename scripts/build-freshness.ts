// Is dist/ (npm run build) up to date with the sources? Decided by modification times: the build
// writes dist/.build-stamp last, and any source, asset or build setting newer than it makes dist
// stale. A walk over ~150 files takes ~2 ms, cheap enough to ask before every bench or demo.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** What the build reads: the compiled folders (with their assets) and the settings that shape the output. */
export const BUILD_INPUTS = ['servers', 'scripts', 'deploy', 'bench/floor', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];
export const STAMP = join('dist', '.build-stamp');

function newestMtimeMs(path: string): number {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch {
    return 0; // an input that does not exist cannot make dist stale
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs; // a deleted or renamed file changes its folder's mtime
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtimeMs(join(path, name)));
  return newest;
}

/** True when `<root>/dist` exists and was built after the last change to any build input. */
export function distIsFresh(root: string): boolean {
  let built: number;
  try {
    built = statSync(join(root, STAMP)).mtimeMs;
  } catch {
    return false;
  }
  return BUILD_INPUTS.every((input) => newestMtimeMs(join(root, input)) <= built);
}
