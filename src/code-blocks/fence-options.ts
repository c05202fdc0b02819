/**
 * The fence options of the notes, defined once: the Run plugin validates and reads them at build
 * time, the page code reads what the plugin rendered, and docs:test reads the same attributes.
 * A fence option is `key=value`, `key="value"`, `key=/regexp/` or a bare `key` (a flag).
 */
import { parseFileWrite } from '../../server/protocol.ts';

/** How one option is written and checked. */
export interface FenceOption {
  /** What the value must be, as said in an error ("a whole number from 0 to 255"). */
  allowed: string;
  /** How the value is written; `any` leaves the check to Expressive Code. */
  kind: 'flag' | 'integer' | 'string' | 'regexp' | 'any';
  min?: number;
  max?: number;
  /** Only on these blocks (a shell block is runnable; a file block is any other language). */
  on: 'shell' | 'any';
}

/** Every option the notes understand, plus Expressive Code's own that authors may use. */
export const FENCE_OPTIONS: Record<string, FenceOption> = {
  exit: { kind: 'integer', min: 0, max: 255, allowed: 'a whole number from 0 to 255 (the exit code the block is meant to end with)', on: 'shell' },
  expect: {
    kind: 'regexp',
    allowed: 'a regular expression between slashes, e.g. expect=/Hello World/ or expect=/exit(ed)? 0/; flags (/i) are not supported',
    on: 'shell',
  },
  timeout: { kind: 'integer', min: 1, max: 3600, allowed: 'a whole number of seconds from 1 to 3600', on: 'shell' },
  interactive: { kind: 'flag', allowed: 'a bare flag: the block waits for typing', on: 'shell' },
  login: { kind: 'flag', allowed: "a bare flag: the block logs in to the site's registry", on: 'shell' },
  norun: { kind: 'flag', allowed: 'a bare flag: the block is shown, not run (add reason="...")', on: 'shell' },
  reason: { kind: 'string', allowed: 'quoted text: why a norun block is not run, or why docs:test skips it', on: 'shell' },
  ci: { kind: 'string', allowed: 'ci=skip: docs:test does not run the block (say why with reason="...")', on: 'shell' },
  file: { kind: 'string', allowed: 'a path inside the workspace, e.g. file=Dockerfile or file=app/main.py', on: 'any' },
  // Workshop checks: the block is a Check button; its script runs in the attendee's sandbox, passes on exit 0.
  check: { kind: 'flag', allowed: 'a bare flag: the block is a check, run by the server, passed on exit 0 (add hint="...")', on: 'shell' },
  hint: { kind: 'string', allowed: 'quoted text: what a check tells the reader when it does not pass yet', on: 'shell' },
  id: { kind: 'string', allowed: 'a check\'s name on its page: lower-case letters, digits and -, e.g. id="image-built"', on: 'shell' },
  'show-output': { kind: 'flag', allowed: "a bare flag: a failed check shows the script's output (hidden otherwise)", on: 'shell' },
  // Expressive Code's own options (frames, text markers, wrapping).
  title: { kind: 'string', allowed: 'quoted text: the frame title, a caption only (file=PATH makes a file block)', on: 'any' },
  frame: { kind: 'string', allowed: 'code, terminal, none or auto', on: 'any' },
  wrap: { kind: 'any', allowed: 'a bare flag: wrap long lines', on: 'any' },
  mark: { kind: 'any', allowed: 'lines or text to mark', on: 'any' },
  ins: { kind: 'any', allowed: 'lines or text to mark as inserted', on: 'any' },
  del: { kind: 'any', allowed: 'lines or text to mark as deleted', on: 'any' },
};

/** A parsed option as Expressive Code's MetaOptions lists it. */
export interface MetaOptionLike {
  key?: string | undefined;
  kind: 'string' | 'boolean' | 'range' | 'regexp';
  value: unknown;
  raw: string;
}

/** A mistake in a fence's options: what is wrong and what is allowed. */
export interface FenceProblem {
  message: string;
  hint: string;
}

