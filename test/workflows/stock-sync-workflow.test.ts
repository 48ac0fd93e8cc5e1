import type { WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StockActivities } from '../../src/activities/stock-sync-activities';
import {
  stockChangedSignal,
  stockStatusQuery,
  type RefusedStockWork,
  type StockFlushInput,
  type StockFlushSummary,
  type StockKey,
} from '../../src/workflows/stock-contract';
import { TASK_QUEUES } from '../../src/workflows/task-queues';
import { connectTemporal, waitFor, type TestTemporal } from '../support/temporal';
import { workflowSpanSinks } from '../../src/workers/tracing';

// The coalescer's orchestration on a real server, with its flush activity replaced by a recorder.
const flushes: StockFlushInput[] = [];
let inFlight = 0;
let maxInFlight = 0;
let release: (() => void) | undefined;
let holdNext = false;

const summary = (input: StockFlushInput): StockFlushSummary => ({
  flushSeq: input.flushSeq,
  transactions: input.transactionIds.length,
  keys: input.keys.length,
  written: input.transactionIds.length,
  ecommerceCalls: 1,
  staleRetries: 0,
  mirrored: 0,
  erpRecords: [],
  unmappedWarehouses: [],
  notOnWeb: 0,
  rejected: [],
  sample: [],
});

/**
 * Refusals per account, as the real flush reports them: `location` refuses that location's levels
 * (its master read refused) and lets the rest go out; `whole` refuses the flush outright.
 */
const broken = new Map<number, { location?: string; whole?: boolean }>();
/** Flushes of the refusing accounts, with whether they were refused. */
const refusing: Array<StockFlushInput & { refused: boolean }> = [];

const activities: Pick<StockActivities, 'syncStock'> = {
  async syncStock(input) {
    if (input.accountId >= 3) return refusingFlush(input);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    flushes.push(input);
    if (holdNext) {
      holdNext = false;
      await new Promise<void>((ok) => (release = ok));
    }
    inFlight--;
    return summary(input);
  },
};

async function refusingFlush(input: StockFlushInput): Promise<StockFlushSummary> {
  const rule = broken.get(input.accountId);
  if (rule?.whole) {
    refusing.push({ ...input, refused: true });
    throw ApplicationFailure.nonRetryable('shopify FindVariantsBySku: access denied', 'EcommerceRejected');
  }
  const held = input.keys.filter((k) => k.locationId === rule?.location);
  refusing.push({ ...input, refused: held.length > 0 });
  const refused: RefusedStockWork[] = held.length
    ? [
        {
          part: `ErpRejected:${rule!.location}`,
          exceptionType: 'unmapped-warehouse',
          failureType: 'ErpRejected',
          message: `Business Central has no location with code '${rule!.location}'`,
          keys: held,
          transactionIds: [],
        },
      ]
    : [];
  return { ...summary(input), refused };
}

let t: TestTemporal;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  t = await connectTemporal('wf-stock');
  worker = await Worker.create({
    connection: t.nativeConnection,
    dataConverter: t.dataConverter,
    namespace: t.namespace,
    taskQueue: TASK_QUEUES.inventory,
    workflowBundle: t.workflowBundle,
    sinks: workflowSpanSinks(),
    activities,
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await t?.close();
});

const flushed = (ids: number[]) => flushes.flatMap((f) => f.transactionIds).filter((id) => ids.includes(id));

