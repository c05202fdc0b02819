/**
 * A run's output, numbered by byte offset from 0 and bounded: past `limit` bytes the oldest are
 * dropped, and readers learn from which offset the kept bytes start.
 */
export class Transcript {
  readonly limit: number;
  #chunks: Buffer[] = [];
  /** Offset of the first kept byte. */
  #start = 0;
  /** Offset just past the last byte ever appended. */
  #end = 0;

  constructor(limit: number) {
    if (!(limit > 0)) throw new Error('A transcript needs a positive limit');
    this.limit = limit;
  }

  get start(): number {
    return this.#start;
  }

  get end(): number {
    return this.#end;
  }

  /** Bytes dropped so far because of the limit. */
  get dropped(): number {
    return this.#start;
  }

  /** Appends output and returns the offset of its first byte. */
  append(chunk: Buffer): number {
    const offset = this.#end;
    if (chunk.length === 0) return offset;
    this.#chunks.push(chunk);
    this.#end += chunk.length;
    let excess = this.#end - this.#start - this.limit;
    while (excess > 0) {
      const first = this.#chunks[0]!;
      if (first.length <= excess) {
        this.#chunks.shift();
        this.#start += first.length;
        excess -= first.length;
      } else {
        this.#chunks[0] = first.subarray(excess);
        this.#start += excess;
        excess = 0;
      }
    }
    return offset;
  }

  /**
   * The kept bytes from `since` on. `offset` is where they start: `since` itself, or the first
   * kept byte when older ones were dropped; a `since` past the end reads nothing from the end.
   */
  readFrom(since: number): { offset: number; data: Buffer } {
    const { offset, chunks } = this.chunksFrom(since);
    return { offset, data: Buffer.concat(chunks) };
  }

  /** The same bytes as readFrom, as views of the kept chunks (no copy: a replay to many readers costs nothing extra). */
  chunksFrom(since: number): { offset: number; chunks: Buffer[] } {
    const from = Math.min(Math.max(since, this.#start), this.#end);
    let skip = from - this.#start;
    const out: Buffer[] = [];
    for (const c of this.#chunks) {
      if (skip >= c.length) {
        skip -= c.length;
        continue;
      }
      out.push(skip > 0 ? c.subarray(skip) : c);
      skip = 0;
    }
    return { offset: from, chunks: out };
  }
}
