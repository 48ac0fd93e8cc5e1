import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickAndCollectWorkflowId, webhookSubscriptionExceptionId } from '../../src/domain/ids';
import type { LocalStack } from '../../src/local/stack';
import { ensureWebOrderPollSchedule } from '../../src/client/web-order-poll-schedule';
import { clickAndCollectStatusQuery } from '../../src/workflows/click-and-collect-contract';
import { recordedExceptionStatusQuery } from '../../src/workflows/recorded-exception-contract';
import type { WebOrderPollInput, WebOrderPollResult } from '../../src/workflows/web-order-poll-contract';
import { connectTemporal, triggerSchedule, waitFor, type TestTemporal } from '../support/temporal';
import { startTestStack, webLocation } from './stack-fixture';

// The fallback for Shopify webhooks that never arrive: a schedule polls orders changed since its
// cursor and lands on the same collect-<webOrderId> workflows; it also checks the subscriptions.
let t: TestTemporal;
let stack: LocalStack;
let down: Server;
let downUrl: string;
let scheduleId: string;

beforeAll(async () => {
  t = await connectTemporal('e2e-web-poll');
  stack = await startTestStack(t, 'web-order-poll');
  // Where Shopify delivered while our receiver was unreachable.
  down = createServer((_req, res) => res.writeHead(503).end());
  await new Promise<void>((r) => down.listen(0, '127.0.0.1', r));
  downUrl = `http://127.0.0.1:${(down.address() as AddressInfo).port}/webhooks/shopify`;
});

afterAll(async () => {
  await stack?.client.schedule
    .getHandle(scheduleId)
    .delete()
    .catch(() => undefined);
  await stack?.close();
  await t?.close();
  await new Promise<void>((r) => down.close(() => r()));
});

const callbackUrl = () => `${stack.webhooksUrl}/webhooks/shopify`;
const collectOf = (webOrderId: string) => stack.client.workflow.getHandle(clickAndCollectWorkflowId(webOrderId));
const sitooOrdersOf = (webOrderId: string) =>
  [...stack.sitoo.state.orders.values()].filter((o) => o.externalid === webOrderId);
const pickupAt = (storeId: string) =>
  stack.ecommerce.state.createOrder({
    lines: [{ sku: 'TEE-1', quantity: 1, price: '199.00' }],
    pickupLocationId: webLocation(stack, storeId),
  });

/** Runs the schedule now and returns that run's result. */
async function pollNow(): Promise<WebOrderPollResult> {
  const run = await triggerSchedule(stack.client.schedule.getHandle(scheduleId));
  return stack.client.workflow.getHandle(run.workflowId, run.firstExecutionRunId).result();
}

async function cursor(): Promise<WebOrderPollInput['cursor']> {
  const action = (await stack.client.schedule.getHandle(scheduleId).describe()).action;
  if (action.type !== 'startWorkflow') throw new Error('not a workflow schedule');
  return (action.args?.[0] as WebOrderPollInput).cursor;
}

