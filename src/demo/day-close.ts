import { DEFAULT_JOURNAL_ACCOUNTS } from '../config/journal-accounts';
import { localDate } from '../domain/business-day';
import { journalNetByAccount } from '../domain/day-journal';
import { endOfDayWorkflowId } from '../domain/ids';
import { formatCents, parseCents } from '../domain/money';
import type { LocalStack } from '../local/stack';
import { endOfDayStatusQuery, type EndOfDayInput, type ReconciliationReport } from '../workflows/end-of-day-contract';
import { renderReconciliation } from '../workflows/end-of-day-contract';
import { TASK_QUEUES } from '../workflows/task-queues';
import { BOOKED, type PlayedSale } from './check';
import type { OmniPlayed } from './omni';
import type { PlannedSale } from './scenario';

/**
 * The demo's day close: every till sale paid by card also reaches the card processor, a payout is
 * run, each register is closed, and each store's end of day runs. The check: a store's day either
 * reconciles, or lists exactly the sales and returns the flows could not book.
 */
export function cardPayment(stack: LocalStack, sale: PlannedSale, charged: boolean) {
  const total = sale.lines.reduce((n, l) => n + parseCents(l.unitPriceGross)! * l.quantity, 0);
  const reference = `term-${sale.storeId}-${Math.round(sale.at)}-${total}`;
  if (charged)
    stack.payments.state.recordCardPayment({
      amountCents: total,
      currency: 'SEK',
      reference,
      storeId: sale.storeId,
      at: new Date(),
    });
  return [{ name: 'Card', amount: formatCents(total), reference }];
}

/**
 * The posted G/L of a store-day's journal document, account by account, equals the journal: posted
 * once, not twice and not in part (a customer line posts to the receivables account).
 */
function ledgerHoldsJournalOnce(stack: LocalStack, storeId: string, report: ReconciliationReport): string[] {
  const doc = report.journal.documentNumber;
  const net = journalNetByAccount(report.journal.lines, DEFAULT_JOURNAL_ACCOUNTS.receivables);
  for (const e of stack.erp.state.glEntries().filter((g) => g.documentNumber === doc))
    net.set(e.accountNumber, (net.get(e.accountNumber) ?? 0) - e.amountCents);
  const off = [...net].filter(([, cents]) => cents !== 0);
  const drafts = stack.erp.state
    .journalDrafts()
    .flatMap((j) => j.lines)
    .filter((l) => l.documentNumber === doc);
  return [
    ...(off.length
      ? [
          `end of day ${storeId}: the ledger does not hold journal ${doc} exactly once (${off.map(([a, c]) => `account ${a} off by ${formatCents(c)}`).join(', ')})`,
        ]
      : []),
    ...(drafts.length
      ? [`end of day ${storeId}: ${drafts.length} draft line(s) of journal ${doc} left in a batch`]
      : []),
  ];
}

export async function closeTheDay(
  stack: LocalStack,
  played: PlayedSale[],
  omni: OmniPlayed,
  say: (s: string) => void,
): Promise<{ problems: string[]; lines: string[] }> {
  const timeZone = 'Europe/Stockholm';
  const date = localDate(Math.floor(Date.now() / 1000), timeZone);
  const closeAt = new Date(Date.now() + 2000);
  stack.payments.state.runPayout({ cutoff: closeAt, arrivalDate: date });
  for (const store of stack.mapping.stores)
    stack.sitoo.pos.closeRegister({ warehouseId: store.sitooWarehouseId, at: closeAt });
  await new Promise((r) => setTimeout(r, 2100));
  say(`Closing the day ${date} at every store: journal, Z-report and sales check, card payout match...`);
  const problems: string[] = [];
  const lines: string[] = [];
  for (const store of stack.mapping.stores) {
    const input: EndOfDayInput = {
      accountId: stack.env.SITOO_ACCOUNT_ID,
      storeId: store.storeId,
      date,
      payoutRecheck: '1h',
      payoutMaxWait: '0s',
      erpLateCommitWindow: stack.env.ERP_LATE_COMMIT_WINDOW,
    };
    const handle = await stack.client.workflow.start('endOfDayWorkflow', {
      workflowId: endOfDayWorkflowId(store.storeId, date),
      taskQueue: TASK_QUEUES.main,
      args: [input],
      staticSummary: `End of day ${store.storeId} ${date}`,
    });
    let report: ReconciliationReport | undefined;
    let other: string | undefined;
    for (
      const deadline = Date.now() + 60_000;
      !report && !other && Date.now() < deadline;
      await new Promise((r) => setTimeout(r, 300))
    ) {
      const st = await handle.query(endOfDayStatusQuery);
      if (st.report && (st.exception || st.step === 'reconciled')) report = st.report;
      else if (st.exception) other = `${st.exception.type}: ${st.exception.message}`;
    }
    if (!report) {
      problems.push(
        `end of day ${store.storeId} ${date} ${other ? `parked before its report (${other})` : 'did not finish or park within 60 s'}`,
      );
      continue;
    }
    // What the flows could not book is what the day close must list: every paid sale the sale flow
    // parked (unknown SKU), every return the return flow parked for finance, and nothing they
    // booked. Unpaid sales are still open orders, not part of the day.
    const parkedReturns = omni.returns
      .filter((r) => r.storeId === store.storeId && r.expect !== 'refunded')
      .map((r) => r.sitooOrderId);
    const unbooked = [
      ...played.filter((p) => p.sale.storeId === store.storeId && !BOOKED.includes(p.sale.kind)).map((p) => p.orderId),
      ...parkedReturns,
    ];
    const mustList = [
      ...played.filter((p) => p.sale.storeId === store.storeId && p.sale.kind === 'unknown-sku').map((p) => p.orderId),
      ...parkedReturns,
    ];
    const listed = report.gaps.filter((g) => g.kind === 'sale-never-posted').map((g) => g.orderId!);
    const wrong = listed.filter((id) => !unbooked.includes(id));
    const missed = mustList.filter((id) => !listed.includes(id));
    if (wrong.length || missed.length)
      problems.push(
        `end of day ${store.storeId}: listed as never posted ${JSON.stringify(wrong)} that were booked, missed ${JSON.stringify(missed)} that were parked`,
      );
    const odd = report.gaps.filter(
      (g) => g.kind !== 'sale-never-posted' && !(g.kind === 'card-payment-unmatched' && unbooked.includes(g.orderId!)),
    );
    if (odd.length) problems.push(`end of day ${store.storeId}: unexpected gaps ${odd.map((g) => g.what).join('; ')}`);
    if (report.journal.lines.reduce((n, l) => n + l.amountCents, 0) !== 0)
      problems.push(`end of day ${store.storeId}: the journal does not balance`);
    problems.push(...ledgerHoldsJournalOnce(stack, store.storeId, report));
    lines.push(
      `${store.storeId}: ${report.status}, ${report.transactions} transactions, journal ${report.journal.documentNumber}, ${report.payout.matched} card payments matched (fees ${formatCents(report.payout.feesCents)}), ${report.gapCount} gaps (the sales and returns parked above)`,
    );
    if (store === stack.mapping.stores[0]) lines.push(renderReconciliation(report));
  }
  return { problems, lines };
}
