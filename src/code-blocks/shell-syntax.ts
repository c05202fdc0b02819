/** What a scan is inside: shell code (the top level, `$(...)`, backquotes) or text bash does not parse as commands. */
type Frame =
  | { kind: 'code'; close: ')' | '`' | undefined; depth: number }
  | { kind: 'double-quotes' }
  | { kind: 'arithmetic' | 'parameter'; depth: number };

/** Characters that end an unquoted word. */
const WORD_END = /[\s;&|<>()]/;

/** `text` with every character but newlines as a space: same length, same lines, nothing bash would parse. */
const blank = (text: string) => text.replace(/[^\n]/g, ' ');

/**
 * The command with everything bash does not read as shell syntax blanked out (same length and lines):
 * quoted text ('...', "...", $'...'), escaped characters, comments, here-document bodies and their
 * delimiter words, `$((...))` / `((...))` arithmetic (where `<<` is a shift) and `${...}`. Inside double
 * quotes, a `$(...)` or a backquoted command is shell code again, as bash reads it.
 */
export function unquotedShell(command: string): string {
  const stack: Frame[] = [{ kind: 'code', close: undefined, depth: 0 }];
  const hereDocuments: Array<{ delimiter: string; tabs: boolean }> = [];
  let out = '';
  let i = 0;
  /** Copies `length` characters from i as they are, or blanked. */
  const take = (length: number, keep: boolean) => {
    const text = command.slice(i, i + length);
    out += keep ? text : blank(text);
    i += text.length;
  };
  while (i < command.length) {
    const frame = stack.at(-1)!;
    const c = command[i]!;
    const at = (s: string) => command.startsWith(s, i);
    if (frame.kind === 'arithmetic' || frame.kind === 'parameter') {
      const [open, close] = frame.kind === 'arithmetic' ? ['(', ')'] : ['{', '}'];
      if (c === '\\') take(2, false);
      else {
        if (c === open) frame.depth++;
        if (c === close && --frame.depth === 0) stack.pop();
        take(1, false);
      }
      continue;
    }
    // Substitutions start the same way in code and in double quotes.
    if (at('$((')) {
      stack.push({ kind: 'arithmetic', depth: 2 });
      take(3, false);
    } else if (at('${')) {
      stack.push({ kind: 'parameter', depth: 1 });
      take(2, false);
    } else if (at('$(')) {
      stack.push({ kind: 'code', close: ')', depth: 1 });
      take(2, true);
    } else if (c === '`' && !(frame.kind === 'code' && frame.close === '`')) {
      stack.push({ kind: 'code', close: '`', depth: 0 });
      take(1, true);
    } else if (frame.kind === 'double-quotes') {
      if (c === '"') stack.pop();
      take(c === '\\' ? 2 : 1, false);
    } else if (c === '\n') {
      take(1, true);
      // The here-documents opened on this line: their bodies follow it, each up to its delimiter line.
      for (const { delimiter, tabs } of hereDocuments.splice(0)) {
        while (i < command.length) {
          const end = command.indexOf('\n', i) < 0 ? command.length : command.indexOf('\n', i) + 1;
          const line = command.slice(i, end).replace(/\n$/, '');
          take(end - i, false);
          if ((tabs ? line.replace(/^\t+/, '') : line) === delimiter) break;
        }
      }
    } else if (c === '\\') take(2, false);
    else if (c === "'") take(command.indexOf("'", i + 1) < 0 ? command.length : command.indexOf("'", i + 1) + 1 - i, false);
    else if (at("$'")) {
      let j = i + 2;
      while (j < command.length && command[j] !== "'") j += command[j] === '\\' ? 2 : 1;
      take(j + 1 - i, false);
    } else if (c === '"') {
      stack.push({ kind: 'double-quotes' });
      take(1, false);
    } else if (at('((')) {
      stack.push({ kind: 'arithmetic', depth: 2 });
      take(2, false);
    } else if (c === '#' && (i === 0 || /[\s;&|()]/.test(command[i - 1]!))) {
      const end = command.indexOf('\n', i);
      take((end < 0 ? command.length : end) - i, false);
    } else if (at('<<') && !at('<<<') && command[i - 1] !== '<') {
      take(at('<<-') ? 3 : 2, true);
      const tabs = command[i - 1] === '-';
      while (command[i] === ' ' || command[i] === '\t') take(1, true);
      // The delimiter is the word after `<<` with its quotes removed: EOF, 'EOF', "EOF", \EOF, E"O"F.
      let delimiter = '';
      while (i < command.length && !WORD_END.test(command[i]!)) {
        const q = command[i];
        if (q === "'" || q === '"') {
          const end = command.indexOf(q, i + 1) < 0 ? command.length : command.indexOf(q, i + 1);
          delimiter += command.slice(i + 1, end);
          take(end + 1 - i, false);
        } else if (q === '\\') {
          delimiter += command[i + 1] ?? '';
          take(2, false);
        } else {
          delimiter += q;
          take(1, false);
        }
      }
      // `<<` with no word opens nothing (bash fails on it as a syntax error).
      if (delimiter) hereDocuments.push({ delimiter, tabs });
    } else {
      const close = frame.kind === 'code' ? frame.close : undefined;
      if (close === ')' && c === '(') frame.depth++;
      if (close === ')' && c === ')' && --frame.depth === 0) stack.pop();
      if (close === '`' && c === '`') stack.pop();
      take(1, true);
    }
  }
  return out;
}
