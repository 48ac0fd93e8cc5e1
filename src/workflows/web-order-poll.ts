import { proxyActivities, setWorkflowOptions } from '@temporalio/workflow';
import type { WebOrderPollActivities } from '../activities/web-order-poll-activities';
import { durationMs, InvalidDurationError } from '../domain/duration';
import { webhookSubscriptionExceptionId } from '../domain/ids';
import { ORDER_WEBHOOK_TOPICS } from '../domain/web-order-poll';
import { recordedExceptionWorkflow } from './recorded-exception';
import { recordedExceptionSummary, type RecordedExceptionInput } from './recorded-exception-contract';
import { startOnce } from './start-once';
import { TASK_QUEUES } from './task-queues';
import type { WebhookCheck, WebOrderPollInput, WebOrderPollResult } from './web-order-poll-contract';
import { PAGED_READ, summarised } from './activity-options';

const poll = summarised(proxyActivities<WebOrderPollActivities>(PAGED_READ), {
  pollWebOrders: ({ cursor }) => `Read web orders changed since ${cursor.updatedAtFrom}`,
  checkWebhookSubscriptions: ({ topics }) => `Check ${topics.length} webhook subscription(s)`,
  saveWebOrderPollCursor: ({ cursor }) => `Move the cursor to ${cursor.updatedAtFrom}`,
});

setWorkflowOptions({ failureExceptionTypes: [InvalidDurationError] }, webOrderPollWorkflow);

/**
 * One run of the Shopify order poll: orders changed since the cursor reach their click & collect
 * workflows as their webhooks would have, the cursor moves on, and each order topic is checked
 * for a subscription. A missing one is recorded as an exception for integration-ops (created
 * again first when the receiver's address is configured), so deliveries that stopped are seen.
 */
export async function webOrderPollWorkflow(input: WebOrderPollInput): Promise<WebOrderPollResult> {
  const settleMs = durationMs('settle', input.settle);
  const { next, ...counts } = await poll.pollWebOrders({
    cursor: input.cursor,
    pageSize: input.pageSize,
    maxPages: input.maxPages,
    settleMs,
    collect: input.collect,
  });
  if (next.updatedAtFrom !== input.cursor.updatedAtFrom || next.after !== input.cursor.after) {
    await poll.saveWebOrderPollCursor({ scheduleId: input.scheduleId, cursor: next });
  }
  const webhooks = await poll.checkWebhookSubscriptions({
    topics: [...ORDER_WEBHOOK_TOPICS],
    callbackUrl: input.callbackUrl,
  });
  for (const topic of webhooks.missing) await recordMissing(topic, webhooks, input.callbackUrl);
  return { ...counts, from: input.cursor, next, webhooks };
}

async function recordMissing(topic: string, check: WebhookCheck, callbackUrl: string | undefined): Promise<void> {
  const recreated = check.recreated.includes(topic);
  const refused = check.refused.find((r) => r.topic === topic)?.reason;
  const what = recreated
    ? `subscribed again to ${callbackUrl}`
    : refused
      ? `Shopify refused to subscribe it again: ${refused}`
      : 'set SHOPIFY_WEBHOOKS_CALLBACK_URL to have it subscribed again, or subscribe it by hand';
  // One record per topic a day: a subscription that stays missing does not pile up exceptions.
  const input: RecordedExceptionInput = {
    type: 'webhook-subscription-missing',
    message: `Shopify had no ${topic} webhook subscription${callbackUrl ? ` to ${callbackUrl}` : ''} (removed after failed deliveries, or never made); ${what}. The order poll found the orders meanwhile; find why deliveries failed`,
    details: { topic, callbackUrl: callbackUrl ?? null, recreated, refused: refused ?? null },
    allowed: ['acknowledge'],
  };
  await startOnce(
    recordedExceptionWorkflow,
    webhookSubscriptionExceptionId(topic, new Date().toISOString().slice(0, 10)),
    TASK_QUEUES.main,
    [input],
    `${recordedExceptionSummary(input)}: ${topic}`,
  );
}
