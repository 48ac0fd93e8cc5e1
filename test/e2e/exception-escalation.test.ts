import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PaymentState } from '../../src/domain/sale';
import { exceptionSlas } from '../../src/domain/exceptions';
import type { EscalationResult } from '../../src/activities/exception-escalation-activities';
import type { LocalStack } from '../../src/local/stack';
import { saleWorkflowId } from '../../src/domain/ids';
import { TASK_QUEUES } from '../../src/workflows/task-queues';
import { connectTemporal, waitFor, type TestTemporal } from '../support/temporal';
import { parkedAs, saleHandle, sell, startTestStack } from './stack-fixture';

// Exceptions past their SLA: marked overdue on the exception itself, the owning team told once
// through its incoming webhook (the Slack-style simulator), never again on later runs.
let t: TestTemporal;
let stack: LocalStack;
let runs = 0;

beforeAll(async () => {
  t = await connectTemporal('e2e-escalation');
  // A sale not paid within a second parks as payment-not-confirmed.
  stack = await startTestStack(t, 'escalation', { paymentConfirmationTimeout: '1s' });
  await stack.startWorkers();
});

afterAll(async () => {
  await stack?.close();
  await t?.close();
});

const escalate = () =>
  stack.client.workflow.execute('exceptionEscalationWorkflow', {
    workflowId: `escalation-test-${++runs}`,
    taskQueue: TASK_QUEUES.main,
    args: [{}],
  }) as Promise<EscalationResult>;

/** Waits until visibility lists the sale as parked before `before` (ExceptionSince), as the escalation reads it. */
const listedParkedBefore = (orderId: number, before: () => Date) =>
  waitFor(`sale ${orderId} listed as parked before the SLA cut-off`, async () => {
    const id = saleWorkflowId(stack.env.SITOO_ACCOUNT_ID, orderId);
    for await (const w of stack.client.workflow.list({
      query: `WorkflowId = "${id}" AND ExceptionSince < "${before().toISOString()}"`,
    }))
      return w;
    return undefined;
  });

describe('exception escalation', () => {
  it('marks an exception past its SLA overdue and tells its team once, never again on the next runs', async () => {
    // Before: nothing looked at how long an exception had waited; nobody was told.
    const orderId = stack.sitoo.pos.recordSale({
      warehouseId: 102,
      lines: [{ sku: 'NOPE-9', quantity: 1, unitPriceGross: '50.00', vatPercent: 25 }],
      payments: [{ name: 'Cash', amount: '50.00' }],
    }).orderId;
    const parked = await parkedAs(stack, orderId, 'unknown-sku');
    expect(parked.exception?.overdue).toBeUndefined();

    // Within its SLA (the default, a day): nothing happens.
    expect((await escalate()).marked).toBe(0);
    expect(stack.teamWebhooks.messages).toEqual([]);

    stack.env.EXCEPTION_SLAS = exceptionSlas('unknown-sku=1s');
    await listedParkedBefore(orderId, () => new Date(Date.now() - 1000));
    const first = await escalate();
    expect(first).toMatchObject({ marked: 1, notified: 1 });

    const messages = stack.teamWebhooks.messages.filter((m) => m.text.includes(saleWorkflowId(10020, orderId)));
    expect(messages).toHaveLength(1);
    expect(messages[0]!.team).toBe('master-data');
    expect(messages[0]!.text).toMatch(/^Overdue unknown-sku for master-data at S02: parked since .* past its 1s SLA\./);
    expect(messages[0]!.text).toContain('create the item in the system the details name');

    const status = await waitFor('the overdue mark on the sale', async () => {
      const s = await saleHandle(stack, orderId).query<{ exception?: { overdue?: unknown } }>('status');
      return s.exception?.overdue ? s : undefined;
    });
    expect(status.exception?.overdue).toMatchObject({ sla: '1s', notified: true });
    const { currentDetails } = await saleHandle(stack, orderId).query<{ currentDetails: string }>(
      '__temporal_workflow_metadata',
    );
    expect(currentDetails).toMatch(/^OVERDUE \(SLA 1s\) — Parked: unknown-sku at S02/);

    // The next runs find it marked: no second message.
    const again = await escalate();
    expect(again.marked).toBe(0);
    expect(again.alreadyMarked).toBeGreaterThanOrEqual(1);
    expect(stack.teamWebhooks.messages.filter((m) => m.text.includes(saleWorkflowId(10020, orderId)))).toHaveLength(1);
  });

  it('marks one whose team has no webhook, without a message, and retries a webhook that fails for a while', async () => {
    const orderId = sell(stack, 101, [['BOOK-1', 1]], PaymentState.Pending).orderId;
    await parkedAs(stack, orderId, 'payment-not-confirmed');
    stack.env.EXCEPTION_SLAS = exceptionSlas('payment-not-confirmed=1s');
    await listedParkedBefore(orderId, () => new Date(Date.now() - 1000));

    // Finance's webhook answers 500 for its first tries: Temporal retries the run's activity, and
    // finance still gets exactly one message.
    stack.teamWebhooks.faults.set({ errorRate: 1 });
    const run = escalate();
    await waitFor('the escalation retrying the failing webhook', async () => {
      const d = await stack.client.workflow.getHandle(`escalation-test-${runs}`).describe();
      const pending = (d.raw.pendingActivities ?? [])[0];
      return (pending?.attempt ?? 0) >= 2;
    });
    stack.teamWebhooks.faults.set({ errorRate: 0 });
    expect((await run).notified).toBeGreaterThanOrEqual(1);
    const told = stack.teamWebhooks.messages.filter((m) => m.text.includes(saleWorkflowId(10020, orderId)));
    expect(told.map((m) => m.team)).toEqual(['finance']);

    // A team with no webhook: marked overdue all the same, and nothing sent.
    const urls = stack.env.TEAM_WEBHOOK_URLS;
    const masterData = urls['master-data'];
    delete urls['master-data'];
    try {
      const other = stack.sitoo.pos.recordSale({
        warehouseId: 101,
        lines: [{ sku: 'NOPE-8', quantity: 1, unitPriceGross: '20.00', vatPercent: 25 }],
        payments: [{ name: 'Cash', amount: '20.00' }],
      }).orderId;
      await parkedAs(stack, other, 'unknown-sku');
      stack.env.EXCEPTION_SLAS = exceptionSlas('unknown-sku=1s');
      await listedParkedBefore(other, () => new Date(Date.now() - 1000));
      const before = stack.teamWebhooks.messages.length;
      expect((await escalate()).marked).toBe(1);
      const s = await saleHandle(stack, other).query<{ exception?: { overdue?: unknown } }>('status');
      expect(s.exception?.overdue).toMatchObject({ sla: '1s', notified: false });
      expect(stack.teamWebhooks.messages.length).toBe(before);
    } finally {
      urls['master-data'] = masterData;
    }
  });
});
