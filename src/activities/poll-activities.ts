import { heartbeat } from '@temporalio/activity';
import type { SitooPort } from '../connectors/sitoo/port';
import type { StockChange } from '../workflows/stock-contract';
import { callOrFail, FAILURE_TYPES } from './failures';

export type SaleStartOutcome = 'started' | 'already-closed';

export interface PollActivityDeps {
  sitoo: SitooPort;
  /** Starts (or finds) the sale workflow for an order; injected so activities stay free of client wiring. */
  startSale: (orderId: number) => Promise<SaleStartOutcome>;
  /** Hands stock transactions to the stock coalescer (signal-with-start). */
  signalStock: (change: StockChange) => Promise<void>;
  /** Stores the cursors where the next poll begins (the schedule's own arguments). */
  saveCursor: (scheduleId: string, next: SitooPollCursors) => Promise<void>;
}

export interface SitooPollCursors {
  nextOrderId: number;
  nextTransactionId?: number;
}

export interface StockPollResult {
  fromTransactionId: number;
  nextTransactionId: number;
  seen: number;
}

export interface PollResult {
  fromOrderId: number;
  nextOrderId: number;
  seen: number;
  started: number;
  alreadyClosed: number;
}

/**
 * The polling fallback: reads Sitoo orders from the cursor upwards and starts the same sale
 * workflows the events start. Workflow ids are business keys, so an order the events already
 * brought in lands on its existing workflow; nothing is processed twice.
 */
export function createPollActivities(deps: PollActivityDeps) {
  return {
    async pollSitooOrders(input: { fromOrderId: number; pageSize: number; maxPages: number }): Promise<PollResult> {
      const result: PollResult = { fromOrderId: input.fromOrderId, nextOrderId: input.fromOrderId, seen: 0, started: 0, alreadyClosed: 0 };
      for (let page = 0; page < input.maxPages; page++) {
        const { orders } = await callOrFail(FAILURE_TYPES.sitooRejected, (signal) => deps.sitoo.listOrdersFrom(result.nextOrderId, input.pageSize, { signal }));
        for (const order of orders) {
          result.seen++;
          const outcome = await deps.startSale(order.orderId);
          if (outcome === 'started') result.started++;
          else result.alreadyClosed++;
          result.nextOrderId = order.orderId + 1;
        }
        heartbeat(result.nextOrderId);
        if (orders.length < input.pageSize) break;
      }
      return result;
    },

    /**
     * Stock transactions the events missed: handed to the coalescer page by page, which re-reads
     * the levels (a no-op where the events already did) and starts each ERP record once by id.
     */
    async pollSitooStockTransactions(input: { fromTransactionId: number; pageSize: number; maxPages: number }): Promise<StockPollResult> {
      const result: StockPollResult = { fromTransactionId: input.fromTransactionId, nextTransactionId: input.fromTransactionId, seen: 0 };
      for (let page = 0; page < input.maxPages; page++) {
        const transactions = await callOrFail(FAILURE_TYPES.sitooRejected, (signal) => deps.sitoo.listWarehouseTransactions({ idFrom: result.nextTransactionId, num: input.pageSize }, { signal }));
        // Signal before moving the cursor: a crash in between re-reads transactions, it never skips them.
        if (transactions.length) await deps.signalStock({ sitooTransactions: transactions.map((t) => t.transactionId) });
        result.seen += transactions.length;
        if (transactions.length) result.nextTransactionId = transactions[transactions.length - 1]!.transactionId + 1;
        heartbeat(result.nextTransactionId);
        if (transactions.length < input.pageSize) break;
      }
      return result;
    },

    async saveSitooPollCursor(input: { scheduleId: string } & SitooPollCursors): Promise<void> {
      await deps.saveCursor(input.scheduleId, { nextOrderId: input.nextOrderId, nextTransactionId: input.nextTransactionId });
    },
  };
}

export type PollActivities = ReturnType<typeof createPollActivities>;
