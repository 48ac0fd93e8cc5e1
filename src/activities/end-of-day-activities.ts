import { heartbeat } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ErpPort } from '../connectors/erp/port';
import type { PayoutPort } from '../connectors/payments/port';
import type { SitooPort } from '../connectors/sitoo/port';
import { businessDayWindow, storeTimeZone } from '../domain/business-day';
import {
  addTransaction,
  emptyDay,
  JournalError,
  journalNetByAccount,
  settlementJournal,
  type DayTotals,
  type JournalAccounts,
  type JournalLine,
} from '../domain/day-journal';
import { formatCents } from '../domain/money';
import type { DayTransaction } from '../domain/end-of-day';
import { endOfDayDocumentNumber, endOfDayJournalCode } from '../domain/ids';
import { UNKNOWN_STORE, type Mapping } from '../domain/mapping';
import {
  bookingKey,
  indexSettlementLines,
  matchCardPayments,
  returnsByOrder,
  saleGap,
  zReportDifferences,
  type CardPayment,
  type ErpBookings,
  type PayoutMatch,
  type SaleGap,
  type SettlementIndex,
} from '../domain/reconciliation';
import type { DaySummary, JournalResult, StoreDay } from '../domain/end-of-day';
import { isLaterAttempt } from './attempt';
import { erpWrites } from './erp-orders';
import { callOrFail, FAILURE_TYPES } from './failures';

export interface EndOfDayDeps {
  sitoo: SitooPort;
  erp: ErpPort;
  payouts: PayoutPort;
  mapping: () => Mapping;
  accounts: JournalAccounts;
  /** Sitoo day pages; large pages mean fewer calls, each page is summed and dropped. */
  pageSize?: number;
}

/** Gaps kept in a summary; the count says how many there were. */
const LISTED = 100;

/**
 * End of day, one store and business day at a time. Every pass over the day pages through
 * Sitoo inside the activity and returns totals and capped lists, so the workflow history holds a
 * summary however many transactions the day had.
 */
