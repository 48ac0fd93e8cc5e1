import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { workflowSpanSinks } from '../../src/workers/tracing';

// Recorded histories of shipped workflow versions must replay against the current code: a change
// that would break a running workflow fails here instead of in production. The *-v2-* histories
// were recorded at 2e898fa by running each flow to its close on the test server with its activities
// replaced by fakes (as test/workflows does), then writing handle.fetchHistory() with History.encode.
const histories = join(import.meta.dirname, 'histories');
/** The bundle as the workers run it, tracing interceptors included, with the sink their spans leave by. */
const replayOptions = () => ({
  workflowBundle: { codePath: inject('workflowBundlePath') },
  sinks: workflowSpanSinks(),
});
const EventType = proto.temporal.api.enums.v1.EventType;

/** What a closed history shows: how it closed, its result, the resolve updates it completed, the children it started. */
function summarise(history: proto.temporal.api.history.v1.History) {
  const last = history.events.at(-1)!;
  const payload = last.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0]?.data;
  return {
    closed:
      last.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED
        ? 'completed'
        : last.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
          ? 'continued-as-new'
          : String(last.eventType),
    result: payload ? JSON.parse(Buffer.from(payload).toString('utf8')) : undefined,
    resolved: history.events
      .filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED)
      .map((e) => e.workflowExecutionUpdateCompletedEventAttributes!.outcome!.success!.payloads![0]!.data!)
      .map((data) => (JSON.parse(Buffer.from(data).toString('utf8')) as { action: string }).action),
    children: history.events
      .filter((e) => e.eventType === EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED)
      .map((e) => e.startChildWorkflowExecutionInitiatedEventAttributes!.workflowType!.name),
  };
}

