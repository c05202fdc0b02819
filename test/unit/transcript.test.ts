import { describe, expect, it } from 'vitest';
import { Transcript } from '../../server/runs/transcript.ts';

const b = (s: string) => Buffer.from(s);

describe('Transcript', () => {
  it('numbers bytes by offset and reads from any offset', () => {
    const t = new Transcript(100);
    expect(t.append(b('hello '))).toBe(0);
    expect(t.append(b('world'))).toBe(6);
    expect(t.readFrom(0)).toEqual({ offset: 0, data: b('hello world') });
    expect(t.readFrom(3)).toEqual({ offset: 3, data: b('lo world') });
    expect(t.readFrom(6)).toEqual({ offset: 6, data: b('world') });
    expect(t.readFrom(11)).toEqual({ offset: 11, data: b('') });
  });

  it('drops the oldest bytes past the limit and says where the kept ones start', () => {
    const t = new Transcript(8);
    t.append(b('0123'));
    t.append(b('4567'));
    t.append(b('89ab'));
    expect([t.start, t.end, t.dropped]).toEqual([4, 12, 4]);
    expect(t.readFrom(0)).toEqual({ offset: 4, data: b('456789ab') });
    t.append(b('cd'));
    expect(t.readFrom(0)).toEqual({ offset: 6, data: b('6789abcd') });
    expect(t.readFrom(9)).toEqual({ offset: 9, data: b('9abcd') });
  });

  it('keeps exactly the limit when one chunk is larger than it', () => {
    const t = new Transcript(4);
    t.append(b('abcdefghij'));
    expect(t.readFrom(0)).toEqual({ offset: 6, data: b('ghij') });
  });

  it('clamps a since past the end', () => {
    const t = new Transcript(4);
    t.append(b('ab'));
    expect(t.readFrom(99)).toEqual({ offset: 2, data: b('') });
  });

  it('gives every byte exactly once to a reader that resumes from what it has', () => {
    const t = new Transcript(1 << 20);
    let got = '';
    let have = 0;
    for (let i = 0; i < 200; i++) {
      t.append(b(`line ${i}\n`));
      if (i % 7 === 0) {
        const r = t.readFrom(have);
        got += r.data.toString();
        have = r.offset + r.data.length;
      }
    }
    got += t.readFrom(have).data.toString();
    expect(got).toBe(Array.from({ length: 200 }, (_, i) => `line ${i}\n`).join(''));
  });
});
