import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { NativeConnection } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { InventoryWorkerEnv } from '../config/env';
import { holdMappingFile } from '../config/mapping-holder';
import { dataConverter } from '../bootstrap/data-converter';
import { connectClient, loadTemporalConfig } from '../bootstrap/temporal-connection';
import type { Tracing } from '../bootstrap/tracing';

/**
 * `npm run build` writes the workflows' bundle beside the compiled entry points (dist/); run from
 * source there is none, and the worker bundles the workflows at start.
 */
const BUILT_WORKFLOW_BUNDLE = fileURLToPath(new URL('../workflow-bundle.js', import.meta.url));

/**
 * What every worker process starts from: the mapping (re-read on SIGHUP and when the file changes,
 * so a corrected file is picked up and parked work succeeds on "retry"), Temporal connections and
 * the process's connectors. With tracing, the client its activities start and signal workflows
 * with carries the activity's trace on.
 */
export async function createWorkerContext<C extends object>(
  env: InventoryWorkerEnv,
  logger: Logger,
  connectors: C,
  tracing?: Tracing,
) {
  const mapping = await holdMappingFile(env.MAPPING_FILE, logger);
  const temporal = loadTemporalConfig();
  const connection = await NativeConnection.connect(temporal.connection);
  const converter = dataConverter(env, logger);
  const client = await connectClient(temporal, {
    dataConverter: converter,
    ...(tracing && { interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } }),
  });
  return {
    connection,
    client,
    mapping: () => mapping.current(),
    ...connectors,
    namespace: temporal.namespace,
    dataConverter: converter,
    temporal,
    workflowBundle: existsSync(BUILT_WORKFLOW_BUNDLE) ? { codePath: BUILT_WORKFLOW_BUNDLE } : undefined,
    shutdownGraceTime: env.WORKER_SHUTDOWN_GRACE as `${number}s`,
    tracing,
    async close() {
      mapping.close();
      await connection.close();
      await client.connection.close();
      await tracing?.shutdown();
    },
  };
}
