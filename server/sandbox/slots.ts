/** A counting semaphore that tells waiters how many are ahead of them. */
export class Slots {
  readonly #max: number;
  #busy = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(max: number) {
    this.#max = max;
  }

  async acquire(onWait: (ahead: number) => void): Promise<void> {
    if (this.#busy < this.#max) {
      this.#busy++;
      return;
    }
    onWait(this.#waiting.length + 1);
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  /** How many wait for a slot. */
  get waiting(): number {
    return this.#waiting.length;
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#busy--;
  }
}