describe('Shopify order poll', () => {
  it('finds an order whose webhook never arrived (Shopify removed the failing subscription), subscribes again, and re-polling duplicates nothing', async () => {
    // The receiver was unreachable: Shopify's deliveries fail and it removes the subscription.
    for (const s of stack.ecommerce.webhooks.list()) stack.ecommerce.webhooks.unsubscribe(s.id);
    stack.ecommerce.webhooks.configure({ retries: 1, retryBaseMs: 10, removeAfterFailures: 2 });
    stack.ecommerce.webhooks.subscribe({
      topics: ['orders/create', 'orders/cancelled'],
      url: downUrl,
      secret: stack.env.SHOPIFY_WEBHOOK_SECRETS[0]!,
    });
    const missed = pickupAt('S01');
    await waitFor(
      'Shopify to remove the subscription',
      () => stack.ecommerce.webhooks.removedSubscriptions.length === 1,
    );
    await stack.ecommerce.webhooks.idle();
    expect(stack.ecommerce.webhooks.list()).toEqual([]);
    await expect(collectOf(missed.legacyId).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);

    scheduleId = await ensureWebOrderPollSchedule(stack.client, {
      accountId: stack.env.SITOO_ACCOUNT_ID,
      every: '1h',
      lookback: '10m',
      settle: '0s',
      callbackUrl: callbackUrl(),
      collect: { accountId: stack.env.SITOO_ACCOUNT_ID, pickupExpiry: '1h', whenShort: 'park', vatPercent: 25 },
    });
    const from = await cursor();
    const first = await pollNow();
    expect(first).toMatchObject({
      started: 1,
      webhooks: {
        missing: ['orders/create', 'orders/cancelled'],
        recreated: ['orders/create', 'orders/cancelled'],
        refused: [],
      },
    });
    await waitFor(
      'the missed order to reach its store',
      async () => (await collectOf(missed.legacyId).query(clickAndCollectStatusQuery)).step === 'awaiting-store',
    );
    expect(sitooOrdersOf(missed.legacyId)).toHaveLength(1);
    const runId = (await collectOf(missed.legacyId).describe()).runId;

    // Subscribed again to the receiver, and the gap is on record for integration-ops.
    expect(stack.ecommerce.webhooks.list().map((s) => [s.topics, s.url])).toEqual([
      [['orders/create'], callbackUrl()],
      [['orders/cancelled'], callbackUrl()],
    ]);
    const day = new Date().toISOString().slice(0, 10);
    const record = await stack.client.workflow
      .getHandle(webhookSubscriptionExceptionId('orders/create', day))
      .query(recordedExceptionStatusQuery);
    expect(record.exception).toMatchObject({
      type: 'webhook-subscription-missing',
      owner: 'integration-ops',
      details: { topic: 'orders/create', recreated: true },
      allowedActions: ['acknowledge'],
    });

    // The cursor moved to the order's second (settle 0s), inclusive: the next run reads it again, harmlessly.
    const moved = await waitFor('the cursor to move', async () =>
      (await cursor()).updatedAtFrom > from.updatedAtFrom ? cursor() : undefined,
    );
    expect(Date.parse(moved.updatedAtFrom)).toBeLessThanOrEqual(
      Date.parse(stack.ecommerce.state.orders.get(missed.id)!.updatedAt),
    );
    const again = await pollNow();
    expect(again.seen).toBeGreaterThanOrEqual(1);
    expect(again.webhooks).toEqual({ missing: [], recreated: [], refused: [] });
    expect((await collectOf(missed.legacyId).describe()).runId).toBe(runId);
    expect(sitooOrdersOf(missed.legacyId)).toHaveLength(1);
    expect(stack.ecommerce.webhooks.list()).toHaveLength(2);
    const records = await stack.client.workflow.count(
      `WorkflowType = 'recordedExceptionWorkflow' AND WorkflowId STARTS_WITH 'webhook-subscription-'`,
    );
    expect(records.count).toBe(2);

    // Deliveries flow again through the new subscription: the next order comes by webhook.
    const started = stack.webhooks.stats.outcomes.started;
    const next = pickupAt('S02');
    await waitFor(
      'the next order to reach its store',
      async () =>
        (
          await collectOf(next.legacyId)
            .query(clickAndCollectStatusQuery)
            .catch(() => undefined)
        )?.step === 'awaiting-store',
    );
    expect(stack.webhooks.stats.outcomes.started).toBeGreaterThan(started);
  });

  it('a cancellation whose webhook never arrives reaches the workflow through the poll', async () => {
    const placed = pickupAt('S02');
    await waitFor(
      'the order to reach its store',
      async () =>
        (
          await collectOf(placed.legacyId)
            .query(clickAndCollectStatusQuery)
            .catch(() => undefined)
        )?.step === 'awaiting-store',
    );
    await stack.ecommerce.webhooks.stop();
    try {
      stack.ecommerce.state.cancelOrderAsCustomer(placed.id);
      const run = await pollNow();
      expect(run.cancelled).toBeGreaterThanOrEqual(1);
      expect((await collectOf(placed.legacyId).result()).outcome).toBe('cancelled');
      expect(sitooOrdersOf(placed.legacyId)[0]!.orderstateid).toBe(20);
      expect((await collectOf(placed.legacyId).query(clickAndCollectStatusQuery)).webCancelChecks).toMatchObject([
        { webhookId: expect.stringMatching(/^poll-/), cancelled: true },
      ]);
    } finally {
      stack.ecommerce.webhooks.start();
    }
  });
});
