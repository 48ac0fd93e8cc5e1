import type { WebOrderPollCursor } from '../domain/web-order-poll';
import type { CollectStartConfig } from './click-and-collect-contract';

/**
 * The Shopify order poll's contract: started by the per-account Temporal Schedule, whose action
 * arguments carry the cursor (and the settings the receiver process was configured with).
 */
export interface WebOrderPollInput {
  scheduleId: string;
  cursor: WebOrderPollCursor;
  pageSize: number;
  maxPages: number;
  /** How much of the newest changes each run reads again ('2m'): Shopify's search trails its writes. */
  settle: string;
  /** How click & collect workflows the poll starts are configured (the same as the webhook receiver's). */
  collect: CollectStartConfig;
  /** The receiver's public Shopify webhook address; when set, missing subscriptions are created again. */
  callbackUrl?: string;
}

export interface WebOrderPollCounts {
  /** Orders the search returned (re-reads at the boundary included). */
  seen: number;
  /** Workflows started, or found running, for orders with something to collect. */
  started: number;
  /** Cancellations since the cursor told to their workflows. */
  cancelled: number;
  /** Orders whose workflow had already finished. */
  alreadyClosed: number;
}

export interface WebhookCheck {
  /** Topics with no subscription (to the configured address, when there is one). */
  missing: string[];
  /** Of those, subscribed again by this run. */
  recreated: string[];
  /** Of those, refused by Shopify, with its reason. */
  refused: Array<{ topic: string; reason: string }>;
}

export interface WebOrderPollResult extends WebOrderPollCounts {
  from: WebOrderPollCursor;
  next: WebOrderPollCursor;
  webhooks: WebhookCheck;
}
