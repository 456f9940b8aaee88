import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Synthesis is CPU-bound; two workers match the CI machine.
    maxWorkers: 2,
    // Test files share their worker's module cache, so test/support/synth.ts synthesizes each
    // environment once per worker instead of once per file.
    isolate: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
