import {
  ActivityFailure, allHandlersFinished, ApplicationFailure, condition, continueAsNew, log, proxyLocalActivities, setHandler, workflowInfo,
} from '@temporalio/workflow';
import type { StockActivities } from '../activities/stock-sync-activities';
import { stockAdjustmentWorkflowId } from '../domain/ids';
import { recordedExceptionWorkflow } from './recorded-exception';
import { startOnce } from './start-once';
import { stockMoveWorkflow } from './stock-move';
import {
  EMPTY_TOTALS, stockChangedSignal, stockStatusQuery, type StockFlushSummary, type StockKey, type StockSyncInput, type StockSyncStatus,
} from './stock-contract';
import { TASK_QUEUES } from './task-queues';

/**
 * A flush is a local activity: it runs in the inventory worker that holds this workflow, and its
 * result goes back with the workflow task, so a flush costs one round trip to the Temporal server
 * instead of three (schedule, dispatch, complete). Under load, that round trip is the latency.
 * Flushes are short; a failing one backs off on a timer beyond a few seconds.
 */
const stock = proxyLocalActivities<StockActivities>({
  startToCloseTimeout: '30s',
  localRetryThreshold: '5s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s' },
});

/** Continue-as-new well before Temporal's suggestion, so a replay after a cache eviction stays cheap. */
const MAX_HISTORY_EVENTS = 3_000;

/**
 * The stock coalescer: one per Sitoo account, on the inventory task queue. Signals say what
 * moved; each flush reads the masters afresh and writes absolute values, everything that piled up
 * during the previous flush going out in one call. One flush at a time makes changes for a SKU
 * and location apply in order; a burst on a hot SKU collapses into one write; a throttled shop
 * only makes flushes slower and bigger.
 */
export async function stockSyncWorkflow(input: StockSyncInput): Promise<void> {
  const pendingTx = new Set<number>(input.pending?.sitooTransactions ?? []);
  const pendingKeys = new Map<string, StockKey>();
  const addKeys = (keys: StockKey[] | undefined) => keys?.forEach((k) => pendingKeys.set(`${k.locationId}\u0000${k.sku}`, k));
  addKeys(input.pending?.keys);
  let flushSeq = input.flushSeq ?? 0;
  const totals = { ...EMPTY_TOTALS, ...input.totals };
  const unmapped = new Set<number>();
  let flushing = false;
  let lastFlush: StockSyncStatus['lastFlush'];

  setHandler(stockChangedSignal, (change) => {
    change.sitooTransactions?.forEach((id) => pendingTx.add(id));
    addKeys(change.keys);
  });
  setHandler(stockStatusQuery, () => ({
    accountId: input.accountId, pendingTransactions: pendingTx.size, pendingKeys: pendingKeys.size, flushing, totals, lastFlush, unmappedWarehouses: [...unmapped],
  }));

  const tooLong = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > (input.maxHistoryEvents ?? MAX_HISTORY_EVENTS);
  for (;;) {
    await condition(() => pendingTx.size > 0 || pendingKeys.size > 0 || tooLong());
    if (tooLong()) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof stockSyncWorkflow>({
        ...input, pending: { sitooTransactions: [...pendingTx], keys: [...pendingKeys.values()] }, flushSeq, totals,
      });
    }
    const transactionIds = [...pendingTx];
    const keys = [...pendingKeys.values()];
    pendingTx.clear();
    pendingKeys.clear();
    flushSeq++;
    flushing = true;
    let summary: StockFlushSummary;
    try {
      summary = await stock.syncStock({ accountId: input.accountId, flushSeq, transactionIds, keys });
    } catch (err) {
      if (!(err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.nonRetryable)) throw err;
      // A refusal must not stop stock for everyone: record it for its owner and carry on. The web
      // levels are put right by the drift check; the ERP records must not be lost, so each
      // transaction gets its record workflow, which reads it and skips what the order flows book.
      await Promise.all(transactionIds.map((id) => startStockMove(input.accountId, id)));
      await recordException(`stock-flush-${input.accountId}-${flushSeq}`, 'ecommerce-rejected', `A stock flush was refused: ${err.cause.message}`, { transactionIds, keys: keys.slice(0, 200), failureType: err.cause.type });
      continue;
    } finally {
      flushing = false;
    }
    lastFlush = { ...summary, at: new Date().toISOString() };
    totals.flushes++;
    totals.transactions += summary.transactions;
    totals.written += summary.written;
    totals.ecommerceCalls += summary.ecommerceCalls;
    totals.staleRetries += summary.staleRetries;
    totals.mirrored += summary.mirrored;
    summary.unmappedWarehouses.forEach((w) => unmapped.add(w));
    await Promise.all([
      ...summary.erpRecords.map(async (r) => {
        if (await startStockMove(input.accountId, r.transactionId)) totals.erpRecordsStarted++;
      }),
      ...(summary.rejected.length
        ? [recordException(`stock-rejected-${input.accountId}-${flushSeq}`, 'ecommerce-rejected', `The web shop refused ${summary.rejected.length} stock level(s)`, { rejected: summary.rejected })]
        : []),
    ]);
  }
}

function startStockMove(accountId: number, transactionId: number): Promise<boolean> {
  return startOnce(stockMoveWorkflow, stockAdjustmentWorkflowId(accountId, transactionId), TASK_QUEUES.main, [{ accountId, transactionId }]);
}

async function recordException(workflowId: string, type: 'ecommerce-rejected', message: string, details: Record<string, unknown>): Promise<void> {
  log.warn('stock exception recorded', { workflowId, type, message });
  await startOnce(recordedExceptionWorkflow, workflowId, TASK_QUEUES.main, [{ type, message, details, allowed: ['acknowledge'] }]);
}
