import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';
import { TASK_QUEUES } from './task-queues';

/**
 * Activity options by kind of work, so every flow calls the outside world the same way. In every
 * preset technical failures (timeouts, 5xx, throttling) retry for as long as it takes, because an
 * outage must not lose a sale; business refusals come back non-retryable and park
 * (`parking.ts`). A preset never sets maximumAttempts.
 */
const UNTIL_IT_WORKS = { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' };
/** For long or scheduled work, where a quick second try buys nothing. */
const UNTIL_IT_WORKS_SLOWLY = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' };

/** One call (or a few) to one outside system: read an order, write a web order, look up a store. */
export const OUTSIDE_CALL: ActivityOptions = { startToCloseTimeout: '30s', retry: UNTIL_IT_WORKS };

/**
 * A document write to the ERP. The heartbeat timeout lets Temporal's cancellation (a timed-out
 * attempt, a closed workflow) reach the call while it runs (the worker heartbeats for it), so no
 * attempt outlives its retry and writes beside the next one.
 */
export const ERP_WRITE: ActivityOptions = { ...OUTSIDE_CALL, heartbeatTimeout: '10s' };

/** Web stock reads and writes, on the inventory queue so a long batch never delays them. */
export const WEB_STOCK_CALL: ActivityOptions = {
  taskQueue: TASK_QUEUES.inventory,
  startToCloseTimeout: '15s',
  retry: UNTIL_IT_WORKS,
};

/** A poll that reads pages until it is caught up; heartbeats show it is alive between pages. */
export const PAGED_READ: ActivityOptions = {
  startToCloseTimeout: '5m',
  heartbeatTimeout: '30s',
  retry: UNTIL_IT_WORKS_SLOWLY,
};

/** A store's whole day (read, post, match): long, with a heartbeat to notice a dead worker within a minute. */
export const DAY_WORK: ActivityOptions = {
  startToCloseTimeout: '10m',
  heartbeatTimeout: '1m',
  retry: UNTIL_IT_WORKS_SLOWLY,
};

/**
 * Product and price work, on the catalogue queue so it never takes a slot or a rate budget from
 * stock. A batch of products is long (a Shopify bulk load runs for minutes); the heartbeat notices
 * a dead worker and carries cancellation into the call.
 */
export const CATALOGUE_WORK: ActivityOptions = {
  taskQueue: TASK_QUEUES.catalogue,
  startToCloseTimeout: '15m',
  heartbeatTimeout: '1m',
  retry: UNTIL_IT_WORKS_SLOWLY,
};

/** A comparison of every SKU at one location, on the inventory queue. */
export const LOCATION_SWEEP: ActivityOptions = {
  taskQueue: TASK_QUEUES.inventory,
  startToCloseTimeout: '10m',
  retry: UNTIL_IT_WORKS_SLOWLY,
};

/**
 * A stock flush, as a local activity: it runs in the inventory worker that holds the coalescer and
 * its result goes back with the workflow task, one round trip to Temporal instead of three. Flushes
 * are short; a failing one backs off on a timer beyond a few seconds.
 */
export const STOCK_FLUSH: LocalActivityOptions = {
  startToCloseTimeout: '30s',
  localRetryThreshold: '5s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s' },
};

/** A summary per activity, made from the call's own arguments. */
export type ActivitySummaries<A> = {
  [K in keyof A]?: A[K] extends (...args: infer P) => unknown ? (...args: P) => string : never;
};

interface WithOptions {
  executeWithOptions(options: { summary?: string }, args: unknown[]): Promise<unknown>;
}

/**
 * Gives each call of these activities a one-line summary, shown beside it in the Temporal UI's
 * timeline (the activity options' `summary`, set per call). Short, with business ids (orders,
 * documents, stores, SKU counts), never personal data: summaries are kept with the history. An
 * activity without an entry is called as it is.
 */
export function summarised<P extends object>(activities: P, summaries: ActivitySummaries<P>): P {
  return new Proxy(activities, {
    get(target, name) {
      const call = Reflect.get(target, name) as WithOptions;
      const summary = (summaries as Record<string | symbol, ((...args: unknown[]) => string) | undefined>)[name];
      if (!summary) return call;
      return (...args: unknown[]) => call.executeWithOptions({ summary: summary(...args) }, args);
    },
  });
}
