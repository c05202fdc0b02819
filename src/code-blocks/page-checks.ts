import { MetaOptions } from '@expressive-code/core';
import { fencesOf } from './block-location.ts';
import { RUNNABLE_LANGUAGES, shellCommand } from './shell-command.ts';

/** A check fence of a page, as its source declares it. */
export interface PageCheck {
  /** The check's key: its `id`, else `check-<n>` (n: its place among the page's checks, from 0). */
  key: string;
  /** The fence's opening line (1-based), for errors and to find the rendered block's check. */
  line: number;
  script: string;
  hint: string | undefined;
  showOutput: boolean;
  /** The fence's `title`: the label next to the Check button. */
  title: string | undefined;
}

/**
 * The checks of a page's source, in page order. Read from the source because a check's script
 * must never reach the page's HTML: the build's manifest carries it to the server instead. The
 * options are parsed by Expressive Code's own parser, so the page and the manifest agree.
 */
export function pageChecks(source: string): PageCheck[] {
  const checks: PageCheck[] = [];
  for (const f of fencesOf(source)) {
    const [language = '', ...rest] = f.info.split(/\s+/);
    if (!RUNNABLE_LANGUAGES.has(language)) continue;
    const meta = new MetaOptions(rest.join(' '));
    if (!meta.getBoolean('check')) continue;
    checks.push({
      key: meta.getString('id') ?? `check-${checks.length}`,
      line: f.line,
      script: shellCommand(f.code),
      hint: meta.getString('hint'),
      showOutput: meta.getBoolean('show-output') === true,
      title: meta.getString('title'),
    });
  }
  return checks;
}

/** The first key used by two checks of a page (progress could not tell them apart). */
export function duplicateCheckKey(checks: PageCheck[]): PageCheck | undefined {
  const seen = new Set<string>();
  return checks.find((c) => {
    if (seen.has(c.key)) return true;
    seen.add(c.key);
    return false;
  });
}

/**
 * What a page asks of a reader, for its tick in the sidebar: how many Run blocks it has (shell
 * fences that are not norun, file or check blocks, as the Run plugin renders them) and its check keys.
 */
export function pageSteps(source: string): { blocks: number; checks: string[] } {
  let blocks = 0;
  for (const f of fencesOf(source)) {
    const [language = '', ...rest] = f.info.split(/\s+/);
    if (!RUNNABLE_LANGUAGES.has(language)) continue;
    const meta = new MetaOptions(rest.join(' '));
    if (meta.getBoolean('check') || meta.getBoolean('norun') || meta.getString('file')) continue;
    if (shellCommand(f.code)) blocks++;
  }
  return { blocks, checks: pageChecks(source).map((c) => c.key) };
}
