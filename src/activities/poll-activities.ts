import type { SitooPort } from '../connectors/sitoo/port';
import {
  capGaps,
  gapsIn,
  remainingGaps,
  type IdGap,
  type PageLimits,
  type SitooPollCursors,
} from '../domain/poll-cursor';
import type { StockChange } from '../domain/stock-flush';
import { callOrFail, FAILURE_TYPES } from './failures';
import { readPages } from './paging';

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

/** How long an id that a poll jumped over is looked for again before it counts as never committed. */
export const GAP_WAIT_MS = 60 * 60_000;

export interface StockPollResult {
  fromTransactionId: number;
  nextTransactionId: number;
  seen: number;
  gaps?: IdGap[];
  /** Gaps that turned up on this run, and gaps given up. */
  gapsFound?: number;
  gapsAbandoned?: number;
}

export interface PollResult {
  fromOrderId: number;
  nextOrderId: number;
  seen: number;
  started: number;
  alreadyClosed: number;
  gaps?: IdGap[];
  gapsFound?: number;
  gapsAbandoned?: number;
}

/**
 * The polling fallback: reads Sitoo orders from the cursor upwards and starts the same sale
 * workflows the events start. Workflow ids are business keys, so an order the events already
 * brought in lands on its existing workflow; nothing is processed twice.
 */
export function createPollActivities(deps: PollActivityDeps) {
  return {
    async pollSitooOrders(
      input: {
        fromOrderId: number;
        gaps?: IdGap[];
      } & PageLimits,
    ): Promise<PollResult> {
      const result: PollResult = {
        fromOrderId: input.fromOrderId,
        nextOrderId: input.fromOrderId,
        seen: 0,
        started: 0,
        alreadyClosed: 0,
      };
      const start = async (orderId: number) => {
        result.seen++;
        if ((await deps.startSale(orderId)) === 'started') result.started++;
        else result.alreadyClosed++;
      };
      const now = Date.now();
      // Orders the cursor jumped over on earlier runs, committed since: one look-up for all of them.
      const earlier = input.gaps ?? [];
      const found = earlier.length
        ? await callOrFail(FAILURE_TYPES.sitooRejected, (signal) =>
            deps.sitoo.listOrdersById(
              earlier.map((g) => g.id),
              { signal },
            ),
          )
        : [];
      for (const order of found) await start(order.orderId);
      const open = remainingGaps(earlier, new Set(found.map((o) => o.orderId)), now, GAP_WAIT_MS);
      const seen: number[] = [];
      await readPages(input.maxPages, async () => {
        const { orders } = await callOrFail(FAILURE_TYPES.sitooRejected, (signal) =>
          deps.sitoo.listOrdersFrom(result.nextOrderId, input.pageSize, { signal }),
        );
        for (const order of orders) {
          await start(order.orderId);
          seen.push(order.orderId);
          result.nextOrderId = order.orderId + 1;
        }
        return { last: orders.length < input.pageSize, cursor: result.nextOrderId };
      });
      Object.assign(result, {
        gaps: capGaps([...open.gaps, ...gapsIn(input.fromOrderId, seen, now)]),
        gapsFound: found.length,
        gapsAbandoned: open.abandoned,
      });
      return result;
    },

    /**
     * Stock transactions the events missed: handed to the coalescer page by page, which re-reads
     * the levels (a no-op where the events already did) and starts each stock adjustment once by id.
     */
    async pollSitooStockTransactions(
      input: {
        fromTransactionId: number;
        gaps?: IdGap[];
      } & PageLimits,
    ): Promise<StockPollResult> {
      const result: StockPollResult = {
        fromTransactionId: input.fromTransactionId,
        nextTransactionId: input.fromTransactionId,
        seen: 0,
      };
      const now = Date.now();
      const earlier = input.gaps ?? [];
      const found = earlier.length
        ? await callOrFail(FAILURE_TYPES.sitooRejected, (signal) =>
            deps.sitoo.listWarehouseTransactions({ ids: earlier.map((g) => g.id) }, { signal }),
          )
        : [];
      if (found.length) await deps.signalStock({ sitooTransactions: found.map((t) => t.transactionId) });
      const open = remainingGaps(earlier, new Set(found.map((t) => t.transactionId)), now, GAP_WAIT_MS);
      const seen: number[] = [];
      await readPages(input.maxPages, async () => {
        const transactions = await callOrFail(FAILURE_TYPES.sitooRejected, (signal) =>
          deps.sitoo.listWarehouseTransactions({ idFrom: result.nextTransactionId, num: input.pageSize }, { signal }),
        );
        // Signal before moving the cursor: a crash in between re-reads transactions, it never skips them.
        if (transactions.length)
          await deps.signalStock({ sitooTransactions: transactions.map((t) => t.transactionId) });
        result.seen += transactions.length;
        seen.push(...transactions.map((t) => t.transactionId));
        if (transactions.length) result.nextTransactionId = transactions[transactions.length - 1]!.transactionId + 1;
        return { last: transactions.length < input.pageSize, cursor: result.nextTransactionId };
      });
      Object.assign(result, {
        gaps: capGaps([...open.gaps, ...gapsIn(input.fromTransactionId, seen, now)]),
        gapsFound: found.length,
        gapsAbandoned: open.abandoned,
      });
      return result;
    },

    async saveSitooPollCursor(input: { scheduleId: string } & SitooPollCursors): Promise<void> {
      const { scheduleId, ...cursors } = input;
      await deps.saveCursor(scheduleId, cursors);
    },
  };
}

export type PollActivities = ReturnType<typeof createPollActivities>;