describe('recorded histories replay against the current workflow code', () => {
  it('a sale from before stock followed warehouse transactions (web decrement inside the sale)', async () => {
    const history = proto.temporal.api.history.v1.History.decode(
      readFileSync(join(histories, 'sale-v1-web-decrement.bin')),
    );
    expect(history.events.length).toBeGreaterThan(10);
    await Worker.runReplayHistory(replayOptions(), history, 'sale-10020-1001');
  });

  it('a store refund from before store refunds were booked in the ERP (ended not-a-web-order)', async () => {
    const history = proto.temporal.api.history.v1.History.decode(
      readFileSync(join(histories, 'return-v1-store-refund-not-booked.bin')),
    );
    expect(history.events.length).toBeGreaterThan(10);
    await Worker.runReplayHistory(replayOptions(), history, 'return-10020-1002');
  });

  it.each([
    ['a web return refunded and credited', 'return-v1-web-refunded.bin', 'return-10020-701'],
    [
      'a return whose Sitoo order was missing (failed the workflow)',
      'return-v1-missing-order-failed.bin',
      'return-10020-702',
    ],
    [
      'a web return whose refund was refused, parked and retried',
      'return-v1-refund-refused-retried.bin',
      'return-10020-703',
    ],
  ])('%s, from before refunds followed the money paid', async (_title, file, workflowId) => {
    const history = proto.temporal.api.history.v1.History.decode(readFileSync(join(histories, file)));
    expect(history.events.length).toBeGreaterThan(5);
    await Worker.runReplayHistory(replayOptions(), history, workflowId);
  });

  it("a click & collect order collected before pickups were decided from the orders' read-back state", async () => {
    const history = proto.temporal.api.history.v1.History.decode(
      readFileSync(join(histories, 'collect-v1-collected.bin')),
    );
    expect(history.events.length).toBeGreaterThan(10);
    await Worker.runReplayHistory(replayOptions(), history, 'collect-92617311');
  });

  it('a click & collect order cancelled on the web by the webhook signal alone (before the order was re-read)', async () => {
    const history = proto.temporal.api.history.v1.History.decode(
      readFileSync(join(histories, 'collect-v1-web-cancelled.bin')),
    );
    expect(history.events.length).toBeGreaterThan(10);
    await Worker.runReplayHistory(replayOptions(), history, 'collect-92617312');
  });

  it('a stock coalescer from before refused work was held: a web-refused level recorded as stock-rejected', async () => {
    const history = proto.temporal.api.history.v1.History.decode(
      readFileSync(join(histories, 'stock-sync-v1-rejected-levels.bin')),
    );
    expect(history.events.length).toBeGreaterThan(10);
    await Worker.runReplayHistory(replayOptions(), history, 'stock-sync-10020');
  });

  it('a stock coalescer from before refused work was held: a flush refused outright failed it', async () => {
    const history = proto.temporal.api.history.v1.History.decode(
      readFileSync(join(histories, 'stock-sync-v1-refused-flush-failed.bin')),
    );
    expect(history.events.at(-1)?.workflowExecutionFailedEventAttributes).toBeTruthy();
    await Worker.runReplayHistory(replayOptions(), history, 'stock-sync-10021');
  });
  it.each([
    ['a paid till sale booked and posted in the ERP under the bare order id', 'sale-v2-booked.bin', 'sale-10020-1001'],
    [
      'a sale parked at an unmapped warehouse, resolved with a mapping, then booked',
      'sale-v2-unmapped-resolved.bin',
      'sale-10020-1002',
    ],
    ['a store day reconciled, its journal posted without a ledger check', 'eod-v1-posted.bin', 'eod-S01-2026-12-03'],
    [
      'a Sitoo poll run that found an order and moved its cursor, before it kept gaps',
      'sitoo-poll-v1-found.bin',
      'sitoo-poll-10020-2026-12-03T11:16:19Z',
    ],
  ])('%s, from before ERP writes were made exactly once (fcfcfed)', async (_title, file, workflowId) => {
    const history = proto.temporal.api.history.v1.History.decode(readFileSync(join(histories, file)));
    expect(history.events.length).toBeGreaterThan(5);
    await Worker.runReplayHistory(replayOptions(), history, workflowId);
  });

  // Recorded before issue 12's refactors (shared parking toolkit, contracts, Sitoo order router):
  // every workflow type, and every flow that parks through park -> resolve to its close.
  it.each([
    [
      'a sale parked as payment-not-confirmed and skipped',
      'sale-v2-payment-skipped.bin',
      'sale-10020-2001',
      { closed: 'completed', result: { outcome: 'skipped' }, resolved: ['skip'], children: [] },
    ],
    [
      'a sale parked at an SKU the ERP did not know, retried after the fix and booked',
      'sale-v2-unknown-sku-retried.bin',
      'sale-10020-2002',
      {
        closed: 'completed',
        result: { outcome: 'completed', erpOrderNumber: 'SO2002' },
        resolved: ['retry'],
        children: [],
      },
    ],
    [
      'a Sitoo refund order handed by the sale workflow to its return workflow',
      'sale-v2-return-handed-over.bin',
      'sale-10020-2011',
      { closed: 'completed', result: { outcome: 'handed-over' }, resolved: [], children: ['returnInStoreWorkflow'] },
    ],
    [
      'a web pickup order whose store steps the sale workflow relayed to click & collect until it closed',
      'sale-v2-pickup-relayed.bin',
      'sale-10020-700',
      {
        closed: 'completed',
        result: { outcome: 'handed-over', reason: 'web order 4004: collected in the store' },
        resolved: [],
        children: [],
      },
    ],
    [
      'a store refund booked as a credit memo (started by the sale workflow)',
      'return-v2-store-refund-booked.bin',
      'return-10020-2011',
      { closed: 'completed', result: { outcome: 'store-refund-booked' }, resolved: [], children: [] },
    ],
    [
      'a return naming no original, parked as orphaned and skipped',
      'return-v2-orphaned-skipped.bin',
      'return-10020-3001',
      { closed: 'completed', result: { outcome: 'skipped' }, resolved: ['skip'], children: [] },
    ],
    [
      'a return naming no original, given its web order by an operator, refunded and credited',
      'return-v2-orphaned-reference-supplied.bin',
      'return-10020-3002',
      {
        closed: 'completed',
        result: { outcome: 'refunded', refundAmount: '199.00' },
        resolved: ['supply-reference'],
        children: [],
      },
    ],
    [
      'a pickup order whose store was short, moved to another store, made ready and collected',
      'collect-v2-short-use-store-collected.bin',
      'collect-4001',
      { closed: 'completed', result: { outcome: 'collected', storeId: 'S2' }, resolved: ['use-store'], children: [] },
    ],
    [
      'a pickup order neither paid nor pay-in-store, cancelled by an operator',
      'collect-v2-payment-cancel-order.bin',
      'collect-4002',
      { closed: 'completed', result: { outcome: 'cancelled' }, resolved: ['cancel-order'], children: [] },
    ],
    [
      'a pay-in-store pickup handed over unpaid, parked and skipped',
      'collect-v2-unpaid-skipped.bin',
      'collect-4003',
      { closed: 'completed', result: { outcome: 'collected' }, resolved: ['skip'], children: [] },
    ],
    [
      'a pickup order made ready and collected through the steps the sale workflow relayed',
      'collect-v2-relayed-collected.bin',
      'collect-4004',
      { closed: 'completed', result: { outcome: 'collected', erpOrderNumber: 'SO-4004' }, resolved: [], children: [] },
    ],
    [
      'a store day with a Z-report gap, re-checked after a fix and reconciled',
      'eod-v2-gap-retried.bin',
      'eod-S1-2026-11-01',
      { closed: 'completed', result: { status: 'reconciled' }, resolved: ['retry'], children: [] },
    ],
    [
      'a store day with a Z-report gap that finance accepted',
      'eod-v2-gap-accepted.bin',
      'eod-S1-2026-11-02',
      { closed: 'completed', result: { status: 'gaps-accepted' }, resolved: ['accept'], children: [] },
    ],
    [
      'an end-of-day trigger starting its day and the day before',
      'eod-trigger-v2-started.bin',
      'eod-trigger-S2',
      { closed: 'completed', resolved: [], children: ['endOfDayWorkflow', 'endOfDayWorkflow'] },
    ],
    [
      'an unprocessable Sitoo event recorded and skipped',
      'sitoo-event-exception-v2-skipped.bin',
      'sitoo-event-10020-evt-77',
      {
        closed: 'completed',
        result: { action: 'skip', exceptionType: 'unprocessable-event' },
        resolved: ['skip'],
        children: [],
      },
    ],
    [
      'a store stock change recorded in the ERP',
      'stock-move-v2-recorded.bin',
      'stock-move-10020-5001',
      { closed: 'completed', result: { step: 'recorded' }, resolved: [], children: [] },
    ],
    [
      'a store stock change parked at an unmapped warehouse, retried and recorded',
      'stock-move-v2-unmapped-retried.bin',
      'stock-move-10020-5002',
      { closed: 'completed', result: { step: 'recorded' }, resolved: ['retry'], children: [] },
    ],
    [
      'a store stock change the ERP refused, parked and skipped',
      'stock-move-v2-refused-skipped.bin',
      'stock-move-10020-5003',
      { closed: 'completed', result: { step: 'skipped' }, resolved: ['skip'], children: [] },
    ],
    [
      'an ERP item-ledger poll that moved its cursor',
      'erp-stock-poll-v2-moved.bin',
      'erp-stock-poll-10020',
      { closed: 'completed', result: { nextAfterEntryNumber: 112 }, resolved: [], children: [] },
    ],
    [
      'a stock drift check that repaired a location and recorded the report',
      'stock-drift-v2-repaired.bin',
      'stock-drift-10020',
      { closed: 'completed', resolved: [], children: ['recordedExceptionWorkflow'] },
    ],
    [
      'a Shopify order poll that found a webhook subscription missing and recorded it',
      'web-order-poll-v2-webhook-missing.bin',
      'web-order-poll-10020',
      {
        closed: 'completed',
        result: { started: 1, webhooks: { missing: ['orders/cancelled'] } },
        resolved: [],
        children: ['recordedExceptionWorkflow'],
      },
    ],
    [
      'a stock coalescer run that held a refused location, sent it once the refusal ended, and continued as new',
      'stock-sync-v2-held-then-out.bin',
      'stock-sync-10030',
      { closed: 'continued-as-new', resolved: [], children: ['stockMoveWorkflow', 'recordedExceptionWorkflow'] },
    ],
    [
      "the coalescer's recorded exception for its held location, acknowledged",
      'recorded-exception-v2-acknowledged.bin',
      'stock-held-10030-ErpRejected-WH99-1',
      {
        closed: 'completed',
        result: { action: 'acknowledge', exceptionType: 'unmapped-warehouse' },
        resolved: ['acknowledge'],
        children: [],
      },
    ],
  ])('%s, from before issue 12', async (_title, file, workflowId, expected) => {
    const history = proto.temporal.api.history.v1.History.decode(readFileSync(join(histories, file)));
    const { result, ...shape } = summarise(history);
    const { result: expectedResult, ...expectedShape } = expected as { result?: object };
    expect(shape).toEqual(expectedShape);
    if (expectedResult) expect(result).toMatchObject(expectedResult);
    await Worker.runReplayHistory(replayOptions(), history, workflowId);
  });

  // Recorded with issue 14's parking (see the commit that added it): patches
  // exception-filed-by-store-and-age and resolve-signal, ExceptionSince set and cleared, a refused
  // resolve signal recorded as a memo change, then a valid one that retried, to the booked close.
  it('a sale parked as payment-not-confirmed, a resolve signal refused, then resolved by signal and booked', async () => {
    const history = proto.temporal.api.history.v1.History.decode(
      readFileSync(join(histories, 'sale-v3-signal-refused-then-resolved.bin')),
    );
    const { result, ...shape } = summarise(history);
    expect(shape).toEqual({ closed: 'completed', resolved: [], children: [] });
    expect(result).toMatchObject({ outcome: 'completed', storeId: 'S02', erpOrderNumber: 'SO3001' });
    const events = history.events;
    const signals = events.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'resolve');
    expect(signals).toHaveLength(2);
    expect(events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED)).toHaveLength(1);
    const upserted = events
      .map((e) => e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields)
      .filter((f) => f !== undefined && f !== null);
    expect(upserted.some((f) => 'ExceptionSince' in f!)).toBe(true);
    await Worker.runReplayHistory(
      { workflowBundle: { codePath: inject('workflowBundlePath') } },
      history,
      'sale-10020-3001',
    );
  });

  // Recorded with issue 15's catalogue flows, from test/e2e/catalogue.test.ts's stack with payloads
  // in clear: the first sync (adoption, price-change children), a late price parked and resolved
  // by itself, a refused product skipped, an echo of our own write checked, a push of one SKU.
  it.each([
    [
      'the first catalogue sync, which pushed three products and started their price checks',
      'catalogue-sync-v1-synced.bin',
      'catalogue-sync-test-1',
      { closed: 'completed', result: { changedProducts: 3 }, children: ['priceChangeWorkflow'] },
    ],
    [
      'a price Shopify showed late, parked as price-update-delay and resolved automatically',
      'price-change-v1-late-resolved-automatically.bin',
      'price-change-20261203T183304630Z-4144b99a71925ed7',
      {
        closed: 'completed',
        result: { step: 'visible', resolutions: [{ exceptionType: 'price-update-delay', via: 'automatic' }] },
        children: [],
      },
    ],
    [
      'a product Sitoo refused, parked as product-rejected and skipped',
      'product-rejected-v1-skipped.bin',
      'product-rejected-sitoo-BAD#1',
      { closed: 'completed', result: { step: 'skipped', sku: 'BAD#1' }, children: [] },
    ],
    [
      'a products/update notice of our own write, which matched the master and ended without a report',
      'product-edit-check-v1-echo.bin',
      'product-edit-shopify-8000001-20261203T183316015Z',
      { closed: 'completed', result: { conflicts: 0 }, children: [] },
    ],
    [
      'a push of one SKU on demand',
      'catalogue-push-v1-one-sku.bin',
      'catalogue-push-skus-TEE-1-20261203T183315911Z',
      { closed: 'completed', result: { step: 'done', read: 1, pushed: 1 }, children: [] },
    ],
  ])('%s (issue 15)', async (_title, file, workflowId, expected) => {
    const history = proto.temporal.api.history.v1.History.decode(readFileSync(join(histories, file)));
    const { result, children, closed } = summarise(history);
    expect(closed).toBe(expected.closed);
    expect([...new Set(children)]).toEqual(expected.children);
    expect(result).toMatchObject(expected.result);
    await Worker.runReplayHistory(replayOptions(), history, workflowId);
  });
});
