/**
 * The one definition of the data attributes on a block's <figure>: the Run plugin writes them at
 * build time, the page's code (notebook, block runner, session panel, file blocks) reads them, and
 * docs:test reads the very same ones back from the built HTML.
 */
export const BLOCK_ATTRIBUTES = {
  /** The command a shell block runs (prompts and output lines taken out). */
  command: 'data-run-command',
  /** The exit code the block is meant to end with (`exit=N`, default 0). */
  exit: 'data-run-exit',
  /** `expect=/re/`: the output it documents, as a regular expression's source. */
  expect: 'data-run-expect',
  /** `timeout=S` (or the page's), in seconds. */
  timeout: 'data-run-timeout',
  /** `interactive`: the program waits for typing. */
  interactive: 'data-run-interactive',
  /** `login`: the block logs in to the site's registry. */
  login: 'data-run-login',
  /** `ci=skip reason="..."`: docs:test passes over it, saying why. */
  ciSkip: 'data-run-ci-skip',
  /** The page's test values for the block's placeholders, as JSON. */
  testValues: 'data-run-test-values',
  /** A file block's path in the workspace, and its content. */
  file: 'data-file',
  fileContent: 'data-file-content',
  /** `norun reason="..."`: shown, not run. */
  norun: 'data-norun',
} as const;

export type BlockAttribute = (typeof BLOCK_ATTRIBUTES)[keyof typeof BLOCK_ATTRIBUTES];

/** `data-run-command` -> `runCommand`: the key of the attribute in `element.dataset` and in HAST properties (`dataRunCommand`). */
export function datasetKey(attribute: BlockAttribute): string {
  return attribute.slice('data-'.length).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The HAST property that renders as the attribute (`dataRunCommand`). */
export function hastProperty(attribute: BlockAttribute): string {
  const key = datasetKey(attribute);
  return `data${key[0]!.toUpperCase()}${key.slice(1)}`;
}

/** A runnable block's settings, as the page and docs:test read them from its attributes. */
export interface RunBlockSettings {
  command: string;
  exit: number;
  expect?: RegExp;
  timeoutSeconds?: number;
  interactive: boolean;
  login: boolean;
  testValues?: Record<string, string>;
  ciSkip?: string;
}

/** Reads a runnable block's settings through `get` (getAttribute, or a parsed tag's attributes); undefined when it is not one. */
export function runBlockSettings(get: (attribute: BlockAttribute) => string | null | undefined): RunBlockSettings | undefined {
  const A = BLOCK_ATTRIBUTES;
  const command = get(A.command);
  if (command === null || command === undefined) return undefined;
  const expect = get(A.expect);
  const timeout = Number(get(A.timeout) ?? '0');
  const testValues = get(A.testValues);
  const ciSkip = get(A.ciSkip);
  return {
    command,
    exit: Number(get(A.exit) ?? '0'),
    ...(expect ? { expect: new RegExp(expect) } : {}),
    ...(timeout > 0 ? { timeoutSeconds: timeout } : {}),
    interactive: get(A.interactive) === 'true',
    login: get(A.login) === 'true',
    ...(testValues ? { testValues: JSON.parse(testValues) as Record<string, string> } : {}),
    ...(ciSkip !== null && ciSkip !== undefined ? { ciSkip } : {}),
  };
}
