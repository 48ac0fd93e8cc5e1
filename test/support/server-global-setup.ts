import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startTemporalServer } from '../../src/local/temporal-server';
import { PROJECT_ROOT } from '../../src/local/temporal-cli';
import { writeWorkflowBundle } from './global-setup';
import { SERVER_TEST_NAMESPACES } from './namespaces';

/**
 * `npm run test:server`: one production-shaped Temporal server (the server binary on PostgreSQL)
 * for the run, its namespaces registered by `temporal:setup`, and the workflows bundled once.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dataDir = join(PROJECT_ROOT, '.data');
  await mkdir(dataDir, { recursive: true });
  const started = Date.now();
  const [starting, bundling] = await Promise.allSettled([
    startTemporalServer({ namespaces: [...SERVER_TEST_NAMESPACES] }),
    writeWorkflowBundle(join(dataDir, 'server-test-workflow-bundle.js')),
  ]);
  if (starting.status === 'rejected') throw starting.reason;
  const server = starting.value;
  if (bundling.status === 'rejected') {
    await server.stop();
    throw bundling.reason;
  }
  const workflowBundlePath = bundling.value;
  const steps = Object.entries(server.timings)
    .map(([step, ms]) => `${step} ${(ms / 1000).toFixed(1)} s`)
    .join(', ');
  console.log(
    `Temporal server on PostgreSQL at ${server.address} in ${((Date.now() - started) / 1000).toFixed(1)} s (${steps})`,
  );
  project.provide('temporalAddress', server.address);
  project.provide('workflowBundlePath', workflowBundlePath);
  return async () => {
    const stopping = Date.now();
    await server.stop();
    console.log(`Temporal server and PostgreSQL stopped in ${((Date.now() - stopping) / 1000).toFixed(1)} s`);
  };
}
