import fs from 'node:fs';
import path from 'node:path';

/** A `{name}` in a page's text that MDX would evaluate, though nothing defines the name. */
export interface UndefinedExpression {
  file: string;
  line: number;
  /** As written, braces included: `{container_id}`. */
  expression: string;
  name: string;
}

/** Names a page defines itself: `import x from`, `import { a, b as c }`, `export const x`, ... */
function definedNames(source: string): Set<string> {
  const names = new Set(['frontmatter', 'props']);
  for (const line of source.split('\n')) {
    if (!/^(import|export)\s/.test(line)) continue;
    for (const m of line.matchAll(/\b(?:const|let|var|function|class)\s+([A-Za-z_$][\w$]*)/g)) names.add(m[1]!);
    for (const m of line.matchAll(/\bimport\s+([A-Za-z_$][\w$]*)/g)) names.add(m[1]!);
    for (const m of line.matchAll(/\*\s+as\s+([A-Za-z_$][\w$]*)/g)) names.add(m[1]!);
    for (const m of line.matchAll(/\{([^}]*)\}/g))
      for (const part of m[1]!.split(',')) {
        const local = part
          .trim()
          .split(/\s+as\s+/)
          .at(-1)
          ?.trim();
        if (local) names.add(local);
      }
  }
  return names;
}

function filesUnder(dir: string, out: string[] = []): string[] {
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) filesUnder(p, out);
    else if (e.name.endsWith('.mdx')) out.push(p);
  }
  return out;
}

/**
 * Every `{name}`, `{name-word}` or `{name.key}` in the text of the MDX pages under `root`/docs
 * (not in code blocks or code spans) whose name the page does not define: MDX reads braces as
 * JavaScript, and rendering the page would fail with "name is not defined", blamed on whichever
 * route rendered it first (the handout), not on the page.
 */
export function undefinedExpressions(root: string): UndefinedExpression[] {
  const found: UndefinedExpression[] = [];
  for (const file of filesUnder(path.join(root, 'docs'))) {
    const source = fs.readFileSync(file, 'utf8').replace(/\r\n?/g, '\n');
    const defined = definedNames(source);
    const lines = source.split('\n');
    let fence: string | undefined;
    let inFrontmatter = lines[0] === '---';
    lines.forEach((text, i) => {
      if (inFrontmatter) {
        if (i > 0 && text === '---') inFrontmatter = false;
        return;
      }
      const f = /^\s*(`{3,}|~{3,})/.exec(text)?.[1];
      if (f && (!fence || (f[0] === fence[0] && f.length >= fence.length))) {
        fence = fence ? undefined : f;
        return;
      }
      if (fence || /^(import|export)\s/.test(text)) return;
      const prose = text.replace(/(`+)[^`]*?\1/g, '').replace(/\\[{}]/g, '');
      for (const m of prose.matchAll(/\{\s*([A-Za-z_$][\w$]*)((?:\s*-\s*[A-Za-z_$][\w$]*|\.[\w$]+)*)\s*\}/g)) {
        const name = m[1]!;
        if (defined.has(name) || name in globalThis) continue;
        found.push({ file: path.relative(root, file).split(path.sep).join('/'), line: i + 1, expression: m[0], name });
      }
    });
  }
  return found;
}

/** The build error: each expression with its file and line, and how to write it instead. */
export function undefinedExpressionsMessage(found: UndefinedExpression[]): string {
  return found
    .map(
      (u) =>
        `${u.file}:${u.line}: \`${u.expression}\` in the text is JavaScript to MDX, and ${u.name} is not defined: the page cannot render\n  Hint: to show the braces, write \\${u.expression} or put it in backticks; a value the reader types in is a <${u.name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase()}> placeholder in a shell block.`,
    )
    .join('\n');
}
