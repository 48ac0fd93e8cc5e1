import {
  ActivityFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { StockActivities } from '../activities/stock-sync-activities';
import { parseDuration } from '../domain/duration';
import type { ExceptionType } from '../domain/exceptions';
import {
  stockAdjustmentWorkflowId,
  stockFlushRefusedExceptionId,
  stockHeldExceptionId,
  stockLevelsRejectedExceptionId,
} from '../domain/ids';
import { STOCK_FLUSH, summarised } from './activity-options';
import { refusalOf } from './parking';
import { recordedExceptionWorkflow } from './recorded-exception';
import { recordedExceptionSummary, type RecordedExceptionInput } from './recorded-exception-contract';
import { startOnce } from './start-once';
import {
  EMPTY_TOTALS,
  STOCK_ADJUSTMENT_TASK_QUEUE,
  STOCK_ADJUSTMENT_WORKFLOW_TYPE,
  stockAdjustmentSummary,
  stockSyncSummary,
  stockChangedSignal,
  stockStatusQuery,
  type HeldStockWork,
  type RefusedStockWork,
  type StockFlushSummary,
  type StockKey,
  type StockSyncInput,
  type StockSyncStatus,
} from './stock-contract';
import { TASK_QUEUES } from './task-queues';

/** A flush is a local activity: see STOCK_FLUSH. */
const stock = summarised(proxyLocalActivities<StockActivities>(STOCK_FLUSH), {
  syncStock: ({ flushSeq, transactionIds, keys }) =>
    `Flush ${flushSeq}: ${transactionIds.length} transaction(s), ${keys.length} level(s)`,
});

/** Continue-as-new well before Temporal's suggestion, so a replay after a cache eviction stays cheap. */
const MAX_HISTORY_EVENTS = 3_000;

/**
 * Before this patch a refused flush was recorded and its levels dropped until the drift check; now
 * refused work is held and tried again, and a standing refusal is recorded once.
 */
const HOLD_REFUSED_WORK = 'stock-flush-holds-refused-work';
const HELD_RETRY = { first: '1m', max: '30m' };
/** A refusal still standing after this long is recorded again, so it cannot stay silent after an acknowledge. */
const HELD_RECORD_AGAIN_MS = 24 * 3_600_000;
/** Keys and transactions listed in a recorded exception; the counts say how many more there were. */
const LISTED = 200;

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
  const addKeys = (keys: StockKey[] | undefined) => keys?.forEach((k) => pendingKeys.set(keyOf(k), k));
  addKeys(input.pending?.keys);
  let flushSeq = input.flushSeq ?? 0;
  const totals = { ...EMPTY_TOTALS, ...input.totals };
  const unmapped = new Set<number>();
  let flushing = false;
  let lastFlush: StockSyncStatus['lastFlush'];
  const held = new Map<string, HeldStockWork>((input.held ?? []).map((h) => [h.part, h]));
  const retryFirstMs = parseDuration(input.heldRetry?.first ?? HELD_RETRY.first) ?? 60_000;
  const retryMaxMs = parseDuration(input.heldRetry?.max ?? HELD_RETRY.max) ?? 30 * 60_000;
  const heldDue = () => [...held.values()].filter((h) => h.retryAt <= Date.now());

  setHandler(stockChangedSignal, (change) => {
    change.sitooTransactions?.forEach((id) => pendingTx.add(id));
    addKeys(change.keys);
  });
  setHandler(stockStatusQuery, () => ({
    accountId: input.accountId,
    pendingTransactions: pendingTx.size,
    pendingKeys: pendingKeys.size,
    flushing,
    totals,
    lastFlush,
    unmappedWarehouses: [...unmapped],
    held: [...held.values()].map((h) => ({
      part: h.part,
      exceptionType: h.exceptionType,
      message: h.message,
      keys: h.keys.length,
      transactions: h.transactionIds.length,
      attempts: h.attempts,
      since: new Date(h.since).toISOString(),
      nextRetryAt: new Date(h.retryAt).toISOString(),
      exceptionId: h.exceptionId,
    })),
  }));

  const tooLong = () =>
    workflowInfo().continueAsNewSuggested ||
    workflowInfo().historyLength > (input.maxHistoryEvents ?? MAX_HISTORY_EVENTS);
  // A run continued as new loses the summary it was started with, so the details carry it too.
  const showDetails = () =>
    setCurrentDetails(
      `${stockSyncSummary(input.accountId)}: ${flushSeq} flush(es)` +
        (lastFlush ? `, the last at ${lastFlush.at.slice(0, 16).replace('T', ' ')} UTC` : '') +
        (held.size ? `; ${held.size} refused part(s) held: ${[...held.keys()].join(', ')}` : ''),
    );
  for (;;) {
    showDetails();
    const ready = () => pendingTx.size > 0 || pendingKeys.size > 0 || tooLong() || heldDue().length > 0;
    // Held work wakes the coalescer at its next try; without any, the wait is exactly what it always was.
    if (held.size === 0) await condition(ready);
    else await condition(ready, Math.max(1, Math.min(...[...held.values()].map((h) => h.retryAt)) - Date.now()));
    if (tooLong()) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof stockSyncWorkflow>({
        ...input,
        pending: { sitooTransactions: [...pendingTx], keys: [...pendingKeys.values()] },
        flushSeq,
        totals,
        held: [...held.values()],
      });
    }
    const due = heldDue();
    if (pendingTx.size === 0 && pendingKeys.size === 0 && due.length === 0) continue;
    const transactionIds = [...new Set([...pendingTx, ...due.flatMap((h) => h.transactionIds)])];
    const keys = [
      ...new Map([...pendingKeys, ...due.flatMap((h) => h.keys.map((k) => [keyOf(k), k] as const))]).values(),
    ];
    pendingTx.clear();
    pendingKeys.clear();
    flushSeq++;
    flushing = true;
    let summary: StockFlushSummary;
    try {
      summary = await stock.syncStock({ accountId: input.accountId, flushSeq, transactionIds, keys });
    } catch (err) {
      const refusal = refusalOf(err);
      if (!refusal) throw err;
      if (patched(HOLD_REFUSED_WORK)) {
        // Refused outright: every level and transaction of this flush is held and tried again.
        const failureType = refusal.type ?? 'Refused';
        await holdRefused(due, [
          {
            part: `${failureType}:flush`,
            exceptionType: 'ecommerce-rejected',
            failureType,
            message: refusal.message,
            keys,
            transactionIds,
          },
        ]);
        continue;
      }
      // Before the patch a refused local activity (a bare ApplicationFailure) failed the coalescer.
      if (!(err instanceof ActivityFailure)) throw err;
      // A refusal must not stop stock for everyone: record it for its owner and carry on. The web
      // levels are put right by the drift check; the stock adjustments must not be lost, so each
      // transaction gets its stock adjustment workflow, which reads it and skips what the order flows book.
      await Promise.all(transactionIds.map((id) => startStockAdjustment(input.accountId, id)));
      await recordException(
        stockFlushRefusedExceptionId(input.accountId, flushSeq),
        'ecommerce-rejected',
        `A stock flush was refused: ${refusal.message}`,
        { transactionIds, keys: keys.slice(0, 200), failureType: refusal.type },
      );
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
    // The shop's refusals are in `rejected` for the path before the patch, and among `refused` after it.
    const refused = summary.refused ?? [];
    const holds = (due.length > 0 || refused.length > 0 || summary.rejected.length > 0) && patched(HOLD_REFUSED_WORK);
    await Promise.all([
      ...summary.erpRecords.map(async (r) => {
        if (await startStockAdjustment(input.accountId, r.transactionId)) totals.erpRecordsStarted++;
      }),
      ...(holds ? [holdRefused(due, refused)] : []),
      ...(!holds && summary.rejected.length
        ? [
            recordException(
              stockLevelsRejectedExceptionId(input.accountId, flushSeq),
              'ecommerce-rejected',
              `The web shop refused ${summary.rejected.length} stock level(s)`,
              { rejected: summary.rejected },
            ),
          ]
        : []),
    ]);
  }

  /**
   * Settles held work after a flush that included `due`: a due part not refused again went out
   * and is released; a refused part is held (or stays held, its keys merged), tried again after a
   * doubling interval, and recorded as an exception once per standing refusal. Transactions whose
   * flush never read them still get their stock adjustment, which reads them itself.
   */
  async function holdRefused(due: HeldStockWork[], refused: RefusedStockWork[]): Promise<void> {
    const now = Date.now();
    const alreadyHeld = new Set(due.flatMap((h) => h.transactionIds));
    for (const h of due) {
      if (refused.some((r) => r.part === h.part)) continue;
      held.delete(h.part);
      log.info('held stock work went through', {
        part: h.part,
        keys: h.keys.length,
        transactions: h.transactionIds.length,
        attempts: h.attempts,
      });
    }
    const toRecord: HeldStockWork[] = [];
    const exceptionId = (part: string) => stockHeldExceptionId(input.accountId, part, flushSeq);
    for (const r of refused) {
      const standing = held.get(r.part);
      if (!standing) {
        const h: HeldStockWork = {
          ...r,
          since: now,
          attempts: 1,
          retryAt: now + retryFirstMs,
          exceptionId: exceptionId(r.part),
          recordedAt: now,
        };
        held.set(r.part, h);
        toRecord.push(h);
        continue;
      }
      standing.keys = [...new Map([...standing.keys, ...r.keys].map((k) => [keyOf(k), k])).values()];
      standing.transactionIds = [...new Set([...standing.transactionIds, ...r.transactionIds])];
      standing.message = r.message;
      if (due.includes(standing)) {
        standing.attempts++;
        standing.retryAt = now + Math.min(retryMaxMs, retryFirstMs * 2 ** (standing.attempts - 1));
      }
      log.warn('stock work still refused', {
        part: r.part,
        attempts: standing.attempts,
        nextRetryAt: new Date(standing.retryAt).toISOString(),
      });
      if (now - standing.recordedAt >= HELD_RECORD_AGAIN_MS) {
        standing.exceptionId = exceptionId(r.part);
        standing.recordedAt = now;
        toRecord.push(standing);
      }
    }
    const unread = refused
      .flatMap((r) => r.transactionIds)
      .filter((id, i, all) => !alreadyHeld.has(id) && all.indexOf(id) === i);
    await Promise.all([
      ...unread.map((id) => startStockAdjustment(input.accountId, id)),
      ...toRecord.map((h) => {
        const locations = [...new Set(h.keys.map((k) => k.locationId))];
        return recordException(
          h.exceptionId,
          h.exceptionType,
          heldMessage(h, retryMaxMs),
          {
            part: h.part,
            failureType: h.failureType,
            keys: h.keys.slice(0, LISTED),
            keyCount: h.keys.length,
            transactionIds: h.transactionIds.slice(0, LISTED),
            transactionCount: h.transactionIds.length,
            since: new Date(h.since).toISOString(),
          },
          locations.length === 1 ? locations[0] : undefined,
        );
      }),
    ]);
  }
}

