// The bootstrap admin from ADMIN_USERNAME / ADMIN_PASSWORD, made safe against takeover (issue 8):
// - the name is free: the admin is created with that password;
// - the name belongs to a NON-admin: start-up refuses. Promoting it would hand the admin role to
//   whoever registered that name first, with their own password (a squatter's takeover);
// - the name is the admin: ADMIN_PASSWORD is what logs in. If the stored hash does not match it, the
//   password is rotated to it (compare-and-set) and, as with any password change, every credential
//   issued before is revoked: rotating a leaked admin password through the environment must cut the
//   sessions made with the old one. Instances starting together converge: the one whose update lands
//   first wins, the others then verify the new hash.
import type { Logger } from '../log';
import { hashPassword, verifyPassword } from './password';
import type { UserStore } from './user-store';

export class AdminBootstrapError extends Error {}

export async function ensureBootstrapAdmin(users: UserStore, opts: { username: string; password: string; scryptLogN: number; log: Logger }): Promise<void> {
  const { username, password, scryptLogN, log } = opts;
  for (let attempt = 0; attempt < 3; attempt++) {
    const existing = await users.findByUsername(username);
    if (existing === null) {
      if (await users.create(username, await hashPassword(password, scryptLogN), 'admin')) {
        log.info('bootstrap admin created', { username });
        return;
      }
      continue; // another instance created it in between: check what it is
    }
    if (existing.role !== 'admin') {
      throw new AdminBootstrapError(
        `ADMIN_USERNAME "${username}" belongs to an existing non-admin user (id ${existing.id}); refusing to promote it. ` +
          'Choose another ADMIN_USERNAME, or grant the role deliberately in SQL if that user really is yours.',
      );
    }
    if (existing.disabled) log.warn('bootstrap admin is disabled: left as is', { username });
    if (await verifyPassword(password, existing.passwordHash)) return;
    if (await users.setPassword(existing.id, await hashPassword(password, scryptLogN), existing.passwordHash)) {
      log.warn('bootstrap admin password rotated from ADMIN_PASSWORD: earlier credentials revoked', { username });
      return;
    }
  }
  throw new AdminBootstrapError(`ADMIN_USERNAME "${username}": could not settle the bootstrap admin (changed concurrently three times)`);
}
