import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { InventoryWorkerEnv } from '../config/env';
import { holdMappingFile } from '../config/mapping-holder';

/**
 * What every worker process starts from: the mapping (re-read on SIGHUP and when the file changes,
 * so a corrected file is picked up and parked work succeeds on "retry"), Temporal connections and
 * the process's connectors.
 */
export async function createWorkerContext<C extends object>(env: InventoryWorkerEnv, logger: Logger, connectors: C) {
  const mapping = await holdMappingFile(env.MAPPING_FILE, logger);
  const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
  const client = new Client({
    connection: await Connection.connect({ address: env.TEMPORAL_ADDRESS }),
    namespace: env.TEMPORAL_NAMESPACE,
  });
  return {
    connection,
    client,
    mapping: () => mapping.current(),
    ...connectors,
    namespace: env.TEMPORAL_NAMESPACE,
    shutdownGraceTime: env.WORKER_SHUTDOWN_GRACE as `${number}s`,
    async close() {
      mapping.close();
      await connection.close();
      await client.connection.close();
    },
  };
}