describe('stockSyncWorkflow', () => {
  it('runs one flush at a time and folds everything signalled meanwhile into the next one', async () => {
    holdNext = true;
    const handle = await t.client.workflow.signalWithStart('stockSyncWorkflow', {
      workflowId: 'stock-sync-1',
      taskQueue: TASK_QUEUES.inventory,
      args: [{ accountId: 1 }],
      signal: stockChangedSignal,
      signalArgs: [{ sitooTransactions: [1] }],
    });
    await waitFor('the first flush to be held', () => release !== undefined);
    const burst = Array.from({ length: 30 }, (_, i) => i + 2);
    for (const id of burst)
      await handle.signal(stockChangedSignal, { sitooTransactions: [id], keys: [{ locationId: 'S01', sku: 'HOT' }] });
    release!();
    await waitFor('the burst to be flushed', () => flushed(burst).length === burst.length);
    expect(maxInFlight).toBe(1);
    const after = flushes.slice(flushes.findIndex((f) => f.transactionIds.includes(1)) + 1);
    // All 30 changes, and the hot key once, in the flush right after the held one.
    expect(after[0]!.transactionIds).toEqual(burst);
    expect(after[0]!.keys).toEqual([{ locationId: 'S01', sku: 'HOT' }]);
    expect(after[0]!.flushSeq).toBe(2);
    const status = await handle.query(stockStatusQuery);
    expect(status).toMatchObject({ pendingTransactions: 0, totals: { flushes: 2, transactions: 31 } });
  });

  it('continues as new with its pending work and flush numbering when the history grows', async () => {
    const handle = await t.client.workflow.signalWithStart('stockSyncWorkflow', {
      workflowId: 'stock-sync-2',
      taskQueue: TASK_QUEUES.inventory,
      args: [{ accountId: 2, maxHistoryEvents: 40 }],
      signal: stockChangedSignal,
      signalArgs: [{ sitooTransactions: [1000] }],
    });
    const ids = Array.from({ length: 40 }, (_, i) => 1001 + i);
    for (const id of ids) await handle.signal(stockChangedSignal, { sitooTransactions: [id] });
    await waitFor('every change to be flushed', () => flushed([1000, ...ids]).length === ids.length + 1);
    const desc = await handle.describe();
    expect(desc.runId).not.toBe(handle.signaledRunId);
    const seqs = flushes.filter((f) => f.transactionIds.some((id) => id >= 1000)).map((f) => f.flushSeq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(
      flushes
        .filter((f) => f.transactionIds.some((id) => id >= 1000))
        .flatMap((f) => f.transactionIds)
        .sort((a, b) => a - b),
    ).toEqual([1000, ...ids]);
  });
});

describe('stockSyncWorkflow with refused work', () => {
  const touches = (f: StockFlushInput, locationId: string) => f.keys.some((k) => k.locationId === locationId);
  const ofAccount = (accountId: number) => refusing.filter((f) => f.accountId === accountId);

  async function historyOf(handle: WorkflowHandle, runId?: string) {
    const events = (await t.client.workflow.getHandle(handle.workflowId, runId).fetchHistory()).events ?? [];
    const type = temporal.api.enums.v1.EventType;
    const children = (name: string) =>
      events
        .filter(
          (e) =>
            e.eventType === type.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED &&
            e.startChildWorkflowExecutionInitiatedEventAttributes!.workflowType!.name === name,
        )
        .map((e) => e.startChildWorkflowExecutionInitiatedEventAttributes!.workflowId!);
    return {
      stockMoves: children('stockMoveWorkflow'),
      timersMs: events
        .filter((e) => e.eventType === type.EVENT_TYPE_TIMER_STARTED)
        .map((e) => {
          const d = e.timerStartedEventAttributes!.startToFireTimeout!;
          return Number(d.seconds ?? 0) * 1000 + (d.nanos ?? 0) / 1e6;
        }),
      recorded: children('recordedExceptionWorkflow'),
    };
  }

  it('holds a refused location, retries it with backoff under one recorded exception, and lets the other levels go', async () => {
    broken.set(3, { location: 'WH99' });
    const bad: StockKey = { locationId: 'WH99', sku: 'A' };
    const good: StockKey = { locationId: 'CENTRAL', sku: 'B' };
    const handle = await t.client.workflow.signalWithStart('stockSyncWorkflow', {
      workflowId: 'stock-sync-3',
      taskQueue: TASK_QUEUES.inventory,
      args: [{ accountId: 3, heldRetry: { first: '1s', max: '2s' } }],
      signal: stockChangedSignal,
      signalArgs: [{ keys: [bad, good] }],
    });
    await waitFor(
      'the refused level to be tried three times',
      () => ofAccount(3).filter((f) => touches(f, 'WH99')).length >= 3,
      20_000,
    );
    const status = await handle.query(stockStatusQuery);
    expect(status.held).toMatchObject([
      { part: 'ErpRejected:WH99', exceptionType: 'unmapped-warehouse', keys: 1, transactions: 0 },
    ]);
    expect(status.held![0]!.attempts).toBeGreaterThanOrEqual(2);
    // Only the refused level is tried again; the other went out in the first flush.
    expect(ofAccount(3).filter((f) => touches(f, 'CENTRAL'))).toHaveLength(1);
    for (const retry of ofAccount(3).slice(1)) expect(retry.keys).toEqual([bad]);
    // One record for the standing refusal, however often it is refused; retries back off to the maximum.
    const history = await historyOf(handle);
    expect(history.recorded).toEqual([status.held![0]!.exceptionId]);
    expect(history.recorded[0]).toMatch(/^stock-held-3-/);
    expect(history.timersMs.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...history.timersMs)).toBeGreaterThan(1000);
    expect(Math.max(...history.timersMs)).toBeLessThanOrEqual(2000);

    // The cause is fixed: the held level goes out at its next try, and nothing is held any more.
    broken.delete(3);
    await waitFor('the held level to go out', () => ofAccount(3).some((f) => touches(f, 'WH99') && !f.refused), 20_000);
    await waitFor('nothing held', async () => (await handle.query(stockStatusQuery)).held?.length === 0);
  });

  it('holds every level and transaction of a flush refused outright, and sends them once the refusal ends', async () => {
    broken.set(4, { whole: true });
    const handle = await t.client.workflow.signalWithStart('stockSyncWorkflow', {
      workflowId: 'stock-sync-4',
      taskQueue: TASK_QUEUES.inventory,
      args: [{ accountId: 4, heldRetry: { first: '1s', max: '1s' } }],
      signal: stockChangedSignal,
      signalArgs: [{ sitooTransactions: [4001], keys: [{ locationId: 'S01', sku: 'HOT' }] }],
    });
    await waitFor('the refused flush to be tried again', () => ofAccount(4).length >= 3, 20_000);
    // The coalescer carries on (a refused local activity used to fail it), holding the flush's work under one record.
    expect((await handle.describe()).status.name).toBe('RUNNING');
    expect((await handle.query(stockStatusQuery)).held).toMatchObject([
      { part: 'EcommerceRejected:flush', exceptionType: 'ecommerce-rejected', keys: 1, transactions: 1 },
    ]);
    const history = await historyOf(handle);
    expect(history.recorded).toEqual([expect.stringMatching(/^stock-held-4-EcommerceRejected-flush-1$/)]);
    // The transaction's ERP record does not wait for the web: started once, when it was first held.
    expect(history.stockMoves).toEqual(['stock-move-4-4001']);
    broken.delete(4);
    await waitFor(
      'the held work to go out',
      () => ofAccount(4).some((f) => !f.refused && f.transactionIds.includes(4001) && touches(f, 'S01')),
      20_000,
    );
    await waitFor('nothing held', async () => (await handle.query(stockStatusQuery)).held?.length === 0);
  });

  it('carries held work over continue-as-new, without recording it again', async () => {
    broken.set(5, { location: 'WH99' });
    const handle = await t.client.workflow.signalWithStart('stockSyncWorkflow', {
      workflowId: 'stock-sync-5',
      taskQueue: TASK_QUEUES.inventory,
      args: [{ accountId: 5, maxHistoryEvents: 40, heldRetry: { first: '1s', max: '1s' } }],
      signal: stockChangedSignal,
      signalArgs: [{ keys: [{ locationId: 'WH99', sku: 'A' }] }],
    });
    const firstRun = handle.signaledRunId!;
    for (let id = 5001; id <= 5060; id++) await handle.signal(stockChangedSignal, { sitooTransactions: [id] });
    await waitFor('a new run', async () => (await handle.describe()).runId !== firstRun, 20_000);
    const status = await waitFor('the new run to report', () => handle.query(stockStatusQuery));
    expect(status.held).toMatchObject([{ part: 'ErpRejected:WH99', keys: 1 }]);
    const recordedBefore = (await historyOf(handle, firstRun)).recorded;
    expect(recordedBefore).toEqual([status.held![0]!.exceptionId]);
    broken.delete(5);
    const fixedAt = ofAccount(5).length;
    await waitFor(
      'the held level to go out',
      () =>
        ofAccount(5)
          .slice(fixedAt)
          .some((f) => touches(f, 'WH99') && !f.refused),
      20_000,
    );
    await waitFor('nothing held', async () => (await handle.query(stockStatusQuery)).held?.length === 0);
    expect((await historyOf(handle)).recorded).toEqual([]);
  });
});
