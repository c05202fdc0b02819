/** `npm run bench:isolation`: only section 7 of the bench, rootless vs rootful, as a table and JSON. */
import { requireEngine } from '../test/support/engine.ts';
import { apiFirstByte } from './first-byte.ts';
import { interleavedRow, interleavedWarmClick, isolationRows, measureIsolation, type IsolationFigures } from './isolation.ts';

const { engine } = await requireEngine();
const log = (line: string) => console.error(`· ${line}`);
const figures: IsolationFigures[] = [];
for (const isolation of ['rootless', 'rootful'] as const) figures.push(await measureIsolation(engine, isolation, apiFirstByte, 20, log));
const warm = await interleavedWarmClick(apiFirstByte, 40, log);
for (const [what, value, ratio] of [...isolationRows(figures), interleavedRow(warm)])
  console.log(`${what!.padEnd(50)} ${value!.padEnd(44)} ${ratio}`);
console.log(`\nJSON: ${JSON.stringify({ figures, interleavedWarmClick: warm })}`);
