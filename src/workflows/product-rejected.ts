import { proxyActivities } from '@temporalio/workflow';
import type { CatalogueActivities } from '../activities/catalogue-activities';
import { CATALOGUE_WORK } from './activity-options';
import {
  productRejectedStatusQuery,
  type ProductRejectedInput,
  type ProductRejectedStatus,
} from './catalogue-contract';
import { installParking } from './parking';

const catalogue = proxyActivities<CatalogueActivities>(CATALOGUE_WORK);

/**
 * A product a subscriber refused (invalid SKU, a barcode another product holds, a negative price):
 * parked for merchandising with the subscriber's own reason, while the rest of its batch went on.
 * `retry` pushes the master's current state again (after the fix in the master); `skip` leaves the
 * product out of that subscriber until its next change.
 */
export async function productRejectedWorkflow(input: ProductRejectedInput): Promise<ProductRejectedStatus> {
  const status: ProductRejectedStatus = {
    step: 'pushing',
    resolutions: [],
    system: input.system,
    sku: input.sku,
    lastReason: input.reason,
  };
  const parking = installParking({
    status,
    statusQuery: productRejectedStatusQuery,
    refusalActions: ['retry', 'skip'],
    skipEnds: true,
  });
  return parking.run(
    async () => {
      let reason: string | undefined = input.reason;
      while (reason !== undefined) {
        await parking.park(
          'product-rejected',
          `${input.system} refused product ${input.sku}: ${reason}`,
          { system: input.system, sku: input.sku, masterId: input.masterId, reason },
          ['retry', 'skip'],
        );
        const o = await catalogue.syncProducts({ system: input.system, skus: [input.sku], force: true });
        reason = o.rejected[0]?.reason;
        if (reason !== undefined) status.lastReason = reason;
      }
      status.step = 'done';
      return status;
    },
    () => status,
  );
}
