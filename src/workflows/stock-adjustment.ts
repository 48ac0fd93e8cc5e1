import { ActivityFailure, allHandlersFinished, ApplicationFailure, condition, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { StockAdjustmentActivities, StockAdjustmentOutcome } from '../activities/stock-adjustment-activities';
import type { ExceptionType } from '../domain/exceptions';
import { installParking } from './parking';
import { SA } from './search-attributes';
import { stockAdjustmentStatusQuery, type StockAdjustmentInput, type StockAdjustmentStatus } from './stock-contract';

const record = proxyActivities<StockAdjustmentActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' },
});

/**
 * The stock adjustment that books one store stock change that is not a sale or refund (manual
 * adjustment, stock-taking, transfer) in the ERP: started by the stock coalescer, on the main queue, because the ERP can
 * lag while the web shop must not. What the ERP cannot take parks here, with its owner.
 */
export async function stockAdjustmentWorkflow(input: StockAdjustmentInput): Promise<StockAdjustmentStatus> {
  const parking = installParking();
  const status: StockAdjustmentStatus = { transactionId: input.transactionId, step: 'recording', resolutions: parking.resolutions };
  setHandler(stockAdjustmentStatusQuery, () => ({ ...status, exception: parking.current() }));

  const park = async (type: ExceptionType, message: string, details: Record<string, unknown>) => {
    status.step = 'parked';
    const r = await parking.park(type, message, details, ['retry', 'skip']);
    status.step = r.action === 'skip' ? 'skipped' : 'recording';
  };

  while (status.step === 'recording') {
    let outcome: StockAdjustmentOutcome;
    try {
      outcome = await record.recordStoreStockChange({ transactionId: input.transactionId });
    } catch (err) {
      if (!(err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.nonRetryable)) throw err;
      await park('erp-rejected', err.cause.message, { transactionId: input.transactionId, failureType: err.cause.type });
      continue;
    }
    status.outcome = outcome;
    switch (outcome.outcome) {
      case 'recorded':
        status.step = 'recorded';
        break;
      case 'booked-by-order-flow':
        status.step = 'not-for-erp';
        break;
      case 'not-found':
        await park('unprocessable-event', `Sitoo has no warehouse transaction ${input.transactionId}`, { transactionId: input.transactionId });
        break;
      case 'unmapped-warehouse':
        upsertSearchAttributes([{ key: SA.storeId, value: `sitoo-warehouse-${outcome.warehouseId}` }]);
        await park('unmapped-warehouse', `Sitoo warehouse ${outcome.warehouseId} is not mapped to an ERP location; fix the mapping file, reload it, then retry`, { warehouseId: outcome.warehouseId, transactionId: input.transactionId });
        break;
      case 'master-conflict':
        await park('stock-master-conflict', outcome.message, { transactionId: input.transactionId });
        break;
      case 'unknown-items':
        await park('unknown-sku', `The ERP does not know item ${outcome.skus.join(', ')}`, { skus: outcome.skus, system: 'erp', transactionId: input.transactionId });
        break;
    }
  }
  await condition(allHandlersFinished);
  return { ...status, exception: undefined };
}