export function createEndOfDayActivities(deps: EndOfDayDeps) {
  // A payout carries every store's card takings; its lines do not change once it has arrived, so
  // each worker reads and indexes them once, not once per store.
  const payoutLines = new Map<string, Promise<SettlementIndex>>();
  const linesOf = (payoutId: string): Promise<SettlementIndex> => {
    let lines = payoutLines.get(payoutId);
    if (!lines) {
      lines = deps.payouts.listSettlementLines(payoutId).then(indexSettlementLines);
      payoutLines.set(payoutId, lines);
      lines.catch(() => payoutLines.delete(payoutId));
      if (payoutLines.size > 50) payoutLines.delete(payoutLines.keys().next().value!);
    }
    return lines;
  };

  async function eachTransaction(day: StoreDay, visit: (tx: DayTransaction) => void): Promise<number> {
    let pages = 0;
    let cursor: number | undefined;
    do {
      const page = await callOrFail(FAILURE_TYPES.sitooRejected, (signal) =>
        deps.sitoo.listDayTransactions(
          { warehouseId: day.warehouseId, from: day.from, to: day.to, pageSize: deps.pageSize ?? 500, cursor },
          { signal },
        ),
      );
      page.transactions.forEach(visit);
      cursor = page.nextCursor;
      heartbeat(++pages);
    } while (cursor !== undefined);
    return pages;
  }

  /**
   * The ledger must hold the journal once: per account, what the document posted equals what the
   * journal says. A journal posted twice (or partly) is finance's to reverse; it parks with the
   * difference, and a re-check after the fix passes once the account nets agree.
   */
  async function checkLedger(
    date: string,
    documentNumber: string,
    lines: JournalLine[],
    signal?: AbortSignal,
  ): Promise<void> {
    const entries = await deps.erp.listGeneralLedgerEntries(
      { postingDateFrom: date, postingDateTo: date, documentNumber },
      { signal },
    );
    const expected = journalNetByAccount(lines, deps.accounts.receivables);
    const found = new Map<string, number>();
    for (const e of entries)
      found.set(e.accountNumber, (found.get(e.accountNumber) ?? 0) + e.debitCents - e.creditCents);
    const differ = [...new Set([...expected.keys(), ...found.keys()])].filter(
      (a) => (expected.get(a) ?? 0) !== (found.get(a) ?? 0),
    );
    if (differ.length === 0) return;
    throw ApplicationFailure.nonRetryable(
      `the ledger does not hold journal ${documentNumber} once: ${differ.map((a) => `account ${a} journal ${formatCents(expected.get(a) ?? 0)}, posted ${formatCents(found.get(a) ?? 0)}`).join('; ')}; reverse the extra posting in the ERP, then retry`,
      'JournalLedgerMismatch',
      {
        documentNumber,
        accounts: differ.map((a) => ({
          account: a,
          journalCents: expected.get(a) ?? 0,
          postedCents: found.get(a) ?? 0,
        })),
      },
    );
  }

  return {
    async resolveStoreDay(input: { storeId: string; date: string }): Promise<StoreDay> {
      const store = deps.mapping().stores.find((s) => s.storeId === input.storeId);
      if (!store) throw ApplicationFailure.nonRetryable(`store ${input.storeId} is not in the mapping`, UNKNOWN_STORE);
      const timeZone = storeTimeZone(store);
      return {
        storeId: store.storeId,
        date: input.date,
        timeZone,
        warehouseId: store.sitooWarehouseId,
        erpCustomerNumber: store.erpCustomerNumber,
        ...businessDayWindow(input.date, timeZone),
      };
    },

    /** The day's totals, the Z-reports against them, and every till sale against the ERP. */
    async summariseDay(input: { day: StoreDay }): Promise<DaySummary> {
      const { day } = input;
      // Every flow dates its ERP documents with the store's business day, so the day's are exactly this date's.
      const window = { customerNumber: day.erpCustomerNumber, postingDateFrom: day.date, postingDateTo: day.date };
      const [erpDocs, memoLines] = await callOrFail(FAILURE_TYPES.erpRejected, (signal) =>
        Promise.all([
          deps.erp.listSalesDocumentTotals(window, { signal }),
          deps.erp.listCreditMemoLineTotals(window, { signal }),
        ]),
      );
      const erp: ErpBookings = { invoices: new Map(), returns: returnsByOrder(memoLines) };
      for (const d of erpDocs) {
        const key = bookingKey(d.externalDocumentNumber);
        (erp.invoices.get(key) ?? erp.invoices.set(key, []).get(key)!).push(d.totalCents);
      }
      let totals: DayTotals = emptyDay();
      const gaps: SaleGap[] = [];
      let gapCount = 0;
      let pagesRead: number;
      try {
        pagesRead = await eachTransaction(day, (tx) => {
          // The till's journal covers what the registers rang up; a pickup order was paid on the web.
          if (tx.registerId !== null) totals = addTransaction(totals, tx);
          const gap = saleGap(tx, erp);
          if (gap && gapCount++ < LISTED) gaps.push(gap);
        });
      } catch (err) {
        if (err instanceof JournalError) throw ApplicationFailure.nonRetryable(err.message, 'JournalRefused');
        throw err;
      }
      const reports = (
        await callOrFail(FAILURE_TYPES.sitooRejected, (signal) =>
          deps.sitoo.listZReports({ warehouseId: day.warehouseId, from: day.from, to: day.to }, { signal }),
        )
      ).filter((r) => r.warehouseId === undefined || r.warehouseId === day.warehouseId);
      return {
        totals,
        pagesRead,
        zReports: reports.length,
        zDifferences: reports.length ? zReportDifferences(totals, reports) : [],
        saleGaps: gaps,
        saleGapCount: gapCount,
        erpDocuments: erpDocs.length,
        cashDifferenceCents: reports.reduce((n, r) => n + (r.totals.cashDifferenceCents ?? 0), 0),
      };
    },

    /**
     * One journal per store and day, exactly once: its document number is the key, looked up
     * first, one attempt at a time in this worker, the draft made exactly the journal before it
     * posts (see the connector), and the posted ledger compared with the journal afterwards.
     */
    async postDayJournal(input: {
      day: StoreDay;
      totals: DayTotals;
      cashDifferenceCents: number;
    }): Promise<JournalResult> {
      const documentNumber = endOfDayDocumentNumber(input.day.storeId, input.day.date);
      const lines = settlementJournal(
        input.totals,
        deps.accounts,
        { storeId: input.day.storeId, date: input.day.date, customerNumber: input.day.erpCustomerNumber },
        input.cashDifferenceCents,
      );
      // BC posts a whole batch, so each store has its own: one store's draft never rides along with another's.
      const journalCode = endOfDayJournalCode(input.day.storeId);
      return callOrFail(FAILURE_TYPES.erpRejected, (signal) =>
        erpWrites.run(
          `journal:${documentNumber}`,
          async () => {
            const lateDraftPossible = isLaterAttempt();
            const posted: JournalResult['posted'] = (
              await deps.erp.findJournalPosting(documentNumber, { journalCode, signal })
            )?.posted
              ? 'already'
              : 'now';
            if (posted === 'now' && lines.length) {
              await deps.erp.postDailyJournal(
                {
                  journalCode,
                  documentNumber,
                  postingDate: input.day.date,
                  lines: lines.map((l) => ({
                    accountNumber: l.accountNumber,
                    accountType: l.accountType,
                    amountCents: l.amountCents,
                    description: l.description,
                  })),
                },
                { signal },
              );
            }
            if (lines.length) await checkLedger(input.day.date, documentNumber, lines, signal);
            return { documentNumber, posted, lines, ...(lateDraftPossible ? { lateDraftPossible } : {}) };
          },
          signal,
        ),
      );
    },

    /** Once a late line can no longer land, deletes draft lines of the posted journal left in the store's batch. */
    async sweepDayJournal(input: { day: StoreDay }): Promise<number> {
      const documentNumber = endOfDayDocumentNumber(input.day.storeId, input.day.date);
      return callOrFail(FAILURE_TYPES.erpRejected, (signal) =>
        deps.erp.sweepJournalDrafts(documentNumber, { journalCode: endOfDayJournalCode(input.day.storeId), signal }),
      );
    },

    /**
     * The day's card payments against every payout that arrived from the day on: sales paid out
     * after midnight and refunds netted into later batches still count for this day.
     */
    async matchDayPayouts(input: {
      day: StoreDay;
      arrivalTo: string;
    }): Promise<PayoutMatch & { unmatchedCount: number; pagesRead: number }> {
      const payments: CardPayment[] = [];
      const pagesRead = await eachTransaction(input.day, (tx) => {
        if (tx.registerId === null) return;
        // Only a terminal payment carries the reference the processor knows; others cannot be matched.
        for (const p of tx.payments)
          if (p.tender === 'card' && p.reference)
            payments.push({ orderId: tx.orderId, reference: p.reference, amountCents: p.amountCents });
      });
      if (payments.length === 0)
        return {
          matched: 0,
          matchedCents: 0,
          feesCents: 0,
          payoutIds: [],
          unmatchedPos: [],
          unmatchedCount: 0,
          pagesRead,
        };
      const payouts = await callOrFail(FAILURE_TYPES.transient, (signal) =>
        deps.payouts.listPayouts({ arrivalFrom: input.day.date, arrivalTo: input.arrivalTo }, { signal }),
      );
      const indexes: SettlementIndex[] = [];
      for (const p of payouts) indexes.push(await callOrFail(FAILURE_TYPES.transient, () => linesOf(p.id)));
      const match = matchCardPayments(payments, indexes);
      return {
        ...match,
        unmatchedCount: match.unmatchedPos.length,
        unmatchedPos: match.unmatchedPos.slice(0, LISTED),
        pagesRead,
      };
    },
  };
}

export type EndOfDayActivities = ReturnType<typeof createEndOfDayActivities>;
