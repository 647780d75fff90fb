// The one canonical username form, used by register, login, the throttle and every lookup alike.
//
// Decision (issue 8, the Unicode bypass): usernames are ASCII (letters, digits, . _ @ + -), and two
// names are the same account when they are equal after ASCII-only lower-casing. Full Unicode case
// mapping differs between JavaScript (toLowerCase: U+0130 'İ' -> 'i' + U+0307) and Postgres
// (lower() follows the locale: glibc maps 'İ' -> 'i'), which let a locked account log in under a
// second spelling. ASCII lower-casing is the same function everywhere: this one, and translate() in
// the users.username_key column (migrations/040_security.sql).
// Login accepts any string (so the shape of a guess reveals nothing); a non-ASCII name keeps its
// non-ASCII characters here, so it can never equal a stored (ASCII) name.

/** What registration (and ADMIN_USERNAME) accepts. */
export const USERNAME_PATTERN = /^[A-Za-z0-9._@+-]{3,64}$/;
export const USERNAME_RULE = '3 to 64 characters: ASCII letters, digits and . _ @ + -';

/** A-Z -> a-z and nothing else (the SQL side: translate(username, 'A..Z', 'a..z')). */
export function canonicalUsername(name: string): string {
  return name.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}