const keyOf = (k: StockKey) => `${k.locationId}\u0000${k.sku}`;

function heldMessage(h: HeldStockWork, retryMaxMs: number): string {
  const every = retryMaxMs < 60_000 ? `${Math.round(retryMaxMs / 1000)} s` : `${Math.round(retryMaxMs / 60_000)} min`;
  return (
    `${h.keys.length} web stock level(s) and ${h.transactionIds.length} transaction(s) are held because a stock flush was refused (${h.failureType}): ${h.message}. ` +
    `They are tried again automatically, backing off to once every ${every}, and go out once the cause is fixed; acknowledge after fixing it.`
  );
}

function startStockAdjustment(accountId: number, transactionId: number): Promise<boolean> {
  return startOnce(
    STOCK_ADJUSTMENT_WORKFLOW_TYPE,
    stockAdjustmentWorkflowId(accountId, transactionId),
    STOCK_ADJUSTMENT_TASK_QUEUE,
    [{ accountId, transactionId }],
    stockAdjustmentSummary(accountId, transactionId),
  );
}

async function recordException(
  workflowId: string,
  type: ExceptionType,
  message: string,
  details: Record<string, unknown>,
  storeId?: string,
): Promise<void> {
  log.warn('stock exception recorded', { workflowId, type, message });
  const input: RecordedExceptionInput = {
    type,
    message,
    details,
    allowed: ['acknowledge'],
    ...(storeId ? { storeId } : {}),
  };
  await startOnce(recordedExceptionWorkflow, workflowId, TASK_QUEUES.main, [input], recordedExceptionSummary(input));
}
