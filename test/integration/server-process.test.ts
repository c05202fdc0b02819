import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type StartedServer } from '../support/server.ts';

let server: StartedServer;

beforeAll(async () => {
  server = await startServer({ WARM_POOL: '0' });
});

afterAll(async () => {
  await server?.stop();
});

describe('the server process `npm start` starts', () => {
  it("sets V8's heap (young generation capped, old generation starting at 64 MiB), in the very process that was started (so its pid and signals stay the caller's)", () => {
    const pid = server.process.pid!;
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    expect(argv, `the command line of pid ${pid}`).toContain('--max-semi-space-size=4');
    expect(argv, `the command line of pid ${pid}`).toContain('--initial-old-space-size=64');
    expect(argv.some((a) => a.endsWith('start.mjs'))).toBe(true);
  });

  it('takes a flag given on the command line instead of its own', async () => {
    const own = await startServer({ WARM_POOL: '0', NODE_OPTIONS: '--max-semi-space-size=16' });
    try {
      const argv = fs.readFileSync(`/proc/${own.process.pid!}/cmdline`, 'utf8').split('\0');
      expect(argv).not.toContain('--max-semi-space-size=4');
      // The flag not given is still set.
      expect(argv).toContain('--initial-old-space-size=64');
    } finally {
      await own.stop();
    }
  });
});
