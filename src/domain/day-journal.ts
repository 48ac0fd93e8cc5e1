import { divRound } from './money';
import type { DayTransaction, Tender } from './end-of-day';

/**
 * One store's business day, summed as it is read page by page: only totals are kept, so a day of
 * any size fits in a small activity result and the workflow history holds a summary.
 */
export interface DayTotals {
  currencyCode: string | null;
  transactions: number;
  sales: number;
  refunds: number;
  /** Gross (VAT included) per VAT rate, sales minus refunds. */
  grossByVat: Record<string, number>;
  paymentsByTender: Record<Tender, number>;
  roundingCents: number;
}

export class JournalError extends Error {
  override readonly name = 'JournalError';
}

export function emptyDay(): DayTotals {
  return {
    currencyCode: null,
    transactions: 0,
    sales: 0,
    refunds: 0,
    grossByVat: {},
    paymentsByTender: { card: 0, cash: 0, 'gift-card': 0, voucher: 0, other: 0 },
    roundingCents: 0,
  };
}

/** Adds one transaction; a second currency in one store's day is refused, never converted. */
export function addTransaction(day: DayTotals, tx: DayTransaction): DayTotals {
  if (day.currencyCode !== null && tx.currencyCode !== day.currencyCode) {
    throw new JournalError(
      `order ${tx.orderId} is in ${tx.currencyCode} but the day is in ${day.currencyCode}: one journal per store and day takes one currency`,
    );
  }
  day.currencyCode = tx.currencyCode;
  day.transactions++;
  if (tx.creditOrderId !== null || tx.lines.every((l) => l.quantity <= 0)) day.refunds++;
  else day.sales++;
  for (const l of tx.lines)
    day.grossByVat[String(l.vatPercent)] = (day.grossByVat[String(l.vatPercent)] ?? 0) + l.grossCents;
  for (const p of tx.payments) day.paymentsByTender[p.tender] += p.amountCents;
  day.roundingCents += tx.roundingCents;
  return day;
}

export function mergeDays(a: DayTotals, b: DayTotals): DayTotals {
  if (a.currencyCode && b.currencyCode && a.currencyCode !== b.currencyCode)
    throw new JournalError(`cannot merge a ${a.currencyCode} day with a ${b.currencyCode} day`);
  const out = emptyDay();
  out.currencyCode = a.currencyCode ?? b.currencyCode;
  out.transactions = a.transactions + b.transactions;
  out.sales = a.sales + b.sales;
  out.refunds = a.refunds + b.refunds;
  for (const d of [a, b]) {
    for (const [rate, cents] of Object.entries(d.grossByVat))
      out.grossByVat[rate] = (out.grossByVat[rate] ?? 0) + cents;
    for (const t of Object.keys(out.paymentsByTender) as Tender[]) out.paymentsByTender[t] += d.paymentsByTender[t];
  }
  out.roundingCents = a.roundingCents + b.roundingCents;
  return out;
}

/** Net and VAT per rate, VAT computed once on the rate's total (rounding per line would drift). */
export function vatBreakdown(
  day: DayTotals,
): Array<{ vatPercent: number; grossCents: number; netCents: number; vatCents: number }> {
  return Object.entries(day.grossByVat)
    .map(([rate, gross]) => {
      const vatPercent = Number(rate);
      const vatCents = divRound(gross * vatPercent, 100 + vatPercent);
      return { vatPercent, grossCents: gross, netCents: gross - vatCents, vatCents };
    })
    .sort((x, y) => y.vatPercent - x.vatPercent);
}

export interface JournalAccounts {
  /** The stores' walk-in customers' receivables: the per-sale invoices debit it, the journal clears it. */
  receivables: string;
  tenders: Record<Tender, string>;
  rounding: string;
  cashDifference: string;
}

export interface JournalLine {
  accountNumber: string;
  /** A customer line clears that customer's balance (and posts to its receivables account). */
  accountType?: 'G/L Account' | 'Customer';
  /** Signed cents: positive debit, negative credit. */
  amountCents: number;
  description: string;
}

/**
 * The day's settlement journal. Revenue and VAT are booked by the per-sale invoices and credit
 * memos (docs/accounting.md), so the journal books only how the day was paid: each tender's
 * account is debited, the receivable the invoices built up is cleared, cash rounding and the
 * counted cash difference go to their own accounts. It balances by construction.
 */
export function settlementJournal(
  day: DayTotals,
  accounts: JournalAccounts,
  ref: { storeId: string; date: string; customerNumber?: string },
  cashDifferenceCents = 0,
): JournalLine[] {
  const tag = `${ref.storeId} ${ref.date}`;
  const sales = Object.values(day.grossByVat).reduce((n, c) => n + c, 0);
  const lines: JournalLine[] = [];
  for (const [tender, cents] of Object.entries(day.paymentsByTender) as Array<[Tender, number]>) {
    if (cents !== 0)
      lines.push({
        accountNumber: accounts.tenders[tender],
        amountCents: cents,
        description: `${tag} ${tender} payments`,
      });
  }
  // The walk-in customer the invoices were booked to, so its own ledger is cleared too.
  const receivable = ref.customerNumber
    ? { accountNumber: ref.customerNumber, accountType: 'Customer' as const }
    : { accountNumber: accounts.receivables };
  if (sales !== 0) lines.push({ ...receivable, amountCents: -sales, description: `${tag} sales net of returns` });
  // Payments = sales + rounding: what is left over after clearing the sales is the till's rounding.
  const rounding = -lines.reduce((n, l) => n + l.amountCents, 0);
  if (rounding !== 0)
    lines.push({ accountNumber: accounts.rounding, amountCents: rounding, description: `${tag} rounding` });
  if (cashDifferenceCents !== 0) {
    lines.push({
      accountNumber: accounts.tenders.cash,
      amountCents: cashDifferenceCents,
      description: `${tag} counted cash difference`,
    });
    lines.push({
      accountNumber: accounts.cashDifference,
      amountCents: -cashDifferenceCents,
      description: `${tag} counted cash difference`,
    });
  }
  return lines;
}

/**
 * What a journal posts to each G/L account, in signed cents: a customer line posts to the
 * receivables account. The ledger holds the journal once when its entries net to exactly this.
 */
export function journalNetByAccount(lines: readonly JournalLine[], receivablesAccount: string): Map<string, number> {
  const net = new Map<string, number>();
  for (const l of lines) {
    const account = l.accountType === 'Customer' ? receivablesAccount : l.accountNumber;
    net.set(account, (net.get(account) ?? 0) + l.amountCents);
  }
  return net;
}
