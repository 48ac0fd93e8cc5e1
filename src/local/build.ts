import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { build } from 'esbuild';
import { WORKFLOW_INTERCEPTOR_MODULES } from '../workers/tracing';
import { PROJECT_ROOT } from './temporal-cli';

/** The processes the image runs (`node dist/<path>.js`); the simulators only for compose and local clusters. */
export const ENTRY_POINTS = [
  'workers/main.ts',
  'workers/inventory.ts',
  'workers/catalogue.ts',
  'starters/run-events-receiver.ts',
  'starters/temporal-setup.ts',
  'starters/ops.ts',
  'local/simulators-server.ts',
];

/**
 * `npm run build` (after `tsc --noEmit -p tsconfig.build.json`): each entry point bundled by esbuild
 * into one ES module of our code, packages left to node_modules, and the workflows bundled once
 * into `workflow-bundle.js` with the tracing interceptors, which the workers load instead of
 * bundling at every start.
 *
 * esbuild rather than tsc's emit: the sources import without extensions (moduleResolution
 * Bundler), which Node's ES module loader refuses; bundling keeps them as they are.
 */
export async function buildDist(outDir = join(PROJECT_ROOT, 'dist')): Promise<void> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const src = join(PROJECT_ROOT, 'src');
  await Promise.all([
    build({
      entryPoints: ENTRY_POINTS.map((e) => join(src, e)),
      outbase: src,
      outdir: outDir,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      sourcemap: true,
      logLevel: 'warning',
    }),
    bundleWorkflowCode({
      workflowsPath: join(src, 'workflows', 'index.ts'),
      workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
      logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} },
    }).then((bundle) => writeFile(join(outDir, 'workflow-bundle.js'), bundle.code)),
  ]);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildDist(process.argv[2] ? resolve(process.argv[2]) : undefined).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
