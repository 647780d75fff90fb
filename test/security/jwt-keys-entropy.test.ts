// Issue 8 (low): an all-zero or passphrase JWT_KEYS value started the jwt server, and so did keys in
// non-canonical base64url ('=' padding, the '+' of plain base64), which Node decodes without a word.
// Expected: start-up refuses them (exit non-zero before listening, a message naming JWT_KEYS), and
// for a weak key prints the command that makes a good one (crypto.randomBytes(32)).
import { randomBytes } from 'node:crypto';
import { startInstance } from '../../scripts/instances';
import { newDatabase } from '../support/harness';

/** 'listening' (the server started: stopped again at once), or the start-up error with its logs. */
async function startOutcome(keys: string): Promise<string> {
  return startInstance({ strategy: 'jwt', databaseUrl: await newDatabase(), env: { JWT_KEYS: keys, SCRYPT_LOG_N: '10' } }).then(
    async (instance) => {
      await instance.stop();
      return 'listening';
    },
    (err: Error) => err.message,
  );
}

describe('JWT_KEYS: low-entropy and non-canonical keys are refused at start-up', () => {
  const good = randomBytes(32).toString('base64url');
  const cases = [
    { label: 'all-zero (43 x "A")', keys: `k1:${'A'.repeat(43)}`, command: true },
    { label: 'a passphrase (31 bytes decoded)', keys: 'k1:correct-horse-battery-staple-correct-horse', command: true },
    // Long enough to decode to 42 bytes, so only an entropy check can refuse it.
    { label: 'a passphrase (42 bytes decoded)', keys: 'k1:correct-horse-battery-staple-correct-horse-battery-staple', command: true },
    { label: "'=' padding", keys: `k1:${good}=`, command: false },
    { label: "'+' (base64, not base64url)", keys: `k1:${good.slice(0, 5)}+${good.slice(6)}`, command: false },
  ];
  it.each(cases)('$label: exits non-zero before listening, naming JWT_KEYS', async ({ keys, command }) => {
    const outcome = await startOutcome(keys);
    expect(outcome).toMatch(/exited with [1-9][0-9]* before listening[\s\S]*JWT_KEYS/);
    if (command) expect(outcome).toMatch(/randomBytes\(32\)/);
  });
});

it('a good random key still starts (the checks refuse only what they should)', async () => {
  expect(await startOutcome(`k1:${randomBytes(32).toString('base64url')}`)).toBe('listening');
});
