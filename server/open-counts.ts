/**
 * Things open at once (streams, connections), counted per key; each one counted is given back once,
 * however often its close fires. The callers hold the caps and say what a refusal means.
 */
export class OpenCounts {
  readonly #open = new Map<string, number>();

  /** How many are open under `key`. */
  of(key: string): number {
    return this.#open.get(key) ?? 0;
  }

  /** Counts one more under `key`; returns how to give it back (a second call does nothing). */
  add(key: string): () => void {
    this.#open.set(key, this.of(key) + 1);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const left = this.of(key) - 1;
      if (left <= 0) this.#open.delete(key);
      else this.#open.set(key, left);
    };
  }
}
