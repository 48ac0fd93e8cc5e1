import { proxyActivities } from '@temporalio/workflow';
import type { StockAdjustmentActivities } from '../activities/stock-adjustment-activities';
import { unmappedWarehouseStoreId, type ExceptionType } from '../domain/exceptions';
import { OUTSIDE_CALL, summarised } from './activity-options';
import { installParking } from './parking';
import { stockAdjustmentStatusQuery, type StockAdjustmentInput, type StockAdjustmentStatus } from './stock-contract';

const record = summarised(proxyActivities<StockAdjustmentActivities>(OUTSIDE_CALL), {
  recordStoreStockChange: ({ transactionId }) => `Book Sitoo warehouse transaction ${transactionId} in the ERP`,
});

/**
 * The stock adjustment that books one store stock change that is not a sale or refund (manual
 * adjustment, stock-taking, transfer) in the ERP: started by the stock coalescer, on the main
 * queue, because the ERP can lag while the web shop must not. What the ERP cannot take parks
 * here, with its owner.
 */
export async function stockAdjustmentWorkflow(input: StockAdjustmentInput): Promise<StockAdjustmentStatus> {
  const status: StockAdjustmentStatus = { transactionId: input.transactionId, step: 'recording', resolutions: [] };
  const parking = installParking({
    status,
    statusQuery: stockAdjustmentStatusQuery,
    skipEnds: true,
    refusalActions: ['retry', 'skip'],
  });
  const park = (type: ExceptionType, message: string, details: Record<string, unknown>) =>
    parking.park(type, message, details, ['retry', 'skip']);

  await parking.run(
    async () => {
      while (status.step === 'recording') {
        const outcome = await parking.orPark(
          'erp-rejected',
          () => record.recordStoreStockChange({ transactionId: input.transactionId }),
          { details: { transactionId: input.transactionId } },
        );
        status.outcome = outcome;
        switch (outcome.outcome) {
          case 'recorded':
            status.step = 'recorded';
            break;
          case 'booked-by-order-flow':
            status.step = 'not-for-erp';
            break;
          case 'not-found':
            await park('unprocessable-event', `Sitoo has no warehouse transaction ${input.transactionId}`, {
              transactionId: input.transactionId,
            });
            break;
          case 'unmapped-warehouse':
            parking.atStore(unmappedWarehouseStoreId(outcome.warehouseId));
            await park(
              'unmapped-warehouse',
              `Sitoo warehouse ${outcome.warehouseId} is not mapped to an ERP location; fix the mapping file, reload it, then retry`,
              { warehouseId: outcome.warehouseId, transactionId: input.transactionId },
            );
            break;
          case 'master-conflict':
            await park('stock-master-conflict', outcome.message, { transactionId: input.transactionId });
            break;
          case 'unknown-items':
            await park('unknown-sku', `The ERP does not know item ${outcome.skus.join(', ')}`, {
              skus: outcome.skus,
              system: 'erp',
              transactionId: input.transactionId,
            });
            break;
        }
      }
    },
    () => undefined,
  );
  return { ...status, exception: undefined };
}