/** The known option closest to a misspelled one (at most two edits away), for "did you mean". */
export function closestOption(key: string): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const name of Object.keys(FENCE_OPTIONS)) {
    const d = editDistance(key.toLowerCase(), name);
    if (d <= 2 && (!best || d < best.d)) best = { name, d };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

const ALL = () => Object.keys(FENCE_OPTIONS).join(', ');

/**
 * The problems of one fence's options. `parseErrors` are Expressive Code's own (an `expect=/(/`
 * that is not a regular expression lands there); unkeyed items are its text markers and pass.
 */
export function fenceProblems(options: MetaOptionLike[], parseErrors: string[], shell: boolean): FenceProblem[] {
  const problems: FenceProblem[] = [];
  for (const e of parseErrors) {
    const key = /option `(\w+)=/.exec(e)?.[1];
    const def = key ? FENCE_OPTIONS[key] : undefined;
    problems.push({ message: e.replace(/\/g: /, '/: '), hint: def ? `${key} must be ${def.allowed}.` : `Allowed options: ${ALL()}.` });
  }
  const given = new Map<string, string>();
  for (const o of options) {
    if (!o.key) continue;
    const def = FENCE_OPTIONS[o.key];
    const raw = o.raw.trim();
    // Expressive Code's markers may repeat (mark={1} mark={3}); any other option given twice would silently lose one value.
    const earlier = given.get(o.key);
    if (def && def.kind !== 'any' && earlier !== undefined) {
      problems.push({
        message: `\`${o.key}\` is given twice (\`${earlier}\`, \`${raw}\`)`,
        hint: `Keep one: only the last would count. ${o.key} must be ${def.allowed}.`,
      });
      continue;
    }
    given.set(o.key, raw);
    if (!def) {
      const near = closestOption(o.key);
      problems.push({
        message: `unknown fence option \`${raw}\``,
        hint: `${near ? `Did you mean \`${near}\`? ` : ''}Allowed options: ${ALL()}.`,
      });
      continue;
    }
    if (def.on === 'shell' && !shell) {
      problems.push({ message: `\`${raw}\` only applies to a shell block`, hint: `Use it on a \`\`\`shell fence; ${o.key} must be ${def.allowed}.` });
      continue;
    }
    const bad = () => problems.push({ message: `malformed value in \`${raw}\``, hint: `${o.key} must be ${def.allowed}.` });
    if (def.kind === 'any') continue;
    if (def.kind === 'flag') {
      if (o.kind !== 'boolean' || o.value !== true) bad();
    } else if (def.kind === 'integer') {
      const s = String(o.value);
      const n = Number(s);
      if (o.kind !== 'string' || !/^\d+$/.test(s) || n < (def.min ?? 0) || n > (def.max ?? Infinity)) bad();
    } else if (def.kind === 'regexp') {
      const flags = o.kind === 'string' ? /^\/.*\/([a-z]+)$/.exec(String(o.value))?.[1] : undefined;
      if (flags)
        problems.push({
          message: `malformed value in \`${raw}\``,
          hint: `flags (/${flags}) are not supported: the pattern is matched as written, case-sensitive. Write the cases out instead, e.g. expect=/[Hh]ello/.`,
        });
      else if (o.kind !== 'regexp') bad();
    } else if (o.kind !== 'string' || String(o.value).trim() === '') bad();
    else if (o.key === 'ci' && o.value !== 'skip') bad();
    else if (o.key === 'id' && !CHECK_ID.test(String(o.value))) bad();
  }
  if (shell) problems.push(...checkProblems(options));
  return problems;
}

/** What the page writes for a file block's code: the code, ending in a newline as a text file does. */
export function fileBlockContent(code: string): string {
  return code.endsWith('\n') ? code : `${code}\n`;
}

/**
 * A file block's path and content, as the page will send them (fileBlockContent), against the very
 * rule the server applies when the page writes it (parseFileWrite): what it refuses would render,
 * then fail at Run.
 */
export function fileBlockProblem(file: string, code: string): FenceProblem | undefined {
  const r = parseFileWrite({ path: file, content: fileBlockContent(code) });
  if (r.ok) return undefined;
  if (r.status === 413)
    return {
      message: `file block \`${file}\` is too large: ${r.error}`,
      hint: 'Keep large files out of the page: write a smaller example, or fetch the file in a shell block (curl -O ...).',
    };
  const fixed = workspacePath(file);
  return {
    message: `the server refuses the file path \`${file}\`: ${r.error.replace('"path"', 'it')}`,
    hint: /\/\s*$/.test(file)
      ? `file= names a file, and \`${file}\` names a folder: add the file's name, e.g. file=${file.replace(/\/+\s*$/, '')}/Dockerfile (its folders are made).`
      : `Write the path relative to the workspace, in letters, digits, . _ - and /${fixed && fixed !== file ? `, e.g. file=${fixed}` : ''}, and use that name in the blocks below.`,
  };
}

/** The nearest path the server accepts: accents dropped, spaces as _, no leading /, ./ or ../. */
function workspacePath(file: string): string | undefined {
  const segments = file
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .split('/')
    .map((s) =>
      s
        .trim()
        .replace(/\s+/g, '_')
        .replace(/[^\w.-]/g, ''),
    )
    .filter((s) => s !== '' && s !== '.' && s !== '..');
  const path = segments.join('/');
  return parseFileWrite({ path, content: '' }).ok ? path : undefined;
}

/** A check's `id`: it names the check in progress and in the room, so it stays a plain slug. */
export const CHECK_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Options that make sense on a Run block only: a check is never run by the page itself. */
const RUN_ONLY = ['exit', 'expect', 'timeout', 'interactive', 'login', 'norun', 'ci', 'file'];
const CHECK_ONLY = ['hint', 'id', 'show-output'];

/** A check fence mixes no Run options, and the check options come only with `check`. */
function checkProblems(options: MetaOptionLike[]): FenceProblem[] {
  const keys = new Set(options.map((o) => o.key).filter((k): k is string => !!k));
  if (keys.has('check')) {
    const mixed = RUN_ONLY.find((k) => keys.has(k));
    return mixed
      ? [
          {
            message: `\`${mixed}\` cannot be used on a check`,
            hint: 'A check is run by the server when the reader presses Check, and passes on exit 0; write the step it checks as a block of its own.',
          },
        ]
      : [];
  }
  const stray = CHECK_ONLY.find((k) => keys.has(k));
  return stray
    ? [
        {
          message: `\`${stray}\` only applies to a check`,
          hint: `Add the bare flag \`check\` to make the block a check: \`\`\`shell check ${stray === 'hint' ? 'hint="..."' : stray}.`,
        },
      ]
    : [];
}
