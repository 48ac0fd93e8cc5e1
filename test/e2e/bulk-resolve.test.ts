import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  previewBulkResolve,
  reportBulkResolve,
  startBulkResolve,
  waitForBatch,
  type BatchProgress,
} from '../../src/client/bulk-resolve';
import { localDate } from '../../src/domain/business-day';
import { endOfDayWorkflowId } from '../../src/domain/ids';
import { PaymentState } from '../../src/domain/sale';
import type { LocalStack } from '../../src/local/stack';
import { endOfDayStatusQuery, type EndOfDayInput } from '../../src/workflows/end-of-day-contract';
import { resolveUpdate, statusQuery } from '../../src/workflows/sale-contract';
import { TASK_QUEUES } from '../../src/workflows/task-queues';
import { connectTemporal, waitFor, type TestTemporal } from '../support/temporal';
import { parkedAs, runOps, saleHandle, saleResult, sell, startTestStack } from './stack-fixture';

// Bulk resolution from the command line (`npm run ops -- resolve`) over real parked flows: a
// preview of what the query finds, a confirmation, one Temporal batch job sending the `resolve`
// signal to exactly the executions previewed, and a report read back from each workflow's status.
let t: TestTemporal;
let stack: LocalStack;
const zone = 'Europe/Stockholm';
const played = {
  /** Sales at S02 with a SKU the ERP does not know: unknown-sku, for master data. */
  unknownAtS02: [] as number[],
  /** The same at S01: outside every query below, so never touched. */
  unknownAtS01: 0,
  /** Sales at S02 never paid: payment-not-confirmed, for finance. */
  neverPaidAtS02: [] as number[],
};
let eodS02: string;
/** Parked at S01 after the pinned batch job's preview: left for the tests after it. */
let lateAtS01 = 0;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const saleId = (orderId: number) => saleHandle(stack, orderId).workflowId;
const status = (orderId: number) => saleHandle(stack, orderId).query(statusQuery);
const eodStatus = () => stack.client.workflow.getHandle(eodS02).query(endOfDayStatusQuery);

function sellUnknownSku(warehouseId: number): number {
  return stack.sitoo.pos.recordSale({
    warehouseId,
    lines: [{ sku: 'NEW-1', quantity: 1, unitPriceGross: '50.00', vatPercent: 25 }],
    payments: [{ name: 'Cash', amount: '50.00' }],
  }).orderId;
}

/** What an operator's query lists, as the server's visibility has it now. */
async function listed(query: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const info of stack.client.workflow.list({ query })) ids.push(info.workflowId);
  return ids.sort();
}

async function batchJobs(): Promise<string[]> {
  const res = await t.client.workflowService.listBatchOperations({ namespace: t.namespace });
  return (res.operationInfo ?? []).map((o) => o.jobId!);
}

/** The CLI as an operator runs it, reaching the stack's Temporal with the stack's payload keys. */
function resolveCli(args: string[]) {
  const env = stack.envVars;
  return runOps(['resolve', ...args], {
    TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS!,
    TEMPORAL_NAMESPACE: env.TEMPORAL_NAMESPACE!,
    TEMPORAL_PAYLOAD_KEYS: env.TEMPORAL_PAYLOAD_KEYS!,
  });
}

beforeAll(async () => {
  t = await connectTemporal('e2e-bulk-resolve');
  stack = await startTestStack(t, 'bulk-resolve', { paymentConfirmationTimeout: '2s' });
  const today = localDate(Math.floor(Date.now() / 1000), zone);
  played.unknownAtS02 = [sellUnknownSku(102), sellUnknownSku(102), sellUnknownSku(102)];
  played.unknownAtS01 = sellUnknownSku(101);
  played.neverPaidAtS02 = [
    sell(stack, 102, [['TEE-1', 1]], PaymentState.Pending).orderId,
    sell(stack, 102, [['CAP-1', 1]], PaymentState.Pending).orderId,
  ];
  for (const id of [...played.unknownAtS02, played.unknownAtS01]) await parkedAs(stack, id, 'unknown-sku');
  for (const id of played.neverPaidAtS02) await parkedAs(stack, id, 'payment-not-confirmed');

  // S02's day closes with sales missing from the ERP: it parks for finance, who may accept or retry, never skip.
  const closeAt = new Date(Date.now() + 1500);
  stack.sitoo.pos.closeRegister({ warehouseId: 102, at: closeAt });
  await waitFor('the register to close', () => Date.now() > closeAt.getTime(), 5_000);
  eodS02 = endOfDayWorkflowId('S02', today);
  const input: EndOfDayInput = {
    accountId: stack.env.SITOO_ACCOUNT_ID,
    storeId: 'S02',
    date: today,
    payoutRecheck: '1s',
    payoutMaxWait: '0s',
  };
  await stack.client.workflow.start('endOfDayWorkflow', {
    workflowId: eodS02,
    taskQueue: TASK_QUEUES.main,
    args: [input],
  });
  await waitFor('the S02 day to park', async () => (await eodStatus()).exception, 60_000);
  const expected = [...played.unknownAtS02, ...played.neverPaidAtS02].map(saleId).concat(eodS02).sort();
  await waitFor(
    'visibility to list every exception at S02',
    async () =>
      JSON.stringify(await listed('StoreId = "S02" AND ExceptionType IS NOT NULL')) === JSON.stringify(expected),
    30_000,
    250,
  );
}, 240_000);

