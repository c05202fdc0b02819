/** Zero-width non-joiner and joiner: part of how some scripts spell a name, invisible in others. */
const JOINERS = /\u200C|\u200D/g;

/**
 * The key a typed workshop name is known by: one key for the names a person would take for one.
 * Letter case does not count, nor Unicode's compatibility forms (full-width letters, ligatures),
 * composed or decomposed accents, or the joiners that do not show. The display form stays as typed.
 */
export function nameKey(name: string): string {
  // JavaScript has no case folding; upper then lower case folds what lower case alone keeps apart (ß and SS, ς and σ).
  return name.normalize('NFKC').replace(JOINERS, '').toUpperCase().toLowerCase().normalize('NFKC');
}
