/** Fence languages whose blocks get a Run button. */
export const RUNNABLE_LANGUAGES = new Set(['sh', 'shell', 'bash', 'console', 'shell-session', 'zsh']);

/**
 * The command a shell block runs. When some lines start with a `$ ` prompt, only those lines (and
 * their `\` continuations) are the command and the rest is shown output; otherwise the whole block is.
 */
export function shellCommand(code: string): string {
  const lines = code.replace(/\r\n?/g, '\n').split('\n');
  const prompted = lines.some((l) => /^\s*\$ /.test(l));
  if (!prompted) return code.trim();
  const out: string[] = [];
  let continuing = false;
  for (const line of lines) {
    const m = /^\s*\$ (.*)$/.exec(line);
    if (m) {
      out.push(m[1]!);
      continuing = m[1]!.endsWith('\\');
    } else if (continuing) {
      out.push(line);
      continuing = line.endsWith('\\');
    }
  }
  return out.join('\n').trim();
}