afterAll(async () => {
  await stack?.close();
  await t?.close();
});

describe('npm run ops -- resolve', () => {
  it('refuses invalid input before anything is sent, naming the field', async () => {
    const mapping = await resolveCli([
      '--query',
      'StoreId = "S02"',
      '--action',
      'retry-with-mapping',
      '--mapping',
      '{"storeId":"S02"}',
      '--reason',
      'typo',
      '--yes',
    ]);
    expect(mapping.code).toBe(2);
    expect(mapping.stderr).toContain('mapping.erpLocationCode must be a non-empty string');
    expect(mapping.stderr).toMatch(/nothing (was )?sent/i);

    const notJson = await resolveCli([
      '--query',
      'StoreId = "S02"',
      '--action',
      'retry-with-mapping',
      '--mapping',
      'POP1',
      '--reason',
      'typo',
    ]);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/--mapping is not JSON/);

    const noReason = await resolveCli(['--query', 'StoreId = "S02"', '--action', 'retry', '--yes']);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toMatch(/--reason/);

    const action = await resolveCli(['--query', 'StoreId = "S02"', '--action', 'nuke', '--reason', 'x', '--yes']);
    expect(action.code).toBe(2);
    expect(action.stderr).toMatch(/action must be one of retry, skip/);

    const query = await resolveCli(['--query', 'Aisle = "3"', '--action', 'retry', '--reason', 'x', '--yes']);
    expect(query.code).toBe(2);
    expect(query.stderr).toMatch(/Nothing sent: Temporal refused the query .*'Aisle' is not a valid search attribute/);

    expect(await batchJobs()).toEqual([]);
    for (const id of played.unknownAtS02) {
      const s = await status(id);
      expect(s.resolutions).toEqual([]);
      expect(s.lastRefusal).toBeUndefined();
    }
  });

  it('without --yes and without a terminal shows the preview and sends nothing', async () => {
    const run = await resolveCli([
      '--query',
      'ExceptionType = "unknown-sku" AND StoreId = "S02"',
      '--action',
      'retry',
      '--reason',
      'item created in the ERP',
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^3 parked workflows match/m);
    for (const id of played.unknownAtS02)
      expect(run.stdout).toMatch(new RegExp(`^ {2}${saleId(id)} .*unknown-sku`, 'm'));
    expect(run.stderr).toMatch(/Nothing sent/);
    expect(run.stderr).toContain('--yes');
    expect(await batchJobs()).toEqual([]);
    for (const id of played.unknownAtS02) expect((await status(id)).exception?.type).toBe('unknown-sku');
  });

  it('retries every unknown-sku sale at S02 in one batch job and reports each accepted', async () => {
    // Master data creates the item; the sales parked for it are retried together.
    stack.erp.state.seedItem({ number: 'NEW-1', displayName: 'New arrival', unitPrice: 50, vatPercent: 25 });
    const run = await resolveCli([
      '--query',
      'ExceptionType = "unknown-sku" AND StoreId = "S02"',
      '--action',
      'retry',
      '--reason',
      'item created in the ERP',
      '--resolved-by',
      'master-data@example.com',
      '--yes',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    // The preview: how many, and each one with its type, store, owner and age.
    expect(run.stdout).toMatch(/^3 parked workflows match/m);
    for (const id of played.unknownAtS02)
      expect(run.stdout).toMatch(
        new RegExp(
          `^ {2}${saleId(id)} +saleWorkflow +unknown-sku +S02 +master-data +since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC`,
          'm',
        ),
      );
    expect(run.stdout).toMatch(/^All 3 allow retry\.$/m);
    expect(run.stdout).not.toContain(saleId(played.unknownAtS01));
    // One batch job, its progress, and each workflow's answer.
    const jobId = /^Batch job (\S+):/m.exec(run.stdout)?.[1];
    expect(jobId).toBeDefined();
    expect(await batchJobs()).toEqual([jobId]);
    expect(run.stdout).toMatch(/^ {2}3 of 3 signalled, 0 failed$/m);
    for (const id of played.unknownAtS02)
      expect(run.stdout).toMatch(new RegExp(`^ {2}accepted +${saleId(id)} +unknown-sku at S02`, 'm'));
    expect(run.stdout).toMatch(/^3 accepted, 0 refused, 0 pending, 0 failed$/m);

    for (const id of played.unknownAtS02) {
      expect((await saleResult(stack, id)).outcome).toBe('completed');
      expect((await status(id)).resolutions).toEqual([
        expect.objectContaining({
          exceptionType: 'unknown-sku',
          action: 'retry',
          reason: 'item created in the ERP',
          resolvedBy: 'master-data@example.com',
          via: 'signal',
        }),
      ]);
    }
    // The batch job carried the input as the client's data converter encoded it: encrypted.
    const history = await stack.client.workflowService.getWorkflowExecutionHistory({
      namespace: t.namespace,
      execution: { workflowId: saleId(played.unknownAtS02[0]!) },
    });
    const signalled = history.history!.events!.filter(
      (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'resolve',
    );
    expect(signalled).toHaveLength(1);
    const [payload] = signalled[0]!.workflowExecutionSignaledEventAttributes!.input!.payloads!;
    expect(Buffer.from(payload!.metadata!.encoding!).toString()).toBe('binary/encrypted');
    expect(Buffer.from(payload!.data!).includes('master-data@example.com')).toBe(false);
    // The same exception at another store was not in the query and is still parked.
    const s01 = await status(played.unknownAtS01);
    expect(s01.exception?.type).toBe('unknown-sku');
    expect(s01.resolutions).toEqual([]);
    const described = await t.client.workflowService.describeBatchOperation({ namespace: t.namespace, jobId });
    expect(Number(described.totalOperationCount)).toBe(3);
    expect(described.reason).toBe('item created in the ERP');
  });

  it('skips what is parked at S02 where skip applies, and reports the day close refusing it, changing nothing there', async () => {
    await waitFor(
      'the retried sales to leave the list',
      async () => (await listed('StoreId = "S02" AND ExceptionType IS NOT NULL')).length === 3,
      30_000,
      250,
    );
    const before = await eodStatus();
    const run = await resolveCli([
      '--query',
      'StoreId = "S02"',
      '--action',
      'skip',
      '--reason',
      'walked out, not booked',
      '--resolved-by',
      'finance@example.com',
      '--yes',
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^3 parked workflows match/m);
    const refusal = 'action "skip" does not apply to a reconciliation-gap exception; allowed: accept, retry';
    // Said in advance...
    expect(run.stdout).toMatch(/^2 allow skip; 1 will refuse it/m);
    expect(run.stdout).toContain(`  ${eodS02}: ${refusal}`);
    // ...and reported from what the day close recorded when the signal reached it.
    expect(run.stdout).toMatch(
      new RegExp(`^ {2}refused +${eodS02} +reconciliation-gap at S02: ${escape(refusal)}$`, 'm'),
    );
    for (const id of played.neverPaidAtS02)
      expect(run.stdout).toMatch(new RegExp(`^ {2}accepted +${saleId(id)} +payment-not-confirmed at S02`, 'm'));
    expect(run.stdout).toMatch(/^2 accepted, 1 refused, 0 pending, 0 failed$/m);

    for (const id of played.neverPaidAtS02) expect((await saleResult(stack, id)).outcome).toBe('skipped');
    const after = await eodStatus();
    expect(after.exception).toEqual(before.exception);
    expect(after.resolutions).toEqual(before.resolutions);
    expect(after.lastRefusal).toMatchObject({
      reason: refusal,
      input: { action: 'skip', reason: 'walked out, not booked', resolvedBy: 'finance@example.com' },
    });
    expect(await batchJobs()).toHaveLength(2);
  });

  it('touches exactly the executions previewed, not one that matches the query after the preview', async () => {
    // S01 has one sale parked as unknown-sku; a second parks between preview and confirmation.
    const query = 'ExceptionType = "unknown-sku" AND StoreId = "S01"';
    const resolution = { action: 'skip' as const, reason: 'booked by hand', resolvedBy: 'master-data@example.com' };
    const preview = await previewBulkResolve(stack.client, query, resolution);
    expect(preview.targets.map((x) => [x.workflowId, x.verdict.kind])).toEqual([
      [saleId(played.unknownAtS01), 'accepts'],
    ]);
    const late = (lateAtS01 = stack.sitoo.pos.recordSale({
      warehouseId: 101,
      lines: [{ sku: 'NEW-2', quantity: 1, unitPriceGross: '20.00', vatPercent: 25 }],
      payments: [{ name: 'Cash', amount: '20.00' }],
    }).orderId);
    await parkedAs(stack, late, 'unknown-sku');
    await waitFor('the late sale to match the query', async () => (await listed(query)).includes(saleId(late)), 30_000);

    const jobId = await startBulkResolve(stack.client, preview, { reason: resolution.reason });
    const seen: BatchProgress[] = [];
    const done = await waitForBatch(stack.client, jobId, (p) => seen.push(p));
    expect(done).toMatchObject({ state: 'completed', total: 1, completed: 1, failed: 0 });
    expect(seen.at(-1)).toEqual(done);
    const outcomes = await reportBulkResolve(stack.client, preview, { deadlineMs: 30_000 });
    expect([...outcomes.values()]).toEqual([{ kind: 'accepted', now: 'now skipped' }]);
    expect((await saleResult(stack, played.unknownAtS01)).outcome).toBe('skipped');
    const lateStatus = await status(late);
    expect(lateStatus.exception?.type).toBe('unknown-sku');
    expect(lateStatus.resolutions).toEqual([]);
    expect(lateStatus.lastRefusal).toBeUndefined();
  });

  it('reports as failed a workflow that closed between the preview and the batch job', async () => {
    const preview = await previewBulkResolve(stack.client, `WorkflowId = "${saleId(lateAtS01)}"`, {
      action: 'retry',
      reason: 'item created',
    });
    expect(preview.targets).toHaveLength(1);
    // Someone else skips it by hand meanwhile: the sale ends.
    await saleHandle(stack, lateAtS01).executeUpdate(resolveUpdate, { args: [{ action: 'skip', reason: 'by hand' }] });
    expect((await saleResult(stack, lateAtS01)).outcome).toBe('skipped');
    const jobId = await startBulkResolve(stack.client, preview, { reason: 'item created' });
    // The batch job counts a signal to a closed workflow as done; the workflow says otherwise.
    expect(await waitForBatch(stack.client, jobId, () => {})).toMatchObject({ state: 'completed', failed: 0 });
    const outcomes = await reportBulkResolve(stack.client, preview, { deadlineMs: 10_000 });
    expect([...outcomes.values()]).toEqual([
      { kind: 'failed', reason: 'it closed (COMPLETED) before the signal reached it' },
    ]);
  });

  it('reports as pending a workflow whose worker is down, which takes the signal once its worker is back', async () => {
    await stack.stopWorkers();
    let restarted = false;
    try {
      const resolution = {
        action: 'accept' as const,
        reason: 'sales booked by hand',
        resolvedBy: 'finance@example.com',
      };
      const preview = await previewBulkResolve(stack.client, `WorkflowId = "${eodS02}"`, resolution, {
        queryTimeoutMs: 1_000,
      });
      expect(preview.targets.map((x) => [x.workflowId, x.verdict.kind])).toEqual([[eodS02, 'unknown']]);
      const jobId = await startBulkResolve(stack.client, preview, { reason: resolution.reason });
      expect(await waitForBatch(stack.client, jobId, () => {})).toMatchObject({ state: 'completed', completed: 1 });
      const early = await reportBulkResolve(stack.client, preview, { deadlineMs: 2_000, queryTimeoutMs: 500 });
      expect([...early.values()]).toEqual([{ kind: 'pending' }]);

      await stack.startWorkers();
      restarted = true;
      const late = await reportBulkResolve(stack.client, preview, { deadlineMs: 30_000 });
      expect([...late.values()]).toEqual([{ kind: 'accepted', now: expect.any(String) }]);
      expect((await eodStatus()).resolutions.at(-1)).toMatchObject({ action: 'accept', via: 'signal' });
    } finally {
      if (!restarted) await stack.startWorkers();
    }
  });
});
