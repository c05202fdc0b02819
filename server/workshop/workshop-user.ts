import type { Principal } from '../security/request-guard.ts';
import type { Role } from './workshop-db.ts';

/** The one user of a local single-user server (the token, in a browser or a script). */
export const LOCAL_USER = 'local';

/**
 * The workshop's name and role of a caller: a password login's name and password, a proxy-named
 * user (an instructor when TRUSTED_PROXY_INSTRUCTORS lists them), or the local single user, who is
 * an attendee (the room needs a login).
 */
export function workshopUser(p: Principal, proxyInstructors: readonly string[]): { user: string; role: Role } {
  if (p.kind === 'user') return { user: p.name, role: proxyInstructors.includes(p.name) ? 'instructor' : 'attendee' };
  if (p.kind === 'browser' && p.login) return { user: p.login.name, role: p.login.role };
  return { user: LOCAL_USER, role: 'attendee' };
}
