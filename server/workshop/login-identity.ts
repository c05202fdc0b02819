import { verifyPassword } from '../security/password.ts';
import type { LoginIdentity } from '../security/request-guard.ts';

/** A name a person types at the login: letters (any script), digits, spaces and . _ @ + -, up to 40. */
const NAME = /^[\p{L}\p{N} ._@+-]{1,40}$/u;

/** What is wrong with a typed name, if anything (checked before the password, and not counted as a failed login). */
export function nameProblem(name: unknown, required: boolean): string | undefined {
  const typed = typeof name === 'string' ? name.trim() : '';
  if (typed && !NAME.test(typed.replace(/\s+/g, ' '))) return 'A name may have letters, digits, spaces and . _ @ + -, up to 40 characters.';
  if (!typed && required) return 'Type your name, so the instructor can tell who is who.';
  return undefined;
}

/** The login form's "Your name" field, as the page shows it (required when instructors sign in too). */
export function nameField(required: boolean): string {
  return `<label>Your name${required ? '' : ' (optional)'} <input type="text" name="name" autocomplete="name" maxlength="40"${required ? ' required' : ''}></label>`;
}

/**
 * Who a password login is: the instructor password gives the instructor role, the notes password an
 * attendee. The name tells attendees apart in the room: required when INSTRUCTOR_PASSWORD_HASH is set,
 * else a made-up `guest-…` one. Returns a reason instead when the password or the name is not right.
 */
export async function loginIdentity(
  form: { password: string; name: unknown },
  hashes: { notes: string; instructor?: string | undefined },
  browserId: string,
): Promise<LoginIdentity | { refused: string }> {
  const problem = nameProblem(form.name, hashes.instructor !== undefined);
  if (problem) return { refused: problem };
  const typed = typeof form.name === 'string' ? form.name.trim().replace(/\s+/g, ' ') : '';
  const name = typed || `guest-${browserId.slice(0, 6)}`;
  if (hashes.instructor && (await verifyPassword(form.password, hashes.instructor))) return { name, role: 'instructor' };
  if (await verifyPassword(form.password, hashes.notes)) return { name, role: 'attendee' };
  return { refused: 'That password is not right.' };
}
