import { describe, expect, it } from 'vitest';
import { hashPassword } from '../../server/security/password.ts';
import { loginIdentity, nameProblem, normalName } from '../../server/workshop/login-identity.ts';
import { nameKey } from '../../server/workshop/name-key.ts';

describe('a name typed at the login', () => {
  // Names whose scripts spell with marks (vowel signs, viramas, tone marks, accents typed apart).
  it.each([
    ['Devanagari', 'प्रिया शर्मा'],
    ['Tamil', 'தமிழ்செல்வி'],
    ['Thai', 'สมศักดิ์'],
    ['Bengali', 'অর্পিতা'],
    ['Vietnamese, decomposed', 'Nguye\u0302\u0303n Va\u0306n An'],
    ['an accent typed as its own character', 'Jose\u0301'],
    ['Persian with a zero-width non-joiner', 'می\u200Cخواهم'],
    ['Hangul jamo', '\u1112\u1161\u11AB'],
    ['Latin, Greek, Han', 'Zoë Δήμητρα 李小龙'],
  ])('is taken in %s', (_script, name) => {
    expect(nameProblem(name, true)).toBeUndefined();
  });

  it.each([
    ['a mark first', '\u0301abc'],
    ['a joiner first', '\u200Dada'],
    ['markup', '<script>'],
    ['a semicolon', 'semi;colon'],
    ['an emoji', 'ada 🙂'],
    ['41 letters', 'a'.repeat(41)],
    ['41 Devanagari letters', 'क'.repeat(41)],
  ])('is refused with %s', (_what, name) => {
    expect(nameProblem(name, true)).toMatch(/A name may have letters \(any script\)/);
  });

  it.each([
    ['a variation selector', 'Teacher\uFE0F'],
    ['a combining grapheme joiner', 'Teacher\u034F'],
    ['a Mongolian variation selector', 'Te\u180Bacher'],
    ['a Hangul filler (a letter)', 'Teacher\u3164'],
    ['a half-width Hangul filler', '\uFFA0Teacher'],
    ['only a Hangul filler', '\u3164'],
  ])('is refused with %s, which does not show', (_what, name) => {
    expect(nameProblem(name, true)).toMatch(/does not show \(U\+[0-9A-F]{4}\)/);
    expect(nameProblem(name, false)).toMatch(/does not show/);
  });

  it('is refused when nothing of it shows', () => {
    for (const name of ['\u200C', '\u200D\u200C', ' \u200D ']) {
      expect(nameProblem(name, false), JSON.stringify(name)).toMatch(/letters or digits that show|A name may have letters/);
    }
  });

  it('keeps the joiners scripts spell with, between letters', () => {
    expect(nameProblem('می\u200Cخواهم', true)).toBeUndefined();
    expect(nameProblem('क्\u200Dष', true)).toBeUndefined();
    expect(nameProblem('Teacher', true)).toBeUndefined();
  });

  it('counts its 40 characters after composing accents typed apart', () => {
    expect(nameProblem('e\u0301'.repeat(40), true), '40 é, each typed as two characters').toBeUndefined();
  });

  it('is kept in NFC with its spaces collapsed: an accent typed apart gives the same name', () => {
    expect(normalName('  Jose\u0301 \t García ')).toBe('José García');
    expect(normalName('Jose\u0301')).toBe(normalName('Jos\u00e9'));
    expect(normalName(['ada'])).toBe('');
  });

  it('is the login identity in NFC', async () => {
    const hash = hashPassword('pw');
    expect(await loginIdentity({ password: 'pw', name: ' Rene\u0301e ' }, { notes: hash }, 'b'.repeat(32))).toEqual({
      name: 'Ren\u00e9e',
      role: 'attendee',
    });
  });
});

describe('the key a name is known by', () => {
  it.each([
    ['letter case', 'Teacher', 'tEACHER'],
    ['full-width letters', 'ｔｅａｃｈｅｒ', 'teacher'],
    ['ß and SS', 'Straße', 'STRASSE'],
    ['Greek final sigma', 'ΟΔΟΣ', 'οδοσ'],
    ['composed and decomposed accents', 'José', 'JOSE\u0301'],
    ['a joiner that does not show', 'a\u200Cda', 'ADA'],
    ['case in another script', 'Дмитрий', 'ДМИТРИЙ'],
    ['capital and small sharp s', 'ẞ', 'ß'],
    ['capital sharp s and SS', 'STRAẞE', 'strasse'],
    ['a variation selector', 'Teacher\uFE0F', 'Teacher'],
    ['a combining grapheme joiner', 'Tea\u034Fcher', 'Teacher'],
    ['a Mongolian variation selector', 'Te\u180Bacher', 'Teacher'],
    ['a soft hyphen', 'Tea\u00ADcher', 'Teacher'],
  ])('is one for names that differ by %s', (_what, a, b) => {
    expect(nameKey(a)).toBe(nameKey(b));
  });

  it.each([
    ['ada', 'adam'],
    ['José', 'Jose'],
    ['प्रिया', 'प्रया'],
  ])('keeps %s and %s apart', (a, b) => {
    expect(nameKey(a)).not.toBe(nameKey(b));
  });
});

describe('a name that does not show as typed', () => {
  it('is refused at the login, and has no key of its own', async () => {
    const hash = hashPassword('pw');
    for (const name of ['Teacher\uFE0F', 'Teach\u034Fer', 'Teacher\u180B']) {
      expect(await loginIdentity({ password: 'pw', name }, { notes: hash, instructor: hash }, 'b'.repeat(32)), name).toEqual({
        refused: expect.stringMatching(/does not show/),
      });
      expect(nameKey(name), name).toBe(nameKey('Teacher'));
    }
  });
});
