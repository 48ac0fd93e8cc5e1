import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { addDays, localDate, localMidnight } from '../../src/domain/business-day';
import { endOfDayDocumentNumber, endOfDayWorkflowId, returnInStoreWorkflowId } from '../../src/domain/ids';
import { endOfDayScheduleId } from '../../src/workflows/end-of-day-contract';
import type { LocalStack } from '../../src/local/stack';
import {
  ensureEndOfDaySchedules,
  pauseEndOfDaySchedulesOfRemovedStores,
  STORE_LEFT_MAPPING,
} from '../../src/client/end-of-day-schedules';
import { createJournal, createJournalLine, postJournal } from '../../src/simulators/business-central/journals';
import { createConnectors } from '../../src/bootstrap/connectors';
import {
  endOfDayReportQuery,
  endOfDayStatusQuery,
  resolveUpdate,
  type EndOfDayInput,
  type ReconciliationReport,
} from '../../src/workflows/end-of-day-contract';
import { TASK_QUEUES } from '../../src/workflows/task-queues';
import { connectTemporal, waitFor, type TestTemporal } from '../support/temporal';
import { saleResult, startTestStack } from './stack-fixture';

// End of day on the whole stack: Sitoo day and Z-report, the ERP's journal and ledger, Stripe payouts.
let t: TestTemporal;
let stack: LocalStack;
const zone = 'Europe/Stockholm';
let seq = 0;

beforeAll(async () => {
  t = await connectTemporal('e2e-eod');
  stack = await startTestStack(t, 'end-of-day');
});

afterAll(async () => {
  await stack?.close();
  await t?.close();
});

/** A till sale paid by card: Sitoo records it, and the card processor records the same payment. */
function cardSale(warehouseId: number, storeId: string, sku: string, price: string, opts: { charge?: boolean } = {}) {
  const reference = `term-${storeId}-${++seq}`;
  const order = stack.sitoo.pos.recordSale({
    warehouseId,
    lines: [{ sku, quantity: 1, unitPriceGross: price, vatPercent: 25 }],
    payments: [{ name: 'Card', amount: price, reference }],
  });
  const cents = Math.round(Number(price) * 100);
  const chargeId =
    opts.charge === false
      ? undefined
      : stack.payments.state.recordCardPayment({
          amountCents: cents,
          currency: 'SEK',
          reference,
          storeId,
          at: new Date(),
        });
  return { order, reference, cents, chargeId };
}

const run = async (
  storeId: string,
  date: string,
  id = endOfDayWorkflowId(storeId, date),
  wait = { payoutRecheck: '1s', payoutMaxWait: '3s' },
) => {
  const input: EndOfDayInput = { accountId: stack.env.SITOO_ACCOUNT_ID, storeId, date, ...wait };
  return stack.client.workflow.start('endOfDayWorkflow', {
    workflowId: id,
    taskQueue: TASK_QUEUES.main,
    args: [input],
  });
};

