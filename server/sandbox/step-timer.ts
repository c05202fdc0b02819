/**
 * Times the steps of a slow operation, for one log line: sandbox creation under load is where
 * the first Run's seconds go, and the line says which step took them.
 */
export class StepTimer {
  readonly #start = performance.now();
  #last = this.#start;
  readonly #laps: Array<[string, number]> = [];

  /** Ends the current step under `name`. */
  lap(name: string): void {
    const t = performance.now();
    this.#laps.push([name, t - this.#last]);
    this.#last = t;
  }

  /** The latest `count` steps: `engine 900 ms (total 2400 ms)` */
  last(count = 1): string {
    const laps = this.#laps.slice(-count);
    const shown = laps.length > 0 ? laps.map(([name, v]) => `${name} ${Math.round(v)} ms`).join(', ') : 'none 0 ms';
    return `${shown} (total ${Math.round(this.#last - this.#start)} ms)`;
  }

  /** `network 12 ms, create 80 ms, … (total 1520 ms)` */
  toString(): string {
    const ms = (v: number) => `${Math.round(v)} ms`;
    return `${this.#laps.map(([n, v]) => `${n} ${ms(v)}`).join(', ')} (total ${ms(this.#last - this.#start)})`;
  }
}
