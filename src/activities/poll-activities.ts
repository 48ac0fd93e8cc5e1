import { heartbeat } from '@temporalio/activity';
import type { SitooPort } from '../connectors/sitoo/port';
import { callOrFail, FAILURE_TYPES } from './failures';

export type SaleStartOutcome = 'started' | 'already-closed';

export interface PollActivityDeps {
  sitoo: SitooPort;
  /** Starts (or finds) the sale workflow for an order; injected so activities stay free of client wiring. */
  startSale: (orderId: number) => Promise<SaleStartOutcome>;
  /** Stores the cursor where the next poll begins (the schedule's own arguments). */
  saveCursor: (scheduleId: string, nextOrderId: number) => Promise<void>;
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
        const { orders } = await callOrFail(FAILURE_TYPES.sitooRejected, () => deps.sitoo.listOrdersFrom(result.nextOrderId, input.pageSize));
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

    async saveSitooPollCursor(input: { scheduleId: string; nextOrderId: number }): Promise<void> {
      await deps.saveCursor(input.scheduleId, input.nextOrderId);
    },
  };
}

export type PollActivities = ReturnType<typeof createPollActivities>;
