import type { EcommercePort } from '../connectors/ecommerce/port';
import { PermanentError } from '../connectors/http';
import { missingTopics, nextUpdatedAtFrom, pollAction, type WebOrderPollCursor } from '../domain/web-order-poll';
import type { ClickAndCollectStartConfig } from '../domain/click-and-collect';
import type { WebhookCheck, WebOrderPollCounts } from '../domain/web-order-poll';
import { callOrFail, FAILURE_TYPES } from './failures';
import { readPages } from './paging';
import type { PageLimits } from '../domain/poll-cursor';

export type ClickAndCollectStartOutcome = 'started' | 'already-closed';

export interface WebOrderPollDeps {
  ecommerce: EcommercePort;
  /** Starts (or finds) `collect-<webOrderId>`; injected so activities stay free of client wiring. */
  startClickAndCollect: (
    webOrderId: string,
    config: ClickAndCollectStartConfig,
  ) => Promise<ClickAndCollectStartOutcome>;
  /** Tells `collect-<webOrderId>` its order may be cancelled (signal-with-start), as orders/cancelled does. */
  signalCancelled: (
    webOrderId: string,
    config: ClickAndCollectStartConfig,
    noticeId: string,
  ) => Promise<ClickAndCollectStartOutcome>;
  /** Stores where the next poll begins (the schedule's own arguments). */
  saveCursor: (scheduleId: string, cursor: WebOrderPollCursor) => Promise<void>;
}

/**
 * The fallback for Shopify webhooks that never arrived: orders changed since the cursor land on
 * the same click & collect workflows the webhooks start (the workflow id is the web order id), so
 * an order seen twice, by a webhook and the poll or by two polls, is still handled once.
 */
export function createWebOrderPollActivities(deps: WebOrderPollDeps) {
  return {
    async pollWebOrders(
      input: {
        cursor: WebOrderPollCursor;
        settleMs: number;
        collect: ClickAndCollectStartConfig;
      } & PageLimits,
    ): Promise<WebOrderPollCounts & { next: WebOrderPollCursor }> {
      const counts: WebOrderPollCounts = { seen: 0, started: 0, cancelled: 0, alreadyClosed: 0 };
      const from = input.cursor.updatedAtFrom;
      let after = input.cursor.after;
      let newest: string | undefined;
      const caughtUp = await readPages(input.maxPages, async () => {
        const found = await callOrFail(FAILURE_TYPES.ecommerceRejected, () =>
          deps.ecommerce.listOrdersChangedSince({ updatedAtFrom: from, first: input.pageSize, after }),
        );
        for (const order of found.orders) {
          counts.seen++;
          newest = order.updatedAt;
          const action = pollAction(order, from);
          if (action === 'none') continue;
          const outcome =
            action === 'cancel'
              ? await deps.signalCancelled(order.legacyId, input.collect, `poll-${order.cancelledAt}`)
              : await deps.startClickAndCollect(order.legacyId, input.collect);
          if (outcome === 'already-closed') counts.alreadyClosed++;
          else if (action === 'cancel') counts.cancelled++;
          else counts.started++;
        }
        if (found.hasNextPage) after = found.endCursor ?? undefined;
        return { last: !found.hasNextPage, cursor: counts.seen };
      });
      if (caughtUp) return { ...counts, next: { updatedAtFrom: nextUpdatedAtFrom(from, newest, input.settleMs) } };
      // Stopped at the page limit: the next run goes on with this same search.
      return { ...counts, next: { updatedAtFrom: from, ...(after ? { after } : {}) } };
    },

    /** Are the order topics still subscribed? Missing ones are subscribed again when the address is known. */
    async checkWebhookSubscriptions(input: { topics: string[]; callbackUrl?: string }): Promise<WebhookCheck> {
      const subscriptions = await callOrFail(FAILURE_TYPES.ecommerceRejected, () =>
        deps.ecommerce.listWebhookSubscriptions(input.topics),
      );
      const check: WebhookCheck = {
        missing: missingTopics(subscriptions, input.topics, input.callbackUrl),
        recreated: [],
        refused: [],
      };
      if (input.callbackUrl === undefined) return check;
      for (const topic of check.missing) {
        try {
          await deps.ecommerce.createWebhookSubscription(topic, input.callbackUrl);
          check.recreated.push(topic);
        } catch (err) {
          if (!(err instanceof PermanentError)) throw err;
          check.refused.push({ topic, reason: err.message });
        }
      }
      return check;
    },

    async saveWebOrderPollCursor(input: { scheduleId: string; cursor: WebOrderPollCursor }): Promise<void> {
      await deps.saveCursor(input.scheduleId, input.cursor);
    },
  };
}

export type WebOrderPollActivities = ReturnType<typeof createWebOrderPollActivities>;
