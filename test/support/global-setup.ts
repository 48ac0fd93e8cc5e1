import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { startDevServer } from '../../src/local/dev-server';
import { PROJECT_ROOT } from '../../src/local/temporal-cli';
import { WORKFLOWS_PATH } from '../../src/workers/create-workers';
import { WORKFLOW_INTERCEPTOR_MODULES } from '../../src/workers/tracing';
import { TEST_NAMESPACES } from './namespaces';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    workflowBundlePath: string;
  }
}

/**
 * One real Temporal dev server for the whole test run, and the workflows bundled once for every
 * worker, with the tracing interceptors as `npm run build` bundles them (workers made from it need
 * the span sink, `workflowSpanSinks()`).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dataDir = join(PROJECT_ROOT, '.data');
  await mkdir(dataDir, { recursive: true });
  const [server, workflowBundlePath] = await Promise.all([
    startDevServer({
      namespace: 'retail-test',
      extraNamespaces: [...TEST_NAMESPACES],
      dbFile: join(dataDir, 'temporal-test.sqlite'),
    }),
    writeWorkflowBundle(join(dataDir, 'test-workflow-bundle.js')),
  ]);
  project.provide('temporalAddress', server.address);
  project.provide('workflowBundlePath', workflowBundlePath);
  return () => server.stop();
}

/** The workflows bundled once for every worker of a run (also the production-shaped server's run). */
export async function writeWorkflowBundle(path: string): Promise<string> {
  const bundle = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} },
  });
  await writeFile(path, bundle.code);
  return path;
}
