import { countCodeLines } from './complexity';

describe('countCodeLines', () => {
  it('skips blank lines and comments of every kind', () => {
    const text = [
      '// a comment',
      '',
      'const a = 1; // trailing',
      '/* block',
      ' * more',
      ' */',
      '/** one line */',
      'const b = 2;',
      '  /* x */ const c = 3;',
    ].join('\n');
    expect(countCodeLines(text)).toBe(3);
  });

  it('skips SQL comments when asked', () => {
    expect(countCodeLines('-- table\nCREATE TABLE t (id int);\n', true)).toBe(1);
  });
});
