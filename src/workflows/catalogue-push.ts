import { proxyActivities, setHandler } from '@temporalio/workflow';
import type { CatalogueActivities } from '../activities/catalogue-activities';
import { CATALOGUE_WORK, summarised } from './activity-options';
import { cataloguePushStatusQuery, type CataloguePushInput, type CataloguePushStatus } from './catalogue-contract';
import { pushBatch } from './catalogue-sync';

const catalogue = summarised(proxyActivities<CatalogueActivities>(CATALOGUE_WORK), {
  listMasterSkus: ({ category }) => `Read the master's products${category ? ` in ${category}` : ''}`,
});

const DEFAULT_BATCH = 500;
/** From this many products in a batch, Shopify gets a bulk operation instead of one call each. */
const BULK_FROM = 100;

/**
 * A push on demand: one SKU or a few (`npm run ops -- catalogue push --sku ...`), a category, or
 * the whole catalogue (the nightly reconciliation, or a first load into empty subscribers). What
 * each subscriber already holds as the master says is skipped by its fingerprint; Shopify gets
 * large batches as bulk operations. Progress shows in the status query and the UI's details.
 */
export async function cataloguePushWorkflow(input: CataloguePushInput): Promise<CataloguePushStatus> {
  const status: CataloguePushStatus = {
    step: 'reading',
    read: 0,
    pushed: 0,
    subscribers: {},
    startedAt: new Date().toISOString(),
  };
  setHandler(cataloguePushStatusQuery, () => status);
  const { subscribers } = await catalogue.catalogueSettings();
  const batch = input.batchSize ?? DEFAULT_BATCH;
  const push = async (skus: string[]) => {
    status.step = 'pushing';
    await pushBatch(skus, subscribers, status.subscribers, BULK_FROM);
    status.pushed += skus.length;
  };
  if (input.skus?.length) {
    status.read = input.skus.length;
    for (let i = 0; i < input.skus.length; i += batch) await push(input.skus.slice(i, i + batch));
  } else if (input.all || input.category) {
    let cursor: Awaited<ReturnType<CatalogueActivities['listMasterSkus']>>['cursor'] | undefined;
    for (;;) {
      status.step = 'reading';
      const page = await catalogue.listMasterSkus({
        cursor,
        maxProducts: batch,
        ...(input.category ? { category: input.category } : {}),
      });
      status.read += page.skus.length;
      if (page.skus.length) await push(page.skus);
      cursor = page.cursor;
      if (!page.more) break;
    }
  }
  status.step = 'done';
  return status;
}
