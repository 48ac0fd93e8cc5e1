import { patched, proxyActivities, setHandler, setWorkflowOptions, sleep } from '@temporalio/workflow';
import type { EndOfDayActivities } from '../activities/end-of-day-activities';
import { vatBreakdown } from '../domain/day-journal';
import { lastPayoutArrivalDate } from '../domain/business-day';
import { durationMs, InvalidDurationError, parseDuration, erpLateCommitWindowMs } from '../domain/duration';
import {
  endOfDayReportQuery,
  endOfDayStatusQuery,
  type DaySummary,
  type EndOfDayInput,
  type EndOfDayStatus,
  type JournalResult,
  type ReconciliationGap,
  type ReconciliationReport,
} from './end-of-day-contract';
import { reconciliationLines } from './end-of-day-report';
import { DAY_WORK, summarised } from './activity-options';
import { installParking, refusalType, untilAccepted } from './parking';

const eod = summarised(proxyActivities<EndOfDayActivities>(DAY_WORK), {
  resolveStoreDay: ({ storeId, date }) => `Find store ${storeId}'s day ${date}`,
  summariseDay: ({ day }) => `Sum up ${day.storeId} ${day.date} from Sitoo`,
  postDayJournal: ({ day }) => `Post the day journal of ${day.storeId} ${day.date}`,
  sweepDayJournal: ({ day }) => `Clean the day journal batch of ${day.storeId} ${day.date}`,
  matchDayPayouts: ({ day }) => `Match ${day.storeId} ${day.date} card payments to payouts`,
});

const LISTED = 100;
const UNMAPPED_STORE_PARKS = 'eod-unmapped-store-parks';

setWorkflowOptions({ failureExceptionTypes: [InvalidDurationError] }, endOfDayWorkflow);

/**
 * One store's business day closed: the day summed from Sitoo (a summary, never the transactions,
 * in history), one settlement journal posted once, a three-way check of Z-reports, journal and
 * the sale documents, and the card payments matched against the processor's payouts, waiting
 * days if need be. Every gap is listed for finance; the day parks until they are accepted or
 * re-checked after a fix.
 */
