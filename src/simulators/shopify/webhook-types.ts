/** Options, counters and log entries of the simulator's webhook delivery (webhooks.ts). */
export interface WebhookSubscribeInput {
  topic?: string;
  topics?: string[];
  url: string;
  secret: string;
}
export interface WebhookSubscription {
  id: string;
  topics: string[];
  url: string;
  secret: string;
  createdAt: string;
}

export interface WebhookDeliveryOptions {
  shopDomain?: string;
  apiVersion?: string;
  /** Retries after the first attempt (Shopify: 8, over about 4 hours). */
  retries?: number;
  /** Retry n waits base x 2^(n-1), capped at retryMaxMs: Shopify's exponential schedule, compressed. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Shopify gives a receiver 5 s in all to answer 2xx. */
  timeoutMs?: number;
  /** POSTs in flight at once. 1 makes arrival order follow queue order (for `reorder` tests). */
  concurrency?: number;
  /** Probability (0..1) that an acknowledged delivery is sent once more, with the same webhook id. */
  duplicateRate?: number;
  /** Order in which deliveries queued together (same tick, or while stopped) go out. */
  reorder?: 'none' | 'reverse' | 'shuffle';
  /**
   * Remove a subscription after this many failed POSTs in a row (retries included), as Shopify may
   * do with one created through the Admin API after 8; its queued deliveries are dropped with it.
   * 0 (default) never removes.
   */
  removeAfterFailures?: number;
  /**
   * A captured delivery re-sent under another topic with a fresh webhook id, e.g.
   * `{ 'orders/create': 'orders/cancelled' }`: the HMAC covers the body only, so the copy still
   * verifies. The genuine delivery goes out as well. Off by default.
   */
  replayUnderTopic?: Record<string, string>;
  /**
   * How far in the past X-Shopify-Triggered-At lies (ms), as on a delivery retried for hours or
   * held up on Shopify's side; negative for a clock ahead of ours. Default 0.
   */
  triggeredAtAgeMs?: number;
  seed?: number;
}

/** `shopDomain` too: a delivery from another shop the app is installed in (same app secret). */
export type Tunable =
  | 'retries'
  | 'retryBaseMs'
  | 'retryMaxMs'
  | 'timeoutMs'
  | 'concurrency'
  | 'duplicateRate'
  | 'reorder'
  | 'removeAfterFailures'
  | 'shopDomain'
  | 'replayUnderTopic'
  | 'triggeredAtAgeMs';

export interface WebhookStats {
  /** Events handed to delivery (one per emit, whatever the number of subscriptions). */
  events: number;
  /** Deliveries created (one per matching subscription). */
  enqueued: number;
  /** Deliveries acknowledged with 2xx (re-sent duplicates not counted again). */
  delivered: number;
  /** Every POST, retries and duplicates included. */
  attempts: number;
  failedAttempts: number;
  duplicatesSent: number;
  /** Deliveries given up after the last retry. */
  dropped: number;
}

export interface WebhookAttempt {
  webhookId: string;
  eventId: string;
  /** The X-Shopify-Topic sent (a replay under another topic shows that one). */
  topic: string;
  /** Set on a replayed copy: the topic of the event it was captured from. */
  replayOf?: string;
  shopDomain: string;
  url: string;
  /** 1 for the first POST of a delivery, 2 for its first retry, ... */
  attempt: number;
  duplicate: boolean;
  status: number | null;
  error?: string;
  at: string;
}
