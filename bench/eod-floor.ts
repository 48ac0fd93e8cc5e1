import { MockActivityEnvironment } from '@temporalio/testing';
import { createEndOfDayActivities } from '../src/activities/end-of-day-activities';
import { loadEnv } from '../src/config/env';
import { DEFAULT_JOURNAL_ACCOUNTS } from '../src/config/journal-accounts';
import { loadMappingFile } from '../src/config/mapping-file';
import { createConnectors } from '../src/bootstrap/connectors';

/**
 * The baseline for `bench:eod`, run as a child process like the worker: the same end-of-day reads
 * (resolve the day, summarise it, match the payout) for every store at once, called directly
 * with no Temporal in between. The journal post is left out because it writes; it is one look-up
 * and one small post per store. Prints `{ seconds, stores }` as JSON on stdout.
 *
 * Usage: tsx bench/eod-floor.ts <date> <arrivalTo> <storeId>... (environment as for the workers).
 */
async function main(): Promise<void> {
  const [date, arrivalTo, ...storeIds] = process.argv.slice(2);
  if (!date || !arrivalTo || storeIds.length === 0)
    throw new Error('usage: eod-floor.ts <date> <arrivalTo> <storeId>...');
  const env = loadEnv('main-worker');
  const mapping = await loadMappingFile(env.MAPPING_FILE);
  const connectors = createConnectors(env);
  const eod = createEndOfDayActivities({
    sitoo: connectors.sitoo,
    erp: connectors.erp,
    payouts: connectors.payouts,
    mapping: () => mapping,
    accounts: DEFAULT_JOURNAL_ACCOUNTS,
  });
  const started = performance.now();
  await Promise.all(
    storeIds.map(async (storeId) => {
      // The mock environment gives heartbeat() a context; it talks to no server.
      const run = <A extends unknown[], R>(fn: (...a: A) => Promise<R>, ...a: A): Promise<R> =>
        new MockActivityEnvironment().run<A, R, typeof fn>(fn, ...a);
      const day = await run(eod.resolveStoreDay, { storeId, date });
      const summary = await run(eod.summariseDay, { day });
      const payout = await run(eod.matchDayPayouts, { day, arrivalTo });
      if (summary.saleGapCount > 0 || payout.unmatchedCount > 0)
        throw new Error(`baseline for ${storeId} found gaps: the seeded day should have none`);
    }),
  );
  process.stdout.write(
    `${JSON.stringify({ seconds: (performance.now() - started) / 1000, stores: storeIds.length })}\n`,
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
