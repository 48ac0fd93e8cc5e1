import type { WebhookCheck, WebOrderPollCounts, WebOrderPollCursor } from '../domain/web-order-poll';
import type { ClickAndCollectStartConfig } from './click-and-collect-contract';
import { TASK_QUEUES } from './task-queues';
import type { PageLimits } from '../domain/poll-cursor';

/**
 * The Shopify order poll's contract: started by the per-account Temporal Schedule, whose action
 * arguments carry the cursor (and the settings the receiver process was configured with).
 */
export { webOrderPollScheduleId } from '../domain/ids';

export const WEB_ORDER_POLL_TASK_QUEUE = TASK_QUEUES.main;

export interface WebOrderPollInput extends PageLimits {
  scheduleId: string;
  cursor: WebOrderPollCursor;
  /** How much of the newest changes each run reads again ('2m'): Shopify's search trails its writes. */
  settle: string;
  /** How click & collect workflows the poll starts are configured (the same as the webhook receiver's). */
  collect: ClickAndCollectStartConfig;
  /** The receiver's public Shopify webhook address; when set, missing subscriptions are created again. */
  callbackUrl?: string;
}

export type { WebhookCheck, WebOrderPollCounts } from '../domain/web-order-poll';

export interface WebOrderPollResult extends WebOrderPollCounts {
  from: WebOrderPollCursor;
  next: WebOrderPollCursor;
  webhooks: WebhookCheck;
}
