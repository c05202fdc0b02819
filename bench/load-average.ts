import os from 'node:os';

/** The machine's 1-minute load average at a point of the bench, so a reader can tell a noisy run. */
export interface LoadMark {
  at: string;
  load1: number;
  cores: number;
}

/** Marks the load before and after each section of the bench. */
export class LoadTrail {
  readonly marks: LoadMark[] = [];

  mark(at: string): LoadMark {
    const m = { at, load1: Math.round(os.loadavg()[0]! * 100) / 100, cores: os.availableParallelism() };
    this.marks.push(m);
    return m;
  }

  /** One line for the table: every mark's load, and a word when it was above the core count. */
  summary(): string {
    const busy = this.marks.filter((m) => m.load1 > m.cores);
    const list = this.marks.map((m) => `${m.at} ${m.load1}`).join(', ');
    return `${list}${busy.length ? ` — above ${this.marks[0]?.cores} cores at ${busy.length} marks: a noisy run` : ''}`;
  }
}
