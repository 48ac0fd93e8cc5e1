import { proxyActivities } from '@temporalio/workflow';
import type { CatalogueActivities } from '../activities/catalogue-activities';
import { CATALOGUE_WORK } from './activity-options';
import type { ProductEditCheckInput } from './catalogue-contract';
import { recordConflicts } from './catalogue-sync';

const catalogue = proxyActivities<CatalogueActivities>(CATALOGUE_WORK);

/**
 * A subscriber said a product changed (Shopify's products/update): the product is read back from
 * the subscriber and compared with the master. Our own writes come back as such notices too; they
 * match the master and end here without a report. A real edit of a mastered field is put back (or
 * only reported, per field policy) and recorded as `master-data-conflict`.
 */
export async function productEditCheckWorkflow(input: ProductEditCheckInput): Promise<{ conflicts: number }> {
  const { reports } = await catalogue.checkEdits({
    system: input.system,
    ...(input.skus ? { skus: input.skus } : {}),
    ...(input.productId ? { productId: input.productId } : {}),
    ...(input.notice ? { notice: input.notice } : {}),
  });
  await recordConflicts(reports);
  return { conflicts: reports.length };
}