export async function endOfDayWorkflow(input: EndOfDayInput): Promise<ReconciliationReport> {
  const status: EndOfDayStatus = { storeId: input.storeId, date: input.date, step: 'reading-day', resolutions: [] };
  // A refusal can only be retried: the day must be closed; a gap can also be accepted.
  const parking = installParking({ status, statusQuery: endOfDayStatusQuery, refusalActions: ['retry'] });
  setHandler(endOfDayReportQuery, () =>
    status.report ? reconciliationLines(status.report) : [`end of day ${input.storeId} ${input.date}: ${status.step}`],
  );
  parking.atStore(input.storeId);
  const orPark = <T>(what: string, call: () => Promise<T>) =>
    parking.orPark('erp-rejected', call, { what, details: { storeId: input.storeId, date: input.date } });

  return parking.run(async () => {
    // A store gone from the mapping parks for the mapping's keeper; before this patch the day failed.
    const day = await untilAccepted(
      () => eod.resolveStoreDay({ storeId: input.storeId, date: input.date }),
      async (f) => {
        if (refusalType(f, 'erp-rejected') !== 'unmapped-warehouse' || !patched(UNMAPPED_STORE_PARKS)) throw f;
        await parking.park(
          'unmapped-warehouse',
          f.message,
          { storeId: input.storeId, date: input.date, failureType: f.type },
          ['retry'],
        );
      },
    );
    let summary = await orPark('the day could not be read', () => eod.summariseDay({ day }));
    status.step = 'posting-journal';
    const journal = await orPark('the ERP refused the day journal', () =>
      eod.postDayJournal({ day, totals: summary.totals, cashDifferenceCents: summary.cashDifferenceCents }),
    );
    if (journal.lateDraftPossible && patched('sweep-late-journal-lines')) {
      // A line an earlier attempt created may still land in the batch: once it no longer can, take it out.
      status.step = 'sweeping-journal';
      await sleep(erpLateCommitWindowMs(input));
      journal.draftsSwept = await orPark('the ERP refused to clean the day journal batch', () =>
        eod.sweepDayJournal({ day }),
      );
    }

    status.step = 'awaiting-payout';
    // Before this patch a bad value fell back to the default; histories that did so replay that way.
    const refuseBad =
      [input.payoutRecheck, input.payoutMaxWait].every((v) => parseDuration(v) !== undefined) ||
      patched('eod-refuses-bad-durations');
    const recheckMs = refuseBad
      ? durationMs('payoutRecheck', input.payoutRecheck)
      : (parseDuration(input.payoutRecheck) ?? 86_400_000);
    const maxWaitMs = refuseBad
      ? durationMs('payoutMaxWait', input.payoutMaxWait)
      : (parseDuration(input.payoutMaxWait) ?? 5 * 86_400_000);
    const arrivalTo = lastPayoutArrivalDate(input.date, maxWaitMs);
    const waitUntil = Date.now() + maxWaitMs;
    for (;;) {
      let payout = await eod.matchDayPayouts({ day, arrivalTo });
      // Payouts arrive days later: wait durably, and stop waiting once everything is matched.
      while (payout.unmatchedCount > 0 && Date.now() + recheckMs <= waitUntil) {
        await sleep(recheckMs);
        payout = await eod.matchDayPayouts({ day, arrivalTo });
      }
      const report = buildReport(day.timeZone, summary, journal, payout);
      status.report = report;
      if (report.gaps.length === 0) {
        status.step = 'reconciled';
        break;
      }
      const r = await parking.park(
        'reconciliation-gap',
        `${report.gapCount} gap(s) in ${input.storeId} ${input.date}: ${report.gaps
          .slice(0, 3)
          .map((g) => g.what)
          .join('; ')}`,
        { storeId: input.storeId, date: input.date, gaps: report.gaps.slice(0, 20), gapCount: report.gapCount },
        ['accept', 'retry'],
      );
      if (r.action === 'accept') {
        report.status = 'gaps-accepted';
        status.step = 'gaps-accepted';
        break;
      }
      // Re-check after a fix: the journal stays posted once; the day and the payouts are read again.
      status.step = 'reading-day';
      summary = await orPark('the day could not be read', () => eod.summariseDay({ day }));
      status.step = 'awaiting-payout';
    }
    return status.report!;
  });

  function buildReport(
    timeZone: string,
    s: DaySummary,
    j: JournalResult,
    p: Awaited<ReturnType<typeof eod.matchDayPayouts>>,
  ): ReconciliationReport {
    const gaps: ReconciliationGap[] = [
      ...s.zDifferences.map((d): ReconciliationGap => ({
        kind: 'z-report-vs-journal',
        what: `Z-report vs journal: ${d.what}`,
        expectedCents: d.zReportCents,
        actualCents: d.journalCents,
        owner: 'finance',
      })),
      ...s.saleGaps.map((g): ReconciliationGap => ({
        kind: `sale-${g.kind}`,
        orderId: g.orderId,
        what: `Sitoo order ${g.orderId}: ${g.kind.replaceAll('-', ' ')}`,
        expectedCents: g.posCents,
        actualCents: g.erpCents,
        owner: 'finance',
      })),
      ...p.unmatchedPos.map((u): ReconciliationGap => ({
        kind: 'card-payment-unmatched',
        orderId: u.orderId,
        what: `Sitoo order ${u.orderId}: card payment ${u.reference} not in any payout`,
        expectedCents: u.amountCents,
        owner: 'finance',
      })),
    ];
    const gapCount = s.zDifferences.length + s.saleGapCount + p.unmatchedCount;
    return {
      storeId: input.storeId,
      date: input.date,
      timeZone,
      currency: s.totals.currencyCode,
      transactions: s.totals.transactions,
      journal: j,
      vat: vatBreakdown(s.totals),
      paymentsByTender: s.totals.paymentsByTender,
      zReports: s.zReports,
      erpDocuments: s.erpDocuments,
      sitooPagesRead: s.pagesRead + p.pagesRead,
      payout: {
        matched: p.matched,
        matchedCents: p.matchedCents,
        feesCents: p.feesCents,
        payoutIds: p.payoutIds,
        unmatched: p.unmatchedCount,
        checkedAt: new Date().toISOString(),
      },
      gaps: gaps.slice(0, LISTED),
      gapCount,
      status: gapCount === 0 ? 'reconciled' : 'gaps',
    };
  }
}
