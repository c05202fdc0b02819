// Which test layers `npm test` / `npm run docs:test -- ...` runs, and which pages the docs layer takes.

export const LAYERS = ['unit', 'integration', 'security', 'docs', 'e2e', 'selfhost'];
// Run only when named (`npm run test:cluster`): it starts a three-node Swarm of nested engines.
export const NAMED_ONLY = ['cluster'];
const KNOWN = [...LAYERS, ...NAMED_ONLY];

/**
 * Reads the arguments of scripts/run-tests.mjs. Layer names come first; once `docs` is named,
 * every further argument is a page or folder under docs/, even one named like a layer
 * (`npm run docs:test -- security` runs the pages of docs/security/). Pages go with the docs
 * layer alone.
 * @param {string[]} args
 * @returns {{ layers: string[], pages: string[] } | { error: string }}
 */
export function testArgs(args) {
  const docsAt = args.indexOf('docs');
  const named = docsAt < 0 ? args : args.slice(0, docsAt + 1);
  const pages = docsAt < 0 ? [] : args.slice(docsAt + 1);
  const unknown = named.filter((a) => !KNOWN.includes(a));
  if (unknown.length) {
    return {
      error: `Not a test layer: ${unknown.join(', ')}. The layers are ${KNOWN.join(', ')}; pages go after the docs layer: npm run docs:test -- docs/<page>.mdx`,
    };
  }
  if (pages.length && named.length > 1) {
    return { error: `Pages (${pages.join(', ')}) only go with the docs layer alone: npm run docs:test -- docs/<page>.mdx` };
  }
  return { layers: named.length ? named : LAYERS, pages };
}
