import fs from 'node:fs';
import { h, type Element } from '@expressive-code/core/hast';
import { AuthoringError, blockLocation } from './block-location.ts';
import { duplicateCheckKey, pageChecks, type PageCheck } from './page-checks.ts';

interface CodeBlockLike {
  language: string;
  meta: string;
  code: string;
  parentDocument?: { sourceFilePath?: string | undefined } | undefined;
}

/**
 * The check a rendered check fence is, found in its page's source by the fence's line (the key
 * `check-<n>` counts the page's checks, which one block alone cannot know). A key used twice on
 * the page fails the build at the second one.
 */
export function checkOfBlock(codeBlock: CodeBlockLike): PageCheck {
  const location = blockLocation(codeBlock);
  const source = codeBlock.parentDocument?.sourceFilePath;
  const checks = source && fs.existsSync(source) ? pageChecks(fs.readFileSync(source, 'utf8')) : [];
  const twice = duplicateCheckKey(checks);
  if (twice) {
    throw new AuthoringError(
      { file: location.file, line: twice.line },
      `check id "${twice.key}" is used twice on this page`,
      'Give each check of a page its own id="...", or leave id out (the checks are then numbered).',
    );
  }
  const check = checks.find((c) => c.line === location.line);
  if (!check)
    throw new AuthoringError(
      location,
      'this check fence was not found in the page source',
      'Write a check as a plain ```shell check fence at the top level of the page.',
    );
  return check;
}

/** The Check button and its result area; the page's workshop code wires it (hidden until the server says checks run). */
export function renderCheck(check: PageCheck): Element {
  return h('div.rdn-check', { 'data-check': check.key, 'data-pagefind-ignore': '', hidden: true }, [
    h('span.rdn-check-label', check.title ?? 'Check your work'),
    h('button.rdn-check-button', { type: 'button', title: 'Check this step in your sandbox' }, 'Check'),
    h('span.rdn-check-result', { role: 'status', 'aria-live': 'polite' }),
  ]);
}
