// Stack traces of the compiled build name TypeScript lines, mapped when a trace is formatted rather
// than when the bundle loads.
//
// `node --enable-source-maps` reads, parses and indexes the bundle's linked map (~0.7 MB) while the
// bundle loads: ~19 ms of every start-up, for traces most processes never print (ISSUE 11:
// `npx tsx bench/startup.ts --node-arg=--enable-source-maps --repetitions 9` on the 2-core reference
// machine: ready in 296 / 297 ms (session / jwt), 315 / 315 with the flag; main thread 261 / 261 ms
// on CPU, 280 / 281 with it). Here nothing is read until a stack is first formatted (an error that
// is logged, or printed by Node when uncaught); then each file's map is read once and decoded with
// @jridgewell/trace-mapping, the source-map decoder Jest and Babel use.
//
// Where Node already maps traces (tsx in dev and tests, or a process started with
// --enable-source-maps) nothing is installed.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';

/** The source position of a generated one, for files with a `<file>.map` beside them. */
function sourceMapper(): (file: string, line: number, column: number) => string | null {
  const maps = new Map<string, TraceMap | null>();
  const mapOf = (file: string): TraceMap | null => {
    let map = maps.get(file);
    if (map === undefined) {
      try {
        map = new TraceMap(readFileSync(`${file}.map`, 'utf8'));
      } catch {
        map = null; // no map (node's own files, dependencies required by path): the frame stays as is
      }
      maps.set(file, map);
    }
    return map;
  };
  return (file, line, column) => {
    const map = mapOf(file);
    if (map === null) return null;
    // V8's columns are 1-based, the decoder's 0-based; lines are 1-based in both.
    const p = originalPositionFor(map, { line, column: column - 1 });
    // The map names sources relative to the file; a trace names absolute paths, like Node's own.
    return p.source === null ? null : `${resolve(dirname(file), p.source)}:${p.line}:${p.column + 1}`;
  };
}

function headerOf(err: unknown): string {
  try {
    return Error.prototype.toString.call(err);
  } catch {
    return '<error>';
  }
}

/** Installs the on-demand mapping, once per process (run-server.ts, first thing). */
export function mapStackTracesOnDemand(): void {
  if ((process as { sourceMapsEnabled?: boolean }).sourceMapsEnabled) return;
  const toSource = sourceMapper();
  Error.prepareStackTrace = (err, frames) => {
    const lines = frames.map((frame) => {
      const text = frame.toString();
      const file = frame.getFileName();
      const line = frame.getLineNumber();
      const column = frame.getColumnNumber();
      if (!file || line === null || column === null) return `    at ${text}`;
      const generated = `${file}:${line}:${column}`;
      const at = text.lastIndexOf(generated);
      const source = at < 0 ? null : toSource(file, line, column);
      return `    at ${source === null ? text : text.slice(0, at) + source + text.slice(at + generated.length)}`;
    });
    return [headerOf(err), ...lines].join('\n');
  };
}
