/** One namespace per test file that runs workers, created when the dev server starts. */
export const TEST_NAMESPACES = [
  'wf-sale',
  'e2e-events',
  'e2e-worker-restart',
  'e2e-polling',
  'e2e-store-stock',
  'e2e-warehouse-stock',
  'e2e-stock-priority',
  'wf-stock',
  'wf-collect',
  'wf-return',
  'e2e-collect',
  'e2e-web-poll',
  'e2e-returns',
  'e2e-eod',
  'e2e-erp',
  'e2e-receivers',
  'e2e-personal-data',
  'e2e-build',
  'e2e-health',
  'e2e-observability',
  'e2e-escalation',
  'e2e-bulk-resolve',
  'e2e-catalogue',
] as const;
export type TestNamespace = (typeof TEST_NAMESPACES)[number];

/**
 * The production-shaped server's test files (test/server): nothing creates these at start there;
 * its global set-up registers them with `temporal:setup`, as a deploy does.
 */
export const SERVER_TEST_NAMESPACES = ['server-smoke'] as const;
export type ServerTestNamespace = (typeof SERVER_TEST_NAMESPACES)[number];
