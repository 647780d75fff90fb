// Every named statement's SQL text is built once, not per query (ISSUE 11). pg compares a named
// statement's text with the one it prepared on every execution: a pointer check for the same string,
// a flatten and a character-by-character compare for a template built per call (~7 µs of a session
// `me` request when sess_find was built inside find()). A text given inline in a query must therefore
// be a plain literal; anything with `${...}` is a module (or store) constant. Static: the check reads
// the sources, so a new statement is held to it the day it is written.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../../scripts/instances';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('named statements', () => {
  it('no query is given a template with substitutions as its text (servers/**/*.ts)', () => {
    const offenders = sources(join(REPO_ROOT, 'servers')).flatMap((file) => {
      const code = readFileSync(file, 'utf8');
      // `text:` followed by a template literal, up to its closing backtick.
      return [...code.matchAll(/\btext:\s*`([^`]*)`/g)]
        .filter((m) => m[1].includes('${'))
        .map((m) => `${relative(REPO_ROOT, file)}:${code.slice(0, m.index).split('\n').length}`);
    });
    expect(offenders).toEqual([]);
  });

  it('the check sees inline texts at all (it would fail on one built per call)', () => {
    const sample = ['db.query({ name: "x", text: `SELECT $', '{COLUMNS} FROM t`, values: [] })'].join('');
    expect([...sample.matchAll(/\btext:\s*`([^`]*)`/g)].filter((m) => m[1].includes('${'))).toHaveLength(1);
  });
});
