/**
 * The Shopify order poll's rules: what to do with an order it finds, where the next poll starts,
 * and which webhook subscriptions must exist. Shopify gives up on a webhook after about 4 hours
 * and may remove a failing subscription, so the poll is what makes "nothing is lost" true.
 */

/** The topics the webhook receiver acts on; each must have a subscription. */
export const ORDER_WEBHOOK_TOPICS = ['orders/create', 'orders/cancelled'] as const;

/**
 * Where the next poll starts: orders changed at or after `updatedAtFrom` (inclusive, so orders
 * sharing the boundary second are read again, never skipped), and, when the previous run stopped
 * at its page limit, the search cursor to continue that same search from.
 */
export interface WebOrderPollCursor {
  updatedAtFrom: string;
  after?: string;
}

/** What an order the poll found needs, the same as its webhook would have asked for. */
export type WebOrderPollAction = 'start' | 'cancel' | 'none';

export function pollAction(
  order: { cancelledAt: string | null; fulfillmentStatus: string },
  updatedAtFrom: string,
): WebOrderPollAction {
  // Cancelled since the cursor: its orders/cancelled may have been missed. Earlier ones were seen then.
  if (order.cancelledAt) return Date.parse(order.cancelledAt) >= Date.parse(updatedAtFrom) ? 'cancel' : 'none';
  // Handed over (or restocked) already: nothing left to collect, whatever changed on it since.
  if (order.fulfillmentStatus === 'FULFILLED' || order.fulfillmentStatus === 'RESTOCKED') return 'none';
  return 'start';
}

/** Whole seconds, the precision of Shopify's DateTime and search. */
export function wholeSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * The cursor after a search read to its end: the newest change seen, less `settleMs`, never
 * earlier than before. Shopify's search trails its writes; re-reading the last `settleMs` of
 * changes on every run catches an order that became searchable late, and re-reading is harmless
 * (workflow ids are the web order ids).
 */
export function nextUpdatedAtFrom(current: string, newestSeen: string | undefined, settleMs: number): string {
  if (newestSeen === undefined) return current;
  const next = Date.parse(newestSeen) - settleMs;
  return next > Date.parse(current) ? wholeSeconds(next) : current;
}

/** Topics with no subscription delivering to `callbackUrl` (or to anywhere, when no address is configured). */
export function missingTopics(
  subscriptions: Array<{ topic: string; uri: string }>,
  topics: readonly string[],
  callbackUrl?: string,
): string[] {
  return topics.filter(
    (t) => !subscriptions.some((s) => s.topic === t && (callbackUrl === undefined || s.uri === callbackUrl)),
  );
}

/** What a poll run did, as its activities report it. */
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
