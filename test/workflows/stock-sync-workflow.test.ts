import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StockActivities } from '../../src/activities/stock-sync-activities';
import { stockChangedSignal, stockStatusQuery, type StockFlushInput, type StockFlushSummary } from '../../src/workflows/stock-contract';
import { TASK_QUEUES } from '../../src/workflows/task-queues';
import { connectTemporal, waitFor, type TestTemporal } from '../support/temporal';

// The coalescer's orchestration on a real server, with its flush activity replaced by a recorder.
const flushes: StockFlushInput[] = [];
let inFlight = 0;
let maxInFlight = 0;
let release: (() => void) | undefined;
let holdNext = false;

const summary = (input: StockFlushInput): StockFlushSummary => ({
  flushSeq: input.flushSeq, transactions: input.transactionIds.length, keys: input.keys.length, written: input.transactionIds.length, ecommerceCalls: 1, staleRetries: 0, mirrored: 0,
  erpRecords: [], unmappedWarehouses: [], notOnWeb: 0, rejected: [], sample: [],
});

const activities: Pick<StockActivities, 'syncStock'> = {
  async syncStock(input) {
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

let t: TestTemporal;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  t = await connectTemporal('wf-stock');
  worker = await Worker.create({ connection: t.nativeConnection, namespace: t.namespace, taskQueue: TASK_QUEUES.inventory, workflowBundle: t.workflowBundle, activities });
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
    const handle = await t.client.workflow.signalWithStart('stockSyncWorkflow', { workflowId: 'stock-sync-1', taskQueue: TASK_QUEUES.inventory, args: [{ accountId: 1 }], signal: stockChangedSignal, signalArgs: [{ sitooTransactions: [1] }] });
    await waitFor('the first flush to be held', () => release !== undefined);
    const burst = Array.from({ length: 30 }, (_, i) => i + 2);
    for (const id of burst) await handle.signal(stockChangedSignal, { sitooTransactions: [id], keys: [{ locationId: 'S01', sku: 'HOT' }] });
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
    const handle = await t.client.workflow.signalWithStart('stockSyncWorkflow', { workflowId: 'stock-sync-2', taskQueue: TASK_QUEUES.inventory, args: [{ accountId: 2, maxHistoryEvents: 40 }], signal: stockChangedSignal, signalArgs: [{ sitooTransactions: [1000] }] });
    const ids = Array.from({ length: 40 }, (_, i) => 1001 + i);
    for (const id of ids) await handle.signal(stockChangedSignal, { sitooTransactions: [id] });
    await waitFor('every change to be flushed', () => flushed([1000, ...ids]).length === ids.length + 1);
    const desc = await handle.describe();
    expect(desc.runId).not.toBe(handle.signaledRunId);
    const seqs = flushes.filter((f) => f.transactionIds.some((id) => id >= 1000)).map((f) => f.flushSeq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(flushes.filter((f) => f.transactionIds.some((id) => id >= 1000)).flatMap((f) => f.transactionIds).sort((a, b) => a - b)).toEqual([1000, ...ids]);
  });
});
