import { Connection } from '@temporalio/client';
import { createLogger } from '../config/logger';
import { runMain } from '../bootstrap/entrypoint';
import { describeTemporal, loadTemporalConfig } from '../bootstrap/temporal-connection';
import { ensureNamespaceSetup, SetupRefusedError } from './namespace-setup';

/**
 * `npm run temporal:setup`: the namespace and its search attributes on a self-hosted cluster,
 * through the same connection settings as the workers. Run it before them; it may run again at
 * every deploy. Exits 0 when everything is in place, 1 with what to do when it cannot be.
 */
runMain(async () => {
  const logger = createLogger('temporal-setup', process.env.LOG_LEVEL);
  const temporal = loadTemporalConfig();
  const connection = await Connection.connect(temporal.connection);
  try {
    const result = await ensureNamespaceSetup(connection, temporal.namespace);
    logger.info(
      { temporal: describeTemporal(temporal), ...result },
      'Temporal namespace and search attributes in place',
    );
  } catch (err) {
    if (!(err instanceof SetupRefusedError)) throw err;
    console.error(err.message);
    process.exitCode = 1;
  } finally {
    await connection.close();
  }
});
