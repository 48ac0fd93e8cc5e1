import { formatCents } from '../domain/money';
import type { ReconciliationReport } from './end-of-day-contract';

/**
 * The reconciliation as finance reads it, one line per row: each side's totals, what matched, and
 * every gap with its owner. Lines rather than one string, because that is how the `report` query's
 * answer reads in a terminal (`temporal workflow query ... --name report -o json` prints each line
 * on its own; a string with line breaks prints as one line of `\n`).
 */
export function reconciliationLines(r: ReconciliationReport): string[] {
  const money = (cents: number | undefined) => (cents === undefined ? '-' : formatCents(cents));
  const out = [
    `End of day ${r.storeId} ${r.date} (${r.timeZone}), ${r.currency ?? 'no sales'}: ${r.status}`,
    `Transactions: ${r.transactions}; Z-reports: ${r.zReports}; ERP sale documents: ${r.erpDocuments}`,
    `Journal ${r.journal.documentNumber} (${r.journal.posted === 'now' ? 'posted' : 'already posted'}):`,
    ...r.journal.lines.map(
      (l) => `  ${l.accountNumber.padEnd(6)} ${money(l.amountCents).padStart(12)}  ${l.description}`,
    ),
    'Sales net of returns by VAT rate:',
    ...r.vat.map(
      (v) =>
        `  ${String(v.vatPercent).padStart(3)} %  gross ${money(v.grossCents).padStart(12)}  net ${money(v.netCents).padStart(12)}  VAT ${money(v.vatCents).padStart(10)}`,
    ),
    `Payments: ${
      Object.entries(r.paymentsByTender)
        .filter(([, c]) => c !== 0)
        .map(([t, c]) => `${t} ${money(c)}`)
        .join(', ') || 'none'
    }`,
    `Card payout: ${r.payout.matched} payments matched (${money(r.payout.matchedCents)}, fees ${money(r.payout.feesCents)}) in ${r.payout.payoutIds.join(', ') || 'no payout yet'}; ${r.payout.unmatched} unmatched`,
  ];
  if (r.gapCount) {
    out.push(
      `Gaps (${r.gapCount}${r.gapCount > r.gaps.length ? `, first ${r.gaps.length} listed` : ''}), owner finance:`,
    );
    for (const g of r.gaps)
      out.push(
        `  ${g.kind.padEnd(24)} ${g.what}  expected ${money(g.expectedCents)}${g.actualCents !== undefined ? `, found ${money(g.actualCents)}` : ''}`,
      );
  }
  return out;
}

/** The same as one text. */
export function renderReconciliation(r: ReconciliationReport): string {
  return reconciliationLines(r).join('\n');
}
