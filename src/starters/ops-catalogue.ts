import { parseArgs } from 'node:util';
import { loadEnv } from '../config/env';
import { dataConverter } from '../bootstrap/data-converter';
import { connectClient, loadTemporalConfig } from '../bootstrap/temporal-connection';
import { startCataloguePush } from '../client/catalogue-starts';
import { cataloguePushStatusQuery, type CataloguePushInput } from '../workflows/catalogue-contract';

/**
 * `npm run ops -- catalogue push (--sku A [--sku B ...] | --category C | --all) --requested-by <who> [--wait]`:
 * pushes products from the master to Sitoo and Shopify now, instead of at the next sync: one SKU
 * after a fix in the master, a category, or the whole catalogue (what the nightly reconciliation
 * does). Prints the workflow id; with `--wait`, its progress until done. Exit 0 when started (or
 * done), 2 for bad arguments.
 */
export const CATALOGUE_USAGE =
  'usage: npm run ops -- catalogue push (--sku <SKU> [--sku ...] | --category <code> | --all) --requested-by <who> [--wait]';

export async function catalogueCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        sku: { type: 'string', multiple: true },
        category: { type: 'string' },
        all: { type: 'boolean', default: false },
        'requested-by': { type: 'string' },
        wait: { type: 'boolean', default: false },
      },
    });
  } catch (err) {
    console.error(`${(err as Error).message}\n${CATALOGUE_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const chosen = [values.sku?.length ? 1 : 0, values.category ? 1 : 0, values.all ? 1 : 0].reduce((a, b) => a + b);
  const problem =
    positionals[0] !== 'push'
      ? `unknown catalogue command ${JSON.stringify(positionals[0] ?? '')}`
      : chosen !== 1
        ? 'give exactly one of --sku, --category or --all'
        : !values['requested-by']?.trim()
          ? '--requested-by is required: it is kept with the push'
          : undefined;
  if (problem) {
    console.error(`${problem}\n${CATALOGUE_USAGE}`);
    return 2;
  }
  const input: CataloguePushInput = {
    requestedBy: values['requested-by']!.trim(),
    ...(values.sku?.length ? { skus: values.sku.map((s) => s.trim().toUpperCase()) } : {}),
    ...(values.category ? { category: values.category.trim().toUpperCase() } : {}),
    ...(values.all ? { all: true } : {}),
  };
  const env = loadEnv('ops-resolve');
  const client = await connectClient(loadTemporalConfig(), { dataConverter: dataConverter(env) });
  try {
    const workflowId = await startCataloguePush(client, input);
    console.log(`started ${workflowId}`);
    if (!values.wait) return 0;
    const handle = client.workflow.getHandle(workflowId);
    let last = '';
    for (;;) {
      const done = await Promise.race([
        handle.result().then(() => true),
        new Promise<false>((r) => setTimeout(() => r(false), 2_000)),
      ]);
      const s = await handle.query(cataloguePushStatusQuery);
      const line = `${s.step}: ${s.read} read, ${s.pushed} pushed ${JSON.stringify(s.subscribers)}`;
      if (line !== last) console.log(line);
      last = line;
      if (done) return 0;
    }
  } finally {
    await client.connection.close();
  }
}
