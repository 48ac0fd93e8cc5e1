import { defineConfig } from 'vitest/config';

/**
 * `npm run test:server`: the smoke on the production-shaped Temporal server (the server binary on
 * PostgreSQL, src/local/temporal-server.ts), apart from `npm test` and its dev server.
 */
export default defineConfig({
  test: {
    include: ['test/server/**/*.test.ts'],
    globalSetup: ['test/support/server-global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    maxWorkers: 2,
    reporters: ['default', 'json'],
    outputFile: { json: '.data/test-results-server.json' },
  },
});
