import { defineConfig } from 'vitest/config';

// Layers: unit (logic, fakes allowed), integration (a real Docker engine and registry),
// security (refusals against the real server and engine), e2e (the real server in real Chromium),
// selfhost (the server's image, run by compose, driven in Chromium). Time limits here bound hangs; they are not speed checks.
// A poll waits for what a person would wait for, on a loaded machine too: 30 s unless a test says otherwise (vitest's default is 1 s).
const expectations = { poll: { timeout: 30_000 } };
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        test: {
          name: 'integration',
          expect: expectations,
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'security',
          expect: expectations,
          include: ['test/security/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'docs',
          expect: expectations,
          include: ['test/docs/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          name: 'e2e',
          expect: expectations,
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'cluster',
          expect: expectations,
          include: ['test/cluster/**/*.test.ts'],
          testTimeout: 300_000,
          // The harness starts three engine nodes and loads the sandbox image into each.
          hookTimeout: 900_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'selfhost',
          expect: expectations,
          include: ['test/selfhost/**/*.test.ts'],
          testTimeout: 300_000,
          // One stack at a time: each file builds the image (the same tag) and starts a stack of its own.
          fileParallelism: false,
          // The first build of the image (its Node base, the site, the dependencies) and the stack's start.
          hookTimeout: 900_000,
        },
      },
    ],
  },
});
