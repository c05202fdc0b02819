import { definePlugin, type ExpressiveCodePlugin } from '@expressive-code/core';
import { h, type Element, type ElementContent } from '@expressive-code/core/hast';
import { BLOCK_ATTRIBUTES as A, hastProperty, type BlockAttribute } from './block-attributes.ts';
import { AuthoringError, blockLocation } from './block-location.ts';
import { fenceProblems, fileBlockContent, fileBlockProblem, type MetaOptionLike } from './fence-options.ts';
import { checkOfBlock, renderCheck } from './check-block.ts';
import { declarationHint, declaredPlaceholders, misspelledHint, pageTimeout, type PlaceholderDeclaration } from './page-frontmatter.ts';
import { misspelledPlaceholders, PLACEHOLDER, placeholderNames } from './placeholders.ts';
import { RUNNABLE_LANGUAGES, shellCommand } from './shell-command.ts';

/** Plain text of a HAST subtree. */
function textOf(node: ElementContent): string {
  if (node.type === 'text') return node.value;
  if (node.type === 'element') return node.children.map(textOf).join('');
  return '';
}

/** Every element below `node` with the class. */
function findAll(node: Element, className: string, out: Element[] = []): Element[] {
  for (const child of node.children) {
    if (child.type !== 'element') continue;
    const cls = child.properties.className;
    if (Array.isArray(cls) && cls.includes(className)) out.push(child);
    else findAll(child, className, out);
  }
  return out;
}

/** Turns `<name>` in the code lines into inline inputs (those lines lose their highlighting). */
function inlinePlaceholders(block: Element, declared: Map<string, PlaceholderDeclaration>): void {
  for (const line of findAll(block, 'code')) {
    const text = line.children.map(textOf).join('');
    if (!PLACEHOLDER.test(text)) continue;
    PLACEHOLDER.lastIndex = 0;
    const parts: ElementContent[] = [];
    let last = 0;
    for (const m of text.matchAll(PLACEHOLDER)) {
      parts.push({ type: 'text', value: text.slice(last, m.index) });
      const d = declared.get(m[1]!);
      parts.push(
        h('input.rdn-ph', {
          type: 'text',
          'data-ph': m[1],
          placeholder: m[1],
          title: d ? `${d.description} (e.g. ${d.example})` : undefined,
          'aria-label': d ? `Value for ${m[1]}: ${d.description}` : `Value for ${m[1]}`,
          list: `rdn-suggest-${m[1]}`,
          size: Math.max(8, m[1]!.length),
          spellcheck: 'false',
          autocomplete: 'off',
        }),
      );
      last = m.index + m[0].length;
    }
    parts.push({ type: 'text', value: text.slice(last) });
    line.children = parts;
  }
}

/**
 * An Expressive Code plugin for the block kinds of the notes (EC's own copy button is the
 * precedent). Authoring stays plain Markdown fences with meta:
 * - a shell block gets Run: its command goes into `data-run-command` and the controls are
 *   rendered under the code; `exit=N` marks a block meant to end with N, `expect=/re/`
 *   documents its output, `timeout=S` raises its run timeout, `interactive` says it waits for
 *   typing, `login` that it logs in to the site's registry (the page shows the account);
 *   `norun reason="..."` opts out and shows why;
 * - `<name>` placeholders become inline inputs; the page declares each in its frontmatter;
 * - every option is checked at build time against FENCE_OPTIONS: a mistake fails the build
 *   with the file, the line and what is allowed;
 * - `check hint="..." id="..." show-output` makes a shell block a workshop check: a Check button
 *   and its result, without the script (check-block.ts);
 * - a block with `file=PATH` is a file block: the page writes it into the session's workspace
 *   before any later block runs (PATH is checked at build time against the server's own rule);
 *   `title` stays Expressive Code's caption and never makes a file block.
 */
