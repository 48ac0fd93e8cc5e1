import { patched, proxyActivities } from '@temporalio/workflow';
import type { PollActivities, PollResult, StockPollResult } from '../activities/poll-activities';
import type { IdGap } from '../domain/poll-cursor';
import type { SitooPollInput } from './sitoo-poll-contract';
import { PAGED_READ, summarised } from './activity-options';

const poll = summarised(proxyActivities<PollActivities>(PAGED_READ), {
  pollSitooOrders: ({ fromOrderId }) => `Read Sitoo orders from ${fromOrderId}`,
  pollSitooStockTransactions: ({ fromTransactionId }) => `Read Sitoo warehouse transactions from ${fromTransactionId}`,
  saveSitooPollCursor: ({ nextOrderId, nextTransactionId }) =>
    `Move the cursors to order ${nextOrderId}${nextTransactionId === undefined ? '' : `, transaction ${nextTransactionId}`}`,
});

export async function sitooPollWorkflow(input: SitooPollInput): Promise<PollResult & { stock?: StockPollResult }> {
  const result = await poll.pollSitooOrders({
    fromOrderId: input.fromOrderId,
    pageSize: input.pageSize,
    maxPages: input.maxPages,
    gaps: input.orderGaps,
  });
  let stock: StockPollResult | undefined;
  // Runs recorded before stock was polled replay without this step.
  if (input.fromTransactionId !== undefined && patched('poll-stock-transactions')) {
    stock = await poll.pollSitooStockTransactions({
      fromTransactionId: input.fromTransactionId,
      pageSize: input.pageSize,
      maxPages: input.maxPages,
      gaps: input.transactionGaps,
    });
  }
  // Results recorded before gaps existed carry none, and decide as they did then.
  const gapsChanged =
    gapsDiffer(input.orderGaps, result.gaps) || (stock !== undefined && gapsDiffer(input.transactionGaps, stock.gaps));
  if (
    result.nextOrderId !== input.fromOrderId ||
    (stock && stock.nextTransactionId !== stock.fromTransactionId) ||
    gapsChanged
  ) {
    await poll.saveSitooPollCursor({
      scheduleId: input.scheduleId,
      nextOrderId: result.nextOrderId,
      nextTransactionId: stock?.nextTransactionId,
      ...(result.gaps ? { orderGaps: result.gaps } : {}),
      ...(stock?.gaps ? { transactionGaps: stock.gaps } : {}),
    });
  }
  return { ...result, stock };
}

function gapsDiffer(before: IdGap[] | undefined, after: IdGap[] | undefined): boolean {
  if (after === undefined) return false;
  return (before ?? []).map((g) => g.id).join(',') !== after.map((g) => g.id).join(',');
}
