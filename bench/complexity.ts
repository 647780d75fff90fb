// "Complexity" claims, counted by fixed rules from the source tree (recorded with the results, so
// the report needs nothing but the raw JSON): lines of auth code per strategy and its moving parts.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Strategy } from './variants';

const ROOT = join(__dirname, '..');
const SEAM = 'servers/core/auth.ts';
const MIGRATIONS = 'servers/core/db/migrations';

export interface FileLines {
  path: string;
  lines: number;
}

export interface StrategyComplexity {
  strategy: Strategy;
  /** Non-blank, non-comment lines of servers/<strategy>/** (bench-only files excluded). */
  codeLines: number;
  files: FileLines[];
  /** Files that exist only for a bench variant (their header says so): counted apart. */
  benchOnly: FileLines[];
  /** SQL lines (non-blank, non-comment) of the strategy's own migrations. */
  schemaLines: number;
  tables: string[];
  /** Timers the strategy runs (setInterval in its code): pruning jobs. */
  backgroundJobs: FileLines[];
  /** LISTEN connections (dedicated connections held for notifications). */
  listenConnections: number;
}

export interface Complexity {
  rule: string;
  seam: FileLines;
  strategies: StrategyComplexity[];
}

/** Non-blank lines that are not only a comment (// ..., /* ... *\/ blocks, -- for SQL). */
export function countCodeLines(text: string, sql = false): number {
  let inBlock = false;
  let n = 0;
  for (const raw of text.split('\n')) {
    let line = raw.trim();
    if (inBlock) {
      const end = line.indexOf('*/');
      if (end < 0) continue;
      inBlock = false;
      line = line.slice(end + 2).trim();
    }
    while (line.startsWith('/*')) {
      const end = line.indexOf('*/', 2);
      if (end < 0) {
        inBlock = true;
        line = '';
        break;
      }
      line = line.slice(end + 2).trim();
    }
    if (line === '' || line.startsWith('//') || (sql && line.startsWith('--'))) continue;
    n++;
  }
  return n;
}

/**
 * A file whose header comment says it exists for the bench only (session-memory's store) is not
 * part of what a user of the strategy would write: it is listed, not counted.
 */
function isBenchOnly(text: string): boolean {
  const header = text
    .split('\n')
    .filter((l, i) => i < 12 && /^\s*(\/\/|\*|\/\*)/.test(l))
    .join(' ');
  return /for the bench only|exists for the bench/i.test(header);
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

function rel(p: string): string {
  return relative(ROOT, p).split('\\').join('/');
}

export function measureComplexity(strategies: Strategy[]): Complexity {
  const seamText = readFileSync(join(ROOT, SEAM), 'utf8');
  const migrationFiles = readdirSync(join(ROOT, MIGRATIONS)).filter((f) => f.endsWith('.sql'));
  return {
    rule: "non-blank lines that are not only a comment, of servers/<strategy>/**/*.ts (tests and files whose header says they exist for the bench only excluded); tables created by the strategy's own migration files (named after it); background jobs = setInterval timers in its code; LISTEN connections = LISTEN statements in its code",
    seam: { path: SEAM, lines: countCodeLines(seamText) },
    strategies: strategies.map((strategy) => {
      const files = walk(join(ROOT, 'servers', strategy))
        .filter((p) => p.endsWith('.ts') && !/\.test\.ts$/.test(p))
        .sort();
      const all = files.map((p) => ({ path: rel(p), text: readFileSync(p, 'utf8') }));
      const texts = all.filter((t) => !isBenchOnly(t.text));
      const benchOnly = all.filter((t) => isBenchOnly(t.text));
      const own = migrationFiles.filter((f) => f.toLowerCase().includes(strategy === 'session' ? 'session' : 'jwt'));
      const sql = own.map((f) => readFileSync(join(ROOT, MIGRATIONS, f), 'utf8'));
      return {
        strategy,
        codeLines: texts.reduce((sum, t) => sum + countCodeLines(t.text), 0),
        files: texts.map((t) => ({ path: t.path, lines: countCodeLines(t.text) })),
        benchOnly: benchOnly.map((t) => ({ path: t.path, lines: countCodeLines(t.text) })),
        schemaLines: sql.reduce((sum, s) => sum + countCodeLines(s, true), 0),
        tables: sql.flatMap((s) => [...s.matchAll(/CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([a-z_][a-z0-9_]*)/gi)].map((m) => m[1])),
        backgroundJobs: texts.map((t) => ({ path: t.path, lines: (t.text.match(/\bsetInterval\s*\(/g) ?? []).length })).filter((j) => j.lines > 0),
        listenConnections: texts.reduce((sum, t) => sum + (t.text.match(/['"`]LISTEN\s/g) ?? []).length, 0),
      };
    }),
  };
}
