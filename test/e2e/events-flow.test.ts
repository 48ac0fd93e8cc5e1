import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { pino } from 'pino';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth } from '../../src/connectors/http';
import { sitooEventExceptionWorkflowId } from '../../src/domain/ids';
import { PaymentState } from '../../src/domain/sale';
import type { LocalStack } from '../../src/local/stack';
import { createSitooEventsReceiver } from '../../src/starters/sitoo-events-receiver';
import { ensureSitooPollSchedule } from '../../src/client/sitoo-poll-schedule';
import { resolveSignal, resolveUpdate, statusQuery } from '../../src/workflows/sale-contract';
import { SA } from '../../src/workflows/search-attributes';
import { recordedExceptionStatusQuery } from '../../src/workflows/recorded-exception-contract';
import type { SitooPollInput } from '../../src/workflows/sitoo-poll-contract';
import { connectTemporal, triggerSchedule, waitFor, type TestTemporal } from '../support/temporal';
import { erpDocs, parkedAs, saleHandle, saleResult, sell, startTestStack, webLocation } from './stack-fixture';

// End to end: Sitoo events -> receiver -> Temporal -> workers -> ERP and e-commerce simulators, all over real HTTP.
let t: TestTemporal;
let stack: LocalStack;

beforeAll(async () => {
  t = await connectTemporal('e2e-events');
  stack = await startTestStack(t, 'events', { paymentConfirmationTimeout: '2s' });
});

afterAll(async () => {
  await stack?.close();
  await t?.close();
});

