import { describe, expect, it } from 'vitest';
import { SPARE_GO, spareInput } from '../../server/runs/run-exec.ts';
import { CutBefore } from '../../server/runs/spare-shells.ts';

/** What `printf %b` makes of the lines: `\xHH` escapes back into bytes (the only escape spareInput writes). */
function decode(lines: string[]): Buffer {
  const text = lines.join('');
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') {
      expect(text[i + 1], `a backslash not starting \\x at ${i}`).toBe('x');
      bytes.push(Number.parseInt(text.slice(i + 2, i + 4), 16));
      i += 3;
    } else bytes.push(text.charCodeAt(i));
  }
  return Buffer.from(bytes);
}

describe('spareInput: a command as lines a terminal passes on unchanged', () => {
  it.each([
    ['plain', 'echo hi'],
    ['printf escapes and backslashes', String.raw`printf '%b\n' "a\tb" \c \\ \x41`],
    ['every control character', `${Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join('')}\x7f`],
    ['UTF-8', 'echo é 🐳'],
    ['newlines and lines that are a dot or empty', 'a\n.\n\n\nb'],
    ['long', 'z'.repeat(10_000)],
  ])('%s', (_what, command) => {
    const text = spareInput('run-1', command);
    const lines = text.split('\n');
    expect(lines[0]).toBe('run-1');
    // The body, then the empty line that ends it (and the split's own empty tail).
    const body = lines.slice(1, -2);
    expect(lines.slice(-2)).toEqual(['', '']);
    for (const line of body) {
      expect(line.length, 'a line within a terminal line').toBeLessThanOrEqual(512);
      expect(line.length, 'no empty line inside the body').toBeGreaterThan(0);
      expect(line, 'printable ASCII only').toMatch(/^[\x20-\x7e]+$/);
    }
    expect(decode(body).toString('utf8')).toBe(command);
  });

  it('refuses a run id that is not one', () => {
    expect(() => spareInput('a b\nrm -rf /', 'true')).toThrow(/not a run id/);
  });
});

describe('CutBefore: a run sees nothing of what its spare shell printed before the command', () => {
  const go = SPARE_GO;
  const split = (b: Buffer, at: number[]) => {
    const parts: Buffer[] = [];
    let from = 0;
    for (const a of at) {
      parts.push(b.subarray(from, a));
      from = a;
    }
    parts.push(b.subarray(from));
    return parts;
  };
  const through = (chunks: Buffer[]) => {
    const cut = new CutBefore(go);
    const out = Buffer.concat(chunks.map((c) => cut.cut(c) ?? Buffer.alloc(0)));
    return { out: out.toString(), passed: cut.passed };
  };
  const echoed = Buffer.from('run-1\r\necho hi\r\n\r\n');
  const whole = Buffer.concat([echoed, go, Buffer.from('hi\r\n'), go, Buffer.from('more')]);

  it('the marker in one chunk, with output after it', () => {
    expect(through([whole])).toEqual({ out: `hi\r\n${go}more`, passed: true });
  });

  it.each([1, 2, 5, go.length - 1])('the marker split %i bytes in, across chunks', (k) => {
    const at = echoed.length + k;
    expect(through(split(whole, [at]))).toEqual({ out: `hi\r\n${go}more`, passed: true });
  });

  it('byte by byte', () => {
    expect(
      through(
        split(
          whole,
          Array.from({ length: whole.length - 1 }, (_, i) => i + 1),
        ),
      ),
    ).toEqual({ out: `hi\r\n${go}more`, passed: true });
  });

  it('no marker: nothing passes', () => {
    const cut = new CutBefore(go);
    for (let i = 0; i < 1000; i++) expect(cut.cut(Buffer.alloc(1024, 0x61))).toBeUndefined();
    expect(cut.passed).toBe(false);
  });
});
