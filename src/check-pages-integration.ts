import type { AstroIntegration } from 'astro';
import { fileURLToPath } from 'node:url';
import { misnamedMessage, misnamedPaths } from './page-names.ts';
import { undefinedExpressions, undefinedExpressionsMessage } from './prose-expressions.ts';

/** What is wrong with the pages under docs/ before any is rendered, as one message ('' when nothing is). */
function pageProblems(root: string): string {
  const misnamed = misnamedPaths(root);
  const expressions = undefinedExpressions(root);
  return [misnamed.length ? misnamedMessage(misnamed) : '', expressions.length ? undefinedExpressionsMessage(expressions) : '']
    .filter(Boolean)
    .join('\n');
}

/**
 * Fails `astro build` on mistakes a page's render would otherwise blame on another route or let
 * pass: a page file or folder not named as its URL, and `{name}` in the text that MDX would
 * evaluate. The dev server only warns.
 */
export function checkPages(): AstroIntegration {
  let root = process.cwd();
  return {
    name: 'check-pages',
    hooks: {
      'astro:config:done': ({ config }) => {
        root = fileURLToPath(config.root);
      },
      'astro:build:start': () => {
        const problems = pageProblems(root);
        if (problems) throw new Error(problems);
      },
      'astro:server:start': ({ logger }) => {
        const problems = pageProblems(root);
        if (problems) logger.warn(problems);
      },
    },
  };
}