function postEvents(body: unknown, auth = basicAuth(stack.env.EVENTS_USERNAME, stack.env.EVENTS_PASSWORD)) {
  return request(`${stack.receiverUrl}/events`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

function orderEvent(orderId: number, type: 'add' | 'update', extra: Record<string, unknown> = {}) {
  return {
    event_id: randomUUID(),
    event_type: 'order',
    event_date: Math.floor(Date.now() / 1000),
    account_id: stack.env.SITOO_ACCOUNT_ID,
    data: { eshop_id: 1, order_id: orderId, warehouse_id: 101, order_event_type: type, ...extra },
  };
}

describe('a store sale through Sitoo events', () => {
  it('becomes one posted ERP order at the mapped location and a web stock decrement', async () => {
    const location = webLocation(stack, 'S01');
    const before = stack.ecommerce.state.getAvailable('TEE-1', location)!;
    const order = sell(stack, 101, [
      ['TEE-1', 2],
      ['CAP-1', 1],
    ]);
    const result = await saleResult(stack, order.orderId);
    expect(result.outcome).toBe('completed');
    const docs = erpDocs(stack, order.orderId);
    expect(docs).toHaveLength(1);
    expect(docs[0]).toMatchObject({ kind: 'invoice', customerNumber: 'POS-S01' });
    expect(docs[0]!.lines.map((l) => [l.itemNumber, l.quantity, l.locationCode])).toEqual([
      ['TEE-1', 2, 'STORE01'],
      ['CAP-1', 1, 'STORE01'],
    ]);
    expect(stack.ecommerce.state.getAvailable('TEE-1', location)).toBe(before - 2);
  });

  it('processes duplicate and re-delivered events once', async () => {
    const location = webLocation(stack, 'S02');
    const before = stack.ecommerce.state.getAvailable('BOOK-1', location)!;
    const order = sell(stack, 102, [['BOOK-1', 3]]);
    await saleResult(stack, order.orderId);
    // Sitoo re-sends: the same event id, a new event id for the same order, and an update after completion.
    const again = orderEvent(order.orderId, 'add');
    for (const batch of [[again], [again, orderEvent(order.orderId, 'add')], [orderEvent(order.orderId, 'update')]]) {
      expect((await postEvents(batch)).statusCode).toBe(200);
    }
    expect(stack.receiver.stats.outcomes.duplicate).toBeGreaterThanOrEqual(1);
    expect(erpDocs(stack, order.orderId)).toHaveLength(1);
    expect(stack.ecommerce.state.getAvailable('BOOK-1', location)).toBe(before - 3);
    expect((await saleHandle(stack, order.orderId).describe()).status.name).toBe('COMPLETED');
  });

  it('refuses forged and unauthenticated calls with 401 and starts nothing', async () => {
    const event = orderEvent(987_654, 'add');
    const forged = await postEvents([event], basicAuth(stack.env.EVENTS_USERNAME, 'not-the-password'));
    expect(forged.statusCode).toBe(401);
    expect(forged.headers['www-authenticate']).toMatch(/Basic/);
    const anonymous = await request(`${stack.receiverUrl}/events`, { method: 'POST', body: JSON.stringify([event]) });
    expect(anonymous.statusCode).toBe(401);
    await expect(saleHandle(stack, 987_654).describe()).rejects.toThrow(/not found/i);
  });

  it('refuses a body that is not a batch with 400 naming the field', async () => {
    // One odd event inside a batch is parked instead (test/e2e/receivers.test.ts); a body that is no array of events is refused.
    const res = await postEvents(orderEvent(1, 'add'));
    expect(res.statusCode).toBe(400);
    expect(await res.body.json()).toMatchObject({ field: '(root)' });
    const notJson = await request(`${stack.receiverUrl}/events`, {
      method: 'POST',
      headers: { authorization: basicAuth(stack.env.EVENTS_USERNAME, stack.env.EVENTS_PASSWORD) },
      body: '{oops',
    });
    expect(notJson.statusCode).toBe(400);
  });

  it('acknowledges an authentic event it cannot process and parks it as an exception', async () => {
    const event = {
      event_id: randomUUID(),
      event_type: 'loyalty-points',
      event_date: 1,
      account_id: stack.env.SITOO_ACCOUNT_ID,
      data: { order_id: 5 },
    };
    const res = await postEvents([event]);
    expect(res.statusCode).toBe(200);
    const handle = stack.client.workflow.getHandle(
      sitooEventExceptionWorkflowId(stack.env.SITOO_ACCOUNT_ID, event.event_id),
    );
    const status = await waitFor(
      'event exception parked',
      async () => (await handle.query(recordedExceptionStatusQuery)).exception,
    );
    expect(status).toMatchObject({ type: 'unprocessable-event', owner: 'integration-ops' });
    expect(status.message).toMatch(/unknown event type "loyalty-points"/);
    await handle.executeUpdate(resolveUpdate, { args: [{ action: 'skip', reason: 'not ours' }] });
    expect(await handle.result()).toMatchObject({ action: 'skip', exceptionType: 'unprocessable-event' });
  });

  it('answers 503 when Temporal is unreachable, so Sitoo keeps the events', async () => {
    const unreachable = new Client({
      connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500 }),
      namespace: t.namespace,
    });
    const receiver = createSitooEventsReceiver({
      client: unreachable,
      accountId: stack.env.SITOO_ACCOUNT_ID,
      eshopId: 1,
      paymentConfirmationTimeout: '1h',
      username: 'u',
      password: 'p',
      logger: pino({ level: 'silent' }),
      temporalDeadlineMs: 2_000,
    });
    const url = await receiver.listen(0);
    try {
      const res = await request(`${url}/events`, {
        method: 'POST',
        headers: { authorization: basicAuth('u', 'p') },
        body: JSON.stringify([orderEvent(42, 'add')]),
      });
      expect(res.statusCode).toBe(503);
      expect(receiver.stats.unavailable).toBe(1);
    } finally {
      await receiver.close();
    }
  });

  it('books a late payment when it arrives, and parks a sale that is never paid', async () => {
    const late = sell(stack, 101, [['CAP-1', 1]], PaymentState.Pending);
    const never = sell(stack, 101, [['CAP-1', 1]], PaymentState.Pending);
    stack.sitoo.pos.setPaymentState(late.orderId, PaymentState.Successful);
    expect((await saleResult(stack, late.orderId)).outcome).toBe('completed');
    expect(erpDocs(stack, late.orderId)).toHaveLength(1);
    const status = await parkedAs(stack, never.orderId, 'payment-not-confirmed');
    expect(status.exception?.owner).toBe('finance');
    expect(erpDocs(stack, never.orderId)).toHaveLength(0);
  });

  it('parks a sale from an unmapped warehouse instead of booking it at a default location', async () => {
    const order = sell(stack, 199, [['TEE-1', 1]]);
    const status = await parkedAs(stack, order.orderId, 'unmapped-warehouse');
    expect(status.exception?.details).toEqual({ warehouseId: 199 });
    expect(erpDocs(stack, order.orderId)).toHaveLength(0);
  });

  it("an operator finds an unmapped store's sale by store and age, reads on its page what to do, and resolves it by signal", async () => {
    // Before: no ExceptionSince, no summary or details, and no resolve signal (only the update).
    const order = sell(stack, 199, [['CAP-1', 1]]);
    const parked = await parkedAs(stack, order.orderId, 'unmapped-warehouse');
    const handle = saleHandle(stack, order.orderId);
    const description = await handle.describe();
    expect(await description.staticSummary()).toBe(`Sitoo order 10020-${order.orderId} (from a Sitoo event)`);
    const overdue = `StoreId = "sitoo-warehouse-199" AND ExceptionSince < "${new Date(Date.now() + 1000).toISOString()}"`;
    await waitFor('found by store and age', async () => {
      const ids: string[] = [];
      for await (const w of stack.client.workflow.list({ query: overdue })) ids.push(w.workflowId);
      return ids.includes(handle.workflowId);
    });
    const details = await handle.query<{ currentDetails: string }>('__temporal_workflow_metadata');
    expect(details.currentDetails.split('\n\n')).toEqual([
      `Parked: unmapped-warehouse at sitoo-warehouse-199 — owner integration-ops — since ${parked.exception!.since.slice(0, 10)} ${parked.exception!.since.slice(11, 16)} UTC — resolve with retry, retry-with-mapping or skip; input \`{"action":"retry","reason":"...","resolvedBy":"..."}\``,
      'Sitoo warehouse 199 is not mapped to an ERP and a web location',
    ]);

    // What a tool that can only signal sends: a bad input is refused and changes nothing.
    await handle.signal(resolveSignal, { action: 'retry-with-mapping' });
    const refused = await waitFor('the refusal', async () => {
      const status = await handle.query(statusQuery);
      return status.lastRefusal && status;
    });
    expect(refused.lastRefusal?.reason).toMatch(/^mapping is required for retry-with-mapping/);
    expect(refused.exception).toEqual(parked.exception);

    await handle.signal(resolveSignal, {
      action: 'skip',
      reason: 'pop-up store closed',
      resolvedBy: 'integration-ops',
    });
    expect((await saleResult(stack, order.orderId)).outcome).toBe('skipped');
    expect((await handle.query(statusQuery)).resolutions).toMatchObject([{ action: 'skip', via: 'signal' }]);
    expect((await handle.describe()).typedSearchAttributes.get(SA.exceptionSince)).toBeUndefined();
    expect(erpDocs(stack, order.orderId)).toHaveLength(0);
  });

  it('creates exactly one ERP order and one stock write when responses are lost', async () => {
    const location = webLocation(stack, 'S02');
    const before = stack.ecommerce.state.getAvailable('TEE-1', location)!;
    stack.erp.faults.set({ lostResponseRate: 1 });
    stack.ecommerce.faults.set({ lostResponseRate: 1 });
    const order = sell(stack, 102, [['TEE-1', 4]]);
    // Each system applies the write but every response is lost; then the network heals.
    await waitFor(
      'web stock write applied',
      () => stack.ecommerce.state.getAvailable('TEE-1', location) === before - 4,
    );
    stack.ecommerce.faults.set({ lostResponseRate: 0 });
    await waitFor('ERP order created', () => erpDocs(stack, order.orderId).length > 0);
    stack.erp.faults.set({ lostResponseRate: 0 });
    expect((await saleResult(stack, order.orderId)).outcome).toBe('completed');
    expect(erpDocs(stack, order.orderId)).toHaveLength(1);
    expect(erpDocs(stack, order.orderId)[0]!.kind).toBe('invoice');
    expect(stack.ecommerce.state.getAvailable('TEE-1', location)).toBe(before - 4);
    expect(stack.erp.faults.counters.lostResponses).toBeGreaterThan(0);
    expect(stack.ecommerce.faults.counters.lostResponses).toBeGreaterThan(0);
  });

  it('retries through throttling, honouring Retry-After, and still books once', async () => {
    stack.erp.faults.set({ throttleRate: 1, retryAfterSeconds: 0.3 });
    try {
      const order = sell(stack, 101, [['BOOK-1', 1]]);
      // Every ERP call is throttled until several 429s have been answered and retried.
      await waitFor('the ERP throttled repeatedly', () => stack.erp.faults.counters.throttles >= 4);
      const pending = await waitFor('the ERP activity retrying', async () =>
        (await saleHandle(stack, order.orderId).describe()).raw.pendingActivities?.find((a) => (a.attempt ?? 0) >= 2),
      );
      expect(pending.lastFailure?.message).toMatch(/429/);
      stack.erp.faults.reset();
      expect((await saleResult(stack, order.orderId)).outcome).toBe('completed');
      expect(erpDocs(stack, order.orderId)).toHaveLength(1);
    } finally {
      stack.erp.faults.reset();
    }
  });

  it('catches sales the events missed through the polling schedule and moves its cursor', async () => {
    await stack.sitoo.events.stop();
    const missed = sell(stack, 102, [['CAP-1', 2]]);
    const scheduleId = await ensureSitooPollSchedule(stack.client, {
      accountId: stack.env.SITOO_ACCOUNT_ID,
      every: '1h',
      fromOrderId: missed.orderId,
    });
    const schedule = stack.client.schedule.getHandle(scheduleId);
    expect((await schedule.describe()).action.staticSummary).toBe('Sitoo poll of account 10020');
    const run = await triggerSchedule(schedule);
    const runSummary = await (await stack.client.workflow.getHandle(run.workflowId).describe()).staticSummary();
    expect(runSummary).toBe('Sitoo poll of account 10020');
    expect((await saleResult(stack, missed.orderId)).outcome).toBe('completed');
    expect(erpDocs(stack, missed.orderId)).toHaveLength(1);
    await waitFor(
      'cursor moved past the missed order',
      async () => ((await schedule.describe()).action.args?.[0] as SitooPollInput).fromOrderId > missed.orderId,
    );
    await schedule.delete();
    stack.sitoo.events.start();
  });

  it('finds an order committed after a later one the poll already passed', async () => {
    // Before: the cursor moved to the last id seen + 1, so an order whose write committed after a
    // higher id was visible was skipped for good when its event was missed too.
    await stack.sitoo.events.stop();
    try {
      const late = stack.sitoo.pos.recordSale({
        warehouseId: 101,
        commitLater: true,
        lines: [{ sku: 'TEE-1', quantity: 1, unitPriceGross: '199.00', vatPercent: 25 }],
      });
      const early = sell(stack, 101, [['CAP-1', 1]]);
      const scheduleId = await ensureSitooPollSchedule(stack.client, {
        accountId: stack.env.SITOO_ACCOUNT_ID,
        every: '1h',
        fromOrderId: late.orderId,
      });
      const schedule = stack.client.schedule.getHandle(scheduleId);
      const args = async () => (await schedule.describe()).action.args?.[0] as SitooPollInput;
      await triggerSchedule(schedule);
      expect((await saleResult(stack, early.orderId)).outcome).toBe('completed');
      const passed = await waitFor('the cursor past both, the late one kept as a gap', async () => {
        const a = await args();
        return a.fromOrderId > early.orderId && a.orderGaps?.some((g) => g.id === late.orderId) ? a : undefined;
      });
      expect(passed.orderGaps!.map((g) => g.id)).toEqual([late.orderId]);
      stack.sitoo.pos.commit(late.orderId);
      await triggerSchedule(schedule);
      expect((await saleResult(stack, late.orderId)).outcome).toBe('completed');
      expect(erpDocs(stack, late.orderId)).toHaveLength(1);
      await waitFor('the gap closed', async () => (await args()).orderGaps?.length === 0);
      await schedule.delete();
    } finally {
      stack.sitoo.events.start();
    }
  });
});