export function pluginRunButton(): ExpressiveCodePlugin {
  return definePlugin({
    name: 'Run button',
    hooks: {
      preprocessMetadata: ({ codeBlock }) => {
        const meta = codeBlock.metaOptions;
        const shell = RUNNABLE_LANGUAGES.has(codeBlock.language);
        const problems = fenceProblems(meta.list() as MetaOptionLike[], meta.errors ?? [], shell);
        if (shell && meta.getString('ci') && !meta.getString('reason')) {
          problems.push({
            message: '`ci=skip` without a reason',
            hint: 'Say why docs:test skips the block: ci=skip reason="needs a real cloud account".',
          });
        }
        const file = meta.getString('file');
        const fileProblem = file === undefined ? undefined : fileBlockProblem(file, codeBlock.code);
        if (fileProblem) problems.push(fileProblem);
        const first = problems[0];
        if (first) throw new AuthoringError(blockLocation(codeBlock), first.message, first.hint);
        // A check's key must be one of its page's (a duplicate throws, naming the line).
        if (shell && meta.getBoolean('check')) return void checkOfBlock(codeBlock);
        if (!shell || meta.getBoolean('norun') || file) return;
        const command = shellCommand(codeBlock.code);
        const [wrong] = misspelledPlaceholders(command);
        if (wrong)
          throw new AuthoringError(
            blockLocation(codeBlock),
            `\`${wrong.token}\` is not a placeholder: outside quotes, bash reads \`${wrong.token.slice(0, -1)}\` and \`>\` as redirections, and the block fails at Run`,
            misspelledHint(wrong),
          );
        const declared = new Set(declaredPlaceholders(codeBlock.parentDocument?.sourceFilePath).map((d) => d.name));
        const missing = placeholderNames(command).find((n) => !declared.has(n));
        if (missing)
          throw new AuthoringError(blockLocation(codeBlock), `placeholder <${missing}> is not declared by the page`, declarationHint(missing));
      },
      postprocessRenderedBlock: ({ codeBlock, renderData }) => {
        const meta = codeBlock.metaOptions;
        const block = renderData.blockAst;
        const set = (attribute: BlockAttribute, value: string) => (block.properties[hastProperty(attribute)] = value);
        // The frame's screen-reader label ("Terminal window") is not part of the notes: keep it out of search.
        for (const label of findAll(block, 'sr-only')) label.properties.dataPagefindIgnore = '';
        const shell = RUNNABLE_LANGUAGES.has(codeBlock.language);
        // A check renders as its button only: the script stays out of the HTML (the server runs it).
        if (shell && meta.getBoolean('check')) {
          renderData.blockAst = renderCheck(checkOfBlock(codeBlock));
          return;
        }
        // Only `file=` makes a file block: a `title` is Expressive Code's caption ("Example output", a path on some server).
        const file = meta.getString('file');
        if (file) {
          set(A.file, file);
          set(A.fileContent, fileBlockContent(codeBlock.code));
          block.children.push(
            h('div.rdn-run.rdn-file', { 'data-pagefind-ignore': '' }, [
              h('span.rdn-file-name', `File ${file}: written to your workspace before the blocks below run`),
              h('span.rdn-run-status', { role: 'status', 'aria-live': 'polite' }),
            ]),
          );
          return;
        }
        if (!shell) return;
        if (meta.getBoolean('norun')) {
          const reason = meta.getString('reason') ?? 'This block is shown, not run.';
          set(A.norun, reason);
          block.children.push(h('div.rdn-run.rdn-norun', { 'data-pagefind-ignore': '' }, [h('span.rdn-run-status', `Not runnable here: ${reason}`)]));
          return;
        }
        const command = shellCommand(codeBlock.code);
        if (!command) return;
        set(A.command, command);
        set(A.exit, String(meta.getInteger('exit') ?? 0));
        const expect = meta.getRegExp('expect');
        if (expect) set(A.expect, expect.source);
        const timeout = meta.getInteger('timeout') ?? pageTimeout(codeBlock.parentDocument?.sourceFilePath);
        if (timeout) set(A.timeout, String(timeout));
        if (meta.getBoolean('interactive')) set(A.interactive, 'true');
        // `login`: the block logs in to the site's registry; the page shows which account to use.
        if (meta.getBoolean('login')) set(A.login, 'true');
        // ci=skip: shown and runnable, but docs:test passes over it and says why.
        if (meta.getString('ci') === 'skip') set(A.ciSkip, meta.getString('reason') ?? '');
        const declared = new Map(declaredPlaceholders(codeBlock.parentDocument?.sourceFilePath).map((d) => [d.name, d]));
        const names = placeholderNames(command);
        // What docs:test types into the placeholders: the page's own test values.
        if (names.length) set(A.testValues, JSON.stringify(Object.fromEntries(names.map((n) => [n, declared.get(n)?.test ?? '']))));
        inlinePlaceholders(block, declared);
        block.children.push(
          // Controls and status stay out of the search index (and its excerpts); the code stays in.
          h('div.rdn-run', { 'data-pagefind-ignore': '' }, [
            h('button.rdn-run-button', { type: 'button', title: 'Run this block in your sandbox (Shift+Enter)' }, 'Run'),
            h('button.rdn-to-here-button', { type: 'button', title: 'Run every block of the page up to this one' }, 'Run to here'),
            h('button.rdn-stop-button', { type: 'button', hidden: true }, 'Stop'),
            h('span.rdn-run-status', { role: 'status', 'aria-live': 'polite' }),
          ]),
        );
      },
    },
  });
}
