import { keyAccepts, parseTarget, takeTargets } from './remote-targets';

describe('--target KEY=URL[,URL...]', () => {
  it('takes every --target out of argv (both spellings) and leaves the rest to the usual parser', () => {
    const { targets, rest } = takeTargets([
      '--profile',
      'smoke',
      '--target',
      'session=http://session:3001',
      '--target=jwt=http://a:1,http://b:2/',
      '--only',
      'me',
    ]);
    expect(rest).toEqual(['--profile', 'smoke', '--only', 'me']);
    expect(targets).toEqual([
      { key: 'session', urls: ['http://session:3001'] },
      { key: 'jwt', urls: ['http://a:1', 'http://b:2'] },
    ]);
  });

  it('refuses what would measure the wrong thing or nothing', () => {
    expect(() => takeTargets(['--target'])).toThrow('needs KEY=URL');
    expect(() => parseTarget('http://x:1')).toThrow('expected KEY=URL');
    expect(() => parseTarget('sessions=http://x:1')).toThrow('strategy or a variant');
    expect(() => parseTarget('jwt=')).toThrow('no URL');
    expect(() => parseTarget('jwt=x:1')).toThrow('http:// or https://');
    expect(() => parseTarget('jwt=ftp://x')).toThrow('http:// or https://');
    expect(() => parseTarget('jwt=http://x:1/api')).toThrow('base URL');
    expect(() => takeTargets(['--target', 'jwt=http://a:1', '--target', 'jwt=http://b:1'])).toThrow('given twice');
  });

  it('a strategy key accepts its variants; a variant key only itself', () => {
    expect(keyAccepts('session', 'session-cached')).toBe(true);
    expect(keyAccepts('jwt', 'jwt-push')).toBe(true);
    expect(keyAccepts('jwt', 'session')).toBe(false);
    expect(keyAccepts('jwt-push', 'jwt-push')).toBe(true);
    expect(keyAccepts('jwt-push', 'jwt')).toBe(false);
    expect(keyAccepts('jwt', 'not-a-variant')).toBe(false);
  });
});