describe('end of day', () => {
  it('posts one balanced journal, agrees with the Z-report and the sales, and matches card payments across payouts', async () => {
    const today = localDate(Math.floor(Date.now() / 1000), zone);
    const a = cardSale(101, 'S01', 'TEE-1', '199.00');
    const b = cardSale(101, 'S01', 'CAP-1', '149.00');
    const cash = stack.sitoo.pos.recordSale({
      warehouseId: 101,
      lines: [{ sku: 'BOOK-1', quantity: 1, unitPriceGross: '99.75', vatPercent: 25 }],
      payments: [{ name: 'Cash', amount: '100.00' }],
      roundOff: '0.25',
    });
    for (const o of [a.order, b.order, cash]) expect((await saleResult(stack, o.orderId)).outcome).toBe('completed');
    stack.payments.state.runPayout({ cutoff: new Date(Date.now() + 1000), arrivalDate: today });
    // A refund of b at the till, paid out in the next batch.
    const refund = stack.sitoo.pos.recordSale({
      warehouseId: 101,
      creditOrderId: b.order.orderId,
      lines: [{ sku: 'CAP-1', quantity: -1, unitPriceGross: '149.00', vatPercent: 25 }],
      payments: [{ name: 'Card', amount: '-149.00', reference: b.reference }],
    });
    stack.payments.state.recordRefund({ chargeId: b.chargeId!, amountCents: 14900, at: new Date() });
    const returnFlow = stack.client.workflow.getHandle(
      returnInStoreWorkflowId(stack.env.SITOO_ACCOUNT_ID, refund.orderId),
    );
    expect(
      await waitFor('the refund to be booked', () => returnFlow.result().catch(() => undefined), 60_000),
    ).toMatchObject({ outcome: 'store-refund-booked' });
    const c = cardSale(101, 'S01', 'TEE-1', '199.00');
    expect((await saleResult(stack, c.order.orderId)).outcome).toBe('completed');
    stack.payments.state.runPayout({ cutoff: new Date(Date.now() + 1000), arrivalDate: today });
    // Closed a moment later: the register's report covers receipts rung up before the close.
    stack.sitoo.pos.closeRegister({ warehouseId: 101, at: new Date(Date.now() + 2000) });

    const report: ReconciliationReport = await (await run('S01', today)).result();
    expect(report).toMatchObject({ status: 'reconciled', gapCount: 0, transactions: 5, zReports: 1, currency: 'SEK' });
    expect(report.paymentsByTender).toMatchObject({ card: 39800, cash: 10000 });
    // The refund went out in the second payout, netted against a later sale, and still counts for this day.
    expect(report.payout).toMatchObject({ matched: 4, matchedCents: 39800, unmatched: 0 });
    expect(report.payout.payoutIds).toHaveLength(2);
    expect(report.journal.lines.reduce((n, l) => n + l.amountCents, 0)).toBe(0);

    // Posted once: a second run of the same day finds the journal by its document number.
    const again: ReconciliationReport = await (await run('S01', today, `eod-again-S01-${today}`)).result();
    expect(again.journal.posted).toBe('already');
    const erp = createConnectors(stack.env).erp;
    expect(await erp.findJournalPosting(endOfDayDocumentNumber('S01', today))).toMatchObject({ posted: true });

    // The books count each figure once: revenue and VAT from the invoices and the refund's credit
    // memo, the walk-in customer cleared by the journal's tenders.
    const balance = stack.erp.state.trialBalance('2020-01-01', '2100-01-01');
    expect([...balance.values()].reduce((n, c) => n + c, 0)).toBe(0);
    expect(balance.get('2310') ?? 0).toBe(0);
    const revenueAndVat = ['6110', '5610', '5611', '5612'].reduce((n, a) => n + (balance.get(a) ?? 0), 0);
    expect(-revenueAndVat).toBe(19900 + 9975 + 19900); // each sale's gross once, b's reversed by its refund
    expect(balance.get('2920')).toBe(39800); // card clearing: what the day took by card, net of the refund
    // One line per row, so `temporal workflow query --name report -o json` prints the table as it reads.
    const lines = await stack.client.workflow.getHandle(endOfDayWorkflowId('S01', today)).query(endOfDayReportQuery);
    expect(Array.isArray(lines)).toBe(true);
    expect(lines[0]).toMatch(/^End of day S01 .*reconciled$/);
    expect(lines).toContain('Sales net of returns by VAT rate:');
    expect(lines.filter((l) => l.includes('\n'))).toEqual([]);
  });

  it('checks a posted journal against the ledger: posted twice, it parks for finance until reversed', async () => {
    // Before: finding the document posted was enough; nothing compared the posted ledger with the journal.
    const today = localDate(Math.floor(Date.now() / 1000), zone);
    const doc = endOfDayDocumentNumber('S01', today);
    const first: ReconciliationReport = await stack.client.workflow
      .getHandle(endOfDayWorkflowId('S01', today))
      .result();
    const postAgain = (sign: 1 | -1) => {
      const batch = createJournal(stack.erp.state, { code: `X${sign > 0 ? 'DUP' : 'REV'}` });
      for (const l of first.journal.lines) {
        createJournalLine(stack.erp.state, batch, {
          accountType: l.accountType ?? 'G/L Account',
          accountNumber: l.accountNumber,
          postingDate: today,
          documentNumber: doc,
          amount: (sign * l.amountCents) / 100,
          description: l.description,
        });
      }
      postJournal(stack.erp.state, batch);
    };
    postAgain(1); // what a second attempt beside the first used to do
    const handle = await run('S01', today, `eod-recheck-S01-${today}`);
    const parked = await waitFor(
      'the doubled ledger to park',
      async () => (await handle.query(endOfDayStatusQuery)).exception,
      60_000,
    );
    expect(parked).toMatchObject({ type: 'erp-rejected', owner: 'finance', allowedActions: ['retry'] });
    expect(parked.message).toMatch(
      new RegExp(`does not hold journal ${doc} once: account 2920 journal 398\\.00, posted 796\\.00`),
    );
    postAgain(-1); // finance reverses the extra posting
    await handle.executeUpdate(resolveUpdate, {
      args: [{ action: 'retry', reason: 'duplicate reversed', resolvedBy: 'finance' }],
    });
    expect(((await handle.result()) as ReconciliationReport).journal.posted).toBe('already');
  });

  it('lists every gap by Sitoo order for finance and parks until accepted with a reason', async () => {
    const today = localDate(Math.floor(Date.now() / 1000), zone);
    const paid = cardSale(102, 'S02', 'TEE-1', '199.00');
    const unpaidOnTheCardSide = cardSale(102, 'S02', 'CAP-1', '149.00', { charge: false });
    const neverPosted = stack.sitoo.pos.recordSale({
      warehouseId: 102,
      lines: [{ sku: 'NOPE-1', quantity: 1, unitPriceGross: '50.00', vatPercent: 25 }],
      payments: [{ name: 'Cash', amount: '50.00' }],
    });
    for (const o of [paid.order, unpaidOnTheCardSide.order])
      expect((await saleResult(stack, o.orderId)).outcome).toBe('completed');
    stack.payments.state.runPayout({ cutoff: new Date(Date.now() + 1000), arrivalDate: today });
    stack.sitoo.pos.closeRegister({ warehouseId: 102, at: new Date(Date.now() + 2000), skewCents: 1000 });

    const handle = await run('S02', today);
    const parked = await waitFor(
      'the gaps to park',
      async () => (await handle.query(endOfDayStatusQuery)).exception,
      60_000,
    );
    expect(parked).toMatchObject({ type: 'reconciliation-gap', owner: 'finance' });
    const report = (await handle.query(endOfDayStatusQuery)).report!;
    const kinds = report.gaps.map((g) => `${g.kind}:${g.orderId ?? ''}`);
    expect(kinds).toContain(`sale-never-posted:${neverPosted.orderId}`);
    expect(kinds).toContain(`card-payment-unmatched:${unpaidOnTheCardSide.order.orderId}`);
    expect(kinds.some((k) => k.startsWith('z-report-vs-journal'))).toBe(true);
    const refused = await handle
      .executeUpdate(resolveUpdate, { args: [{ action: 'accept' }] })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(String((refused as Error).cause)).toMatch(/reason is required/);
    await handle.executeUpdate(resolveUpdate, {
      args: [{ action: 'accept', reason: 'unknown SKU sale booked by hand', resolvedBy: 'finance' }],
    });
    expect(((await handle.result()) as ReconciliationReport).status).toBe('gaps-accepted');
  });

  it('a store schedule fires at local closing time and starts the day under its business id, plus missed days, once each', async () => {
    const [scheduleId] = await ensureEndOfDaySchedules(stack.client, {
      accountId: stack.env.SITOO_ACCOUNT_ID,
      stores: [{ storeId: 'S02', timeZone: zone }],
      closingTime: '21:30',
      payoutRecheck: '1s',
      payoutMaxWait: '1s',
      catchUpDays: 2,
    });
    const described = await stack.client.schedule.getHandle(scheduleId!).describe();
    expect(described.spec.timezone).toBe(zone);
    expect(described.spec.calendars?.[0]).toMatchObject({
      hour: [{ start: 21, end: 21, step: 1 }],
      minute: [{ start: 30, end: 30, step: 1 }],
    });
    await stack.client.schedule.getHandle(scheduleId!).delete();

    const days = [2, 1].map((back) => localDate(Math.floor(Date.now() / 1000) - back * 86_400, zone));
    const trigger = (id: string) =>
      stack.client.workflow.execute('endOfDayTriggerWorkflow', {
        workflowId: id,
        taskQueue: TASK_QUEUES.main,
        args: [
          {
            accountId: stack.env.SITOO_ACCOUNT_ID,
            storeId: 'S02',
            timeZone: zone,
            payoutRecheck: '1s',
            payoutMaxWait: '1s',
            catchUpDays: 2,
          },
        ],
      });
    // Today's day for S02 already ran (the test above); only the two missed days start.
    expect(await trigger('eod-trigger-1')).toEqual(days.map((d) => endOfDayWorkflowId('S02', d)));
    expect(await trigger('eod-trigger-2')).toEqual([]);
    for (const d of days)
      expect(
        ((await stack.client.workflow.getHandle(endOfDayWorkflowId('S02', d)).result()) as ReconciliationReport).status,
      ).toBe('reconciled');
  });

  it('a store that leaves the mapping and comes back gets its end-of-day schedule running again, every time', async () => {
    // Before: the return updated the schedule and then unpaused it in a second request. The
    // scheduler applies an unpause before an update that reaches it in the same batch, and the
    // update carried the stale "paused", so now and then the schedule stayed paused.
    const storeId = 'S77';
    const scheduleId = endOfDayScheduleId(storeId);
    const ensure = (minute: number, pausedHere: Set<string>) =>
      ensureEndOfDaySchedules(stack.client, {
        accountId: stack.env.SITOO_ACCOUNT_ID,
        stores: [{ storeId, timeZone: zone }],
        closingTime: `21:${minute}`,
        payoutRecheck: '1s',
        payoutMaxWait: '1s',
        pausedHere,
      });
    const handle = stack.client.schedule.getHandle(scheduleId);
    await ensure(10, new Set());
    try {
      for (let round = 1; round <= 40; round++) {
        const pausedHere = new Set<string>();
        const others: string[] = [];
        for await (const s of stack.client.schedule.list())
          if (s.scheduleId !== scheduleId) others.push(s.scheduleId.replace(endOfDayScheduleId(''), ''));
        expect(await pauseEndOfDaySchedulesOfRemovedStores(stack.client, others, pausedHere)).toEqual([scheduleId]);
        await waitFor('the schedule paused', async () => (await handle.describe()).state.paused, 10_000, 20);
        await ensure(10 + round, pausedHere);
        // Settled once the new closing time is in and the left-the-mapping note is gone.
        const settled = await waitFor(
          `round ${round}: the schedule updated and no longer paused for a store that left`,
          async () => {
            const d = await handle.describe();
            const minute = d.spec.calendars?.[0]?.minute?.[0]?.start;
            return minute === 10 + round && d.state.note !== STORE_LEFT_MAPPING ? d : undefined;
          },
          10_000,
          20,
        );
        expect(settled.state.paused).toBe(false);
        expect(pausedHere.size).toBe(0);
      }
    } finally {
      await handle.delete();
    }
  });

  it('reads exactly its store day: a sale at 00:30 local counts for that day, one at 23:30 the night before does not', async () => {
    // Before: sales were booked under their UTC date (00:30 in Stockholm is the UTC day before),
    // so end of day read the ERP a day either side and counted the neighbouring days' invoices.
    const day = addDays(localDate(Math.floor(Date.now() / 1000), zone), -1);
    const cashSale = (orderDate: number) =>
      stack.sitoo.pos.recordSale({
        warehouseId: 101,
        orderDate,
        lines: [{ sku: 'BOOK-1', quantity: 1, unitPriceGross: '99.00', vatPercent: 25 }],
        payments: [{ name: 'Cash', amount: '99.00' }],
      });
    const early = cashSale(localMidnight(day, zone) + 30 * 60);
    const nightBefore = cashSale(localMidnight(day, zone) - 30 * 60);
    for (const o of [early, nightBefore]) expect((await saleResult(stack, o.orderId)).outcome).toBe('completed');

    const report: ReconciliationReport = await (await run('S01', day, `eod-zone-S01-${day}`)).result();
    expect(report).toMatchObject({
      status: 'reconciled',
      gapCount: 0,
      transactions: 1,
      erpDocuments: 1,
      timeZone: zone,
    });
    expect(report.paymentsByTender).toMatchObject({ cash: 9900 });
  });

  it('a store gone from the mapping parks for whoever keeps the mapping, and a retry closes the day once it is back', async () => {
    // Before: the refusal was not caught and the day's workflow failed, with nobody told.
    const day = localDate(Math.floor(Date.now() / 1000) - 10 * 86_400, zone);
    const at = stack.mapping.stores.findIndex((s) => s.storeId === 'S02');
    const [gone] = stack.mapping.stores.splice(at, 1);
    try {
      const handle = await run('S02', day);
      const parked = await waitFor(
        'the unmapped store to park (or the day to end)',
        async () => {
          if ((await handle.describe()).status.name !== 'RUNNING')
            return { closed: (await handle.describe()).status.name };
          return (await handle.query(endOfDayStatusQuery)).exception;
        },
        30_000,
      );
      expect(parked).toMatchObject({
        type: 'unmapped-warehouse',
        owner: 'integration-ops',
        allowedActions: ['retry'],
        details: { storeId: 'S02', failureType: 'UnknownStore' },
      });
      expect('message' in parked && parked.message).toMatch(/store S02 is not in the mapping/);
      stack.mapping.stores.splice(at, 0, gone!);
      await handle.executeUpdate(resolveUpdate, {
        args: [{ action: 'retry', reason: 'S02 is back in the mapping', resolvedBy: 'integration-ops' }],
      });
      expect(((await handle.result()) as ReconciliationReport).status).toBe('reconciled');
    } finally {
      if (!stack.mapping.stores.includes(gone!)) stack.mapping.stores.splice(at, 0, gone!);
    }
  });

  it('a payout wait that is not a duration fails the day at once, naming the field', async () => {
    // Before: a bad value fell back to the default without a word, so the day waited a day per recheck.
    const day = localDate(Math.floor(Date.now() / 1000) - 11 * 86_400, zone);
    const handle = await run('S02', day, endOfDayWorkflowId('S02', day), {
      payoutRecheck: 'soon',
      payoutMaxWait: '3s',
    });
    const failure = await handle.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(String((failure as WorkflowFailedError).cause?.message)).toMatch(/payoutRecheck "soon" is not a duration/);
  });
});
