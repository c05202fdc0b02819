import { verifyPassword } from '../security/password.ts';
import type { LoginIdentity } from '../security/request-guard.ts';
import { INVISIBLE } from './name-key.ts';

/**
 * A name a person types at the login: letters of any script with their marks (vowel signs, accents),
 * the joiners some scripts spell with, digits, spaces and . _ @ + -, up to 40; not starting with a mark.
 */
const NAME = /^(?!\p{M}|\u200C|\u200D)(?:[\p{L}\p{M}\p{N} ._@+-]|\u200C|\u200D){1,40}$/u;

/** A typed name as the workshop shows it: NFC (an accent typed as its own character is the same name), spaces collapsed. */
export function normalName(name: unknown): string {
  return typeof name === 'string' ? name.normalize('NFC').trim().replace(/\s+/g, ' ') : '';
}

/** A code point that does not show, other than the joiners scripts spell with. */
const HIDDEN = /(?![\u200C\u200D])\p{Default_Ignorable_Code_Point}/u;

/** What is wrong with a typed name, if anything (checked before the password, and not counted as a failed login). */
export function nameProblem(name: unknown, required: boolean): string | undefined {
  const typed = normalName(name);
  // "Teacher" with a variation selector would show as "Teacher": an instructor's name taken by an attendee.
  const hidden = HIDDEN.exec(typed)?.[0]?.codePointAt(0);
  if (hidden !== undefined)
    return `A name may not hold a character that does not show (U+${hidden.toString(16).toUpperCase().padStart(4, '0')}): type the name again without it.`;
  if (typed && !typed.replace(INVISIBLE, '').trim()) return 'A name must have letters or digits that show: type your name again.';
  if (typed && !NAME.test(typed)) return 'A name may have letters (any script), digits, spaces and . _ @ + -, up to 40 characters.';
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
  const name = normalName(form.name) || `guest-${browserId.slice(0, 6)}`;
  if (hashes.instructor && (await verifyPassword(form.password, hashes.instructor))) return { name, role: 'instructor' };
  if (await verifyPassword(form.password, hashes.notes)) return { name, role: 'attendee' };
  return { refused: 'That password is not right.' };
}
