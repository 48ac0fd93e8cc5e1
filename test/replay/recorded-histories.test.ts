import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';

// Recorded histories of shipped workflow versions must replay against the current code: a change
// that would break a running workflow fails here instead of in production.
const histories = join(import.meta.dirname, 'histories');

describe('recorded histories replay against the current workflow code', () => {
  it('a sale from before stock followed warehouse transactions (web decrement inside the sale)', async () => {
    const history = proto.temporal.api.history.v1.History.decode(readFileSync(join(histories, 'sale-v1-web-decrement.bin')));
    expect(history.events.length).toBeGreaterThan(10);
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, 'sale-10020-1001');
  });

  it('a store refund from before store refunds were booked in the ERP (ended not-a-web-order)', async () => {
    const history = proto.temporal.api.history.v1.History.decode(readFileSync(join(histories, 'return-v1-store-refund-not-booked.bin')));
    expect(history.events.length).toBeGreaterThan(10);
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, 'return-10020-1002');
  });

  it.each([
    ['a web return refunded and credited', 'return-v1-web-refunded.bin', 'return-10020-701'],
    ['a return whose Sitoo order was missing (failed the workflow)', 'return-v1-missing-order-failed.bin', 'return-10020-702'],
    ['a web return whose refund was refused, parked and retried', 'return-v1-refund-refused-retried.bin', 'return-10020-703'],
  ])('%s, from before refunds followed the money paid', async (_title, file, workflowId) => {
    const history = proto.temporal.api.history.v1.History.decode(readFileSync(join(histories, file)));
    expect(history.events.length).toBeGreaterThan(5);
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, workflowId);
  });

  it('a click & collect order collected before pickups were decided from the orders\' read-back state', async () => {
    const history = proto.temporal.api.history.v1.History.decode(readFileSync(join(histories, 'collect-v1-collected.bin')));
    expect(history.events.length).toBeGreaterThan(10);
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, 'collect-92617311');
  });

  it('a click & collect order cancelled on the web by the webhook signal alone (before the order was re-read)', async () => {
    const history = proto.temporal.api.history.v1.History.decode(readFileSync(join(histories, 'collect-v1-web-cancelled.bin')));
    expect(history.events.length).toBeGreaterThan(10);
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, 'collect-92617312');
  });

  it('a stock coalescer from before refused work was held: a web-refused level recorded as stock-rejected', async () => {
    const history = proto.temporal.api.history.v1.History.decode(readFileSync(join(histories, 'stock-sync-v1-rejected-levels.bin')));
    expect(history.events.length).toBeGreaterThan(10);
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, 'stock-sync-10020');
  });

  it('a stock coalescer from before refused work was held: a flush refused outright failed it', async () => {
    const history = proto.temporal.api.history.v1.History.decode(readFileSync(join(histories, 'stock-sync-v1-refused-flush-failed.bin')));
    expect(history.events.at(-1)?.workflowExecutionFailedEventAttributes).toBeTruthy();
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, 'stock-sync-10021');
  });
  it.each([
    ['a paid till sale booked and posted in the ERP under the bare order id', 'sale-v2-booked.bin', 'sale-10020-1001'],
    ['a sale parked at an unmapped warehouse, resolved with a mapping, then booked', 'sale-v2-unmapped-resolved.bin', 'sale-10020-1002'],
    ['a store day reconciled, its journal posted without a ledger check', 'eod-v1-posted.bin', 'eod-S01-2026-12-03'],
    ['a Sitoo poll run that found an order and moved its cursor, before it kept gaps', 'sitoo-poll-v1-found.bin', 'sitoo-poll-10020-2026-12-03T11:16:19Z'],
  ])('%s, from before ERP writes were made exactly once (fcfcfed)', async (_title, file, workflowId) => {
    const history = proto.temporal.api.history.v1.History.decode(readFileSync(join(histories, file)));
    expect(history.events.length).toBeGreaterThan(5);
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, workflowId);
  });
});
