import { patched, proxyActivities } from '@temporalio/workflow';
import type { PollActivities, PollResult, StockPollResult } from '../activities/poll-activities';

/** Started by the per-account Temporal Schedule; the schedule's arguments carry the cursor. */
export interface SitooPollInput {
  scheduleId: string;
  fromOrderId: number;
  /** Absent in schedules made before stock transactions were polled; set-up fills it in. */
  fromTransactionId?: number;
  pageSize: number;
  maxPages: number;
}

const poll = proxyActivities<PollActivities>({
  startToCloseTimeout: '5m',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

export async function sitooPollWorkflow(input: SitooPollInput): Promise<PollResult & { stock?: StockPollResult }> {
  const result = await poll.pollSitooOrders({ fromOrderId: input.fromOrderId, pageSize: input.pageSize, maxPages: input.maxPages });
  let stock: StockPollResult | undefined;
  // Runs recorded before stock was polled replay without this step.
  if (input.fromTransactionId !== undefined && patched('poll-stock-transactions')) {
    stock = await poll.pollSitooStockTransactions({ fromTransactionId: input.fromTransactionId, pageSize: input.pageSize, maxPages: input.maxPages });
  }
  if (result.nextOrderId !== input.fromOrderId || (stock && stock.nextTransactionId !== stock.fromTransactionId)) {
    await poll.saveSitooPollCursor({ scheduleId: input.scheduleId, nextOrderId: result.nextOrderId, nextTransactionId: stock?.nextTransactionId });
  }
  return { ...result, stock };
}
