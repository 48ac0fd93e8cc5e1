import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // Two cores: files share one Temporal dev server; run at most two files at a time.
    maxWorkers: 2,
    reporters: ['default', 'json'],
    outputFile: { json: '.data/test-results.json' },
  },
});
