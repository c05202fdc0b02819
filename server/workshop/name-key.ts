/**
 * Code points that do not show: the joiners some scripts spell with (ZWNJ, ZWJ), variation selectors,
 * the combining grapheme joiner, soft hyphens, Hangul fillers... (Unicode's Default_Ignorable_Code_Point).
 */
export const INVISIBLE = /\p{Default_Ignorable_Code_Point}/gu;

/**
 * The key a typed workshop name is known by: one key for the names a person would take for one.
 * Letter case does not count, nor Unicode's compatibility forms (full-width letters, ligatures),
 * composed or decomposed accents, or the code points that do not show. The display form stays as typed.
 */
export function nameKey(name: string): string {
  // JavaScript has no case folding: upper then lower case folds what lower case alone keeps apart (ß and SS,
  // ς and σ), and a second round what the first makes (ẞ lowers to ß, which uppers to SS).
  return name.normalize('NFKC').replace(INVISIBLE, '').toUpperCase().toLowerCase().toUpperCase().toLowerCase().normalize('NFKC');
}
