/**
 * Common ways a Docker command fails, as data: what the output shows and the next step to
 * suggest. The first shape that matches wins, so the more specific ones come first.
 */
export interface FailureShape {
  /** Names the shape (for tests and the hint's data attribute). */
  id: string;
  /** Matched against the run's plain output; its first group that matched goes into the hint as `$1`. */
  pattern: RegExp;
  /** One line, with commands in backticks; `$1` is replaced by the match's first group. */
  hint: string;
}

export const FAILURE_SHAPES: readonly FailureShape[] = [
  {
    id: 'name-in-use',
    pattern: /The container name "\/([\w.-]+)" is already in use/,
    hint: 'A container named $1 is left from an earlier run: run `docker rm -f $1`, or Restart session.',
  },
  {
    id: 'port-allocated',
    pattern: /Bind for [\d.:[\]]*?:(\d+) failed: port is already allocated/,
    hint: 'Port $1 is already taken by another container: `docker ps` shows which; remove it with `docker rm -f NAME`, or Restart session.',
  },
  {
    id: 'port-allocated',
    pattern: /port is already allocated|address already in use/,
    hint: 'That port is already taken by another container: `docker ps` shows which; remove it with `docker rm -f NAME`, or Restart session.',
  },
  {
    id: 'image-not-found',
    pattern:
      /(?:pull access denied for ([\w./:@-]+),|manifest for ([\w./:@-]+) not found|No such image: ([\w./:@-]+)|Unable to find image '([^']+)' locally)/,
    hint: 'The image $1 is not in your sandbox and could not be pulled: check its name, or build it first (a block above may do that).',
  },
  {
    id: 'no-space',
    pattern: /no space left on device/i,
    hint: "The sandbox's disk is full: remove what you no longer need (`docker system prune -af`), or Restart session.",
  },
];

/** The hint for a failed run's output, or undefined when no known shape matches. */
export function failureHint(output: string, shapes: readonly FailureShape[] = FAILURE_SHAPES): { id: string; text: string } | undefined {
  for (const s of shapes) {
    const m = s.pattern.exec(output);
    // Alternatives in one pattern each have their own group: the first that matched is `$1`.
    if (m) return { id: s.id, text: s.hint.replaceAll('$1', m.slice(1).find((g) => g !== undefined) ?? '') };
  }
  return undefined;
}
