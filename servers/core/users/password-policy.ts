// What a new password must not be (NIST SP 800-63B-4 3.1.1.2): shorter than 8 characters (schemas.ts),
// a commonly used password, or the username itself. No composition rules (NIST: SHALL NOT).
//
// The list: common-passwords.txt, the 17,950 entries of 8+ characters of @zxcvbn-ts/language-common
// 4.1.3 (MIT; the top passwords of public breach corpora), lower-cased. It is a file in the repository
// rather than a dependency: 170 KB loaded once, and a review shows exactly what is refused.
// Regenerate: npm i @zxcvbn-ts/language-common, then keep dictionary['passwords-common'] entries with
// length >= 8, lower-cased, de-duplicated, in order.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalUsername } from './username';

let common: Set<string> | null = null;

function commonPasswords(): Set<string> {
  common ??= new Set(
    readFileSync(join(__dirname, 'common-passwords.txt'), 'utf8')
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#')),
  );
  return common;
}

/** Why `password` may not be used by `username`, or null when it may. */
export function passwordProblem(password: string, username: string): string | null {
  const lower = password.toLowerCase();
  if (commonPasswords().has(lower)) return 'is a commonly used password';
  if (canonicalUsername(password) === canonicalUsername(username) || lower === username.toLowerCase()) return 'must not be the username';
  return null;
}
