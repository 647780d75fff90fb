import { END, insertHeadline, START } from './readme-headline';

describe('insertHeadline', () => {
  it('replaces what lies between the markers', () => {
    const readme = `# x\n${START}\nold\n${END}\nrest\n`;
    expect(insertHeadline(readme, '| new |')).toBe(`# x\n${START}\n| new |\n${END}\nrest\n`);
  });

  it('names the markers when they are missing', () => {
    expect(() => insertHeadline('# x\n', 't')).toThrow(START);
  });
});
