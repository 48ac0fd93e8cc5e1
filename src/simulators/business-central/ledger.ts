import { divRound } from '../../domain/money';
import type { BcGlAccount, BcGlEntry, GlDocumentType } from './types';

/**
 * The simulated company's chart of accounts: the slice of a CRONUS-style chart a retailer's store
 * day touches. Every posting in the simulator (sales invoices, credit memos, general journals)
 * goes through `GeneralLedger.post`, which refuses an unbalanced transaction, so a test that sums
 * the ledger by account sees exactly what BC would have written - and any double count shows up.
 *
 *   2310 Customers Domestic   receivables: the one customer posting group every customer uses
 *   2910 Cash                 store tills
 *   2920 Card clearing        card takings until the processor's payout lands
 *   5610 Sales VAT 25 %       output VAT, one account per VAT product posting group
 *   5611 Sales VAT 12 %
 *   5612 Sales VAT 6 %
 *   5790 Gift card liability  sold, not yet redeemed gift cards
 *   6110 Sales, Retail        revenue net of VAT (one general product posting group)
 *   8530 Rounding             cash rounding
 *   8540 Cash difference      till over/short
 *
 * Not simulated: cost of goods / inventory postings (items carry no cost), customer and VAT
 * ledger entries, dimensions, additional reporting currency.
 */
export const BC_ACCOUNTS = {
  receivables: '2310',
  cash: '2910',
  cardClearing: '2920',
  vat: { 25: '5610', 12: '5611', 6: '5612' },
  giftCardLiability: '5790',
  revenue: '6110',
  rounding: '8530',
  cashDifference: '8540',
} as const;

/** VAT rates with a posting setup; 0 % posts revenue only. */
export const VAT_RATES = [25, 12, 6, 0] as const;
export type VatRate = (typeof VAT_RATES)[number];

/** Items seeded without a rate, and lines created before items had one, use the standard rate. */
export const STANDARD_VAT: VatRate = 25;

export function isVatRate(value: unknown): value is VatRate {
  return (VAT_RATES as readonly unknown[]).includes(value);
}

/** BC's VAT Prod. Posting Group code for a rate, as sales lines report it in `taxCode`. */
export function vatCode(rate: VatRate): string {
  return rate === 0 ? 'NO VAT' : `VAT${rate}`;
}

type AccountSeed = Pick<BcGlAccount, 'number' | 'displayName' | 'category' | 'subCategory'>;
const CHART: readonly AccountSeed[] = [
  {
    number: BC_ACCOUNTS.receivables,
    displayName: 'Customers Domestic',
    category: 'Assets',
    subCategory: 'Accounts Receivable',
  },
  { number: BC_ACCOUNTS.cash, displayName: 'Cash', category: 'Assets', subCategory: 'Cash' },
  { number: BC_ACCOUNTS.cardClearing, displayName: 'Card payments clearing', category: 'Assets', subCategory: 'Cash' },
  {
    number: BC_ACCOUNTS.vat[25],
    displayName: 'Sales VAT 25 %',
    category: 'Liabilities',
    subCategory: 'Current Liabilities',
  },
  {
    number: BC_ACCOUNTS.vat[12],
    displayName: 'Sales VAT 12 %',
    category: 'Liabilities',
    subCategory: 'Current Liabilities',
  },
  {
    number: BC_ACCOUNTS.vat[6],
    displayName: 'Sales VAT 6 %',
    category: 'Liabilities',
    subCategory: 'Current Liabilities',
  },
  {
    number: BC_ACCOUNTS.giftCardLiability,
    displayName: 'Gift card liability',
    category: 'Liabilities',
    subCategory: 'Current Liabilities',
  },
  {
    number: BC_ACCOUNTS.revenue,
    displayName: 'Sales, Retail',
    category: 'Income',
    subCategory: 'Income, Product Sales',
  },
  { number: BC_ACCOUNTS.rounding, displayName: 'Rounding', category: 'Expense', subCategory: 'Other Expenses' },
  {
    number: BC_ACCOUNTS.cashDifference,
    displayName: 'Cash difference',
    category: 'Expense',
    subCategory: 'Other Expenses',
  },
];

/** Money in integer cents, rounded as BC rounds amounts to the currency's 0.01 precision. */
export function roundToCents(amount: number): number {
  return Math.sign(amount) * Math.round(Math.abs(amount) * 100);
}

/** The VAT inside a VAT-inclusive amount (prices include tax in this company). */
export function vatOfGross(grossCents: number, rate: VatRate): number {
  return rate === 0 ? 0 : divRound(grossCents * rate, 100 + rate);
}

/** What prices a sales line: BC's Line Discount Amount is taken off quantity x unit price. */
export interface PricedLine {
  quantity: number;
  unitPrice: number;
  /** Line Discount Amount, in the document's price basis (incl. VAT when prices include tax). */
  discountAmount?: number;
  rate: VatRate;
}

/**
 * One sales line's amounts. VAT is rounded per line so line totals and the G/L agree to the cent.
 * A document's "Prices Including VAT" decides whether the unit price already holds the VAT (it
 * comes from the customer card unless the order sets it; credit memos cannot set it).
 */
export function lineAmounts(
  line: PricedLine,
  pricesIncludeTax = true,
): { grossCents: number; vatCents: number; netCents: number } {
  const amountCents = roundToCents(line.quantity * line.unitPrice) - roundToCents(line.discountAmount ?? 0);
  if (pricesIncludeTax) {
    const vatCents = vatOfGross(amountCents, line.rate);
    return { grossCents: amountCents, vatCents, netCents: amountCents - vatCents };
  }
  const vatCents = divRound(amountCents * line.rate, 100);
  return { grossCents: amountCents + vatCents, vatCents, netCents: amountCents };
}

export interface GlPosting {
  accountNumber: string;
  /** Signed: positive debits the account, negative credits it. */
  amountCents: number;
  description: string;
}

/**
 * What Sales-Post writes to the G/L for a sales document with prices including VAT: the gross to
 * the customer's receivables account, revenue and VAT per VAT rate on the other side. `sign` is
 * +1 for an invoice and -1 for a credit memo, which reverses every line.
 */
export function salesDocumentPostings(
  lines: PricedLine[],
  sign: 1 | -1,
  description: string,
  pricesIncludeTax = true,
): GlPosting[] {
  let gross = 0;
  const byRate = new Map<VatRate, { net: number; vat: number }>();
  for (const l of lines) {
    const a = lineAmounts(l, pricesIncludeTax);
    gross += a.grossCents;
    const sum = byRate.get(l.rate) ?? { net: 0, vat: 0 };
    byRate.set(l.rate, { net: sum.net + a.netCents, vat: sum.vat + a.vatCents });
  }
  const postings: GlPosting[] = [{ accountNumber: BC_ACCOUNTS.receivables, amountCents: sign * gross, description }];
  for (const [rate, sum] of byRate) {
    postings.push({ accountNumber: BC_ACCOUNTS.revenue, amountCents: -sign * sum.net, description });
    if (rate !== 0) postings.push({ accountNumber: BC_ACCOUNTS.vat[rate], amountCents: -sign * sum.vat, description });
  }
  return postings;
}

export interface GlTransaction {
  postingDate: string;
  documentNumber: string;
  documentType: GlDocumentType;
  externalDocumentNumber: string;
  /** BC's source code: SALES for sales documents, GENJNL for the general journal. */
  sourceCode: string;
}

export class GeneralLedger {
  /** Keyed by account number; the chart is fixed for the simulated company. */
  readonly accounts = new Map<string, BcGlAccount>();
  readonly entries: BcGlEntry[] = [];
  private lastEntryNumber = 0;

  /**
   * Ids come from a generator of their own and entries use their entry number as sequence, so
   * adding the ledger left every other id a seeded run hands out unchanged.
   */
  constructor(private readonly ids: { newId(): string; now(): number }) {
    CHART.forEach((a, i) =>
      this.accounts.set(a.number, { ...a, id: ids.newId(), seq: i + 1, version: 1, lastModified: ids.now() }),
    );
  }

  accountById(id: string): BcGlAccount | undefined {
    return [...this.accounts.values()].find((a) => a.id === id);
  }

  /**
   * Writes one balanced transaction. Callers validate what BC would refuse first; an unbalanced
   * transaction or an unknown account reaching this point is a simulator bug, not an API error.
   */
  post(tx: GlTransaction, postings: GlPosting[]): BcGlEntry[] {
    const lines = postings.filter((p) => p.amountCents !== 0);
    const balance = lines.reduce((s, p) => s + p.amountCents, 0);
    if (balance !== 0)
      throw new Error(`simulator bug: ${tx.documentNumber} would post ${balance} cents out of balance`);
    const written: BcGlEntry[] = [];
    for (const p of lines) {
      if (!Number.isInteger(p.amountCents))
        throw new Error(`simulator bug: ${tx.documentNumber} posts a fraction of a cent to ${p.accountNumber}`);
      const account = this.accounts.get(p.accountNumber);
      if (!account)
        throw new Error(`simulator bug: ${tx.documentNumber} posts to unknown G/L account ${p.accountNumber}`);
      const entryNumber = ++this.lastEntryNumber;
      const entry: BcGlEntry = {
        ...tx,
        id: this.ids.newId(),
        seq: entryNumber,
        entryNumber,
        accountId: account.id,
        accountNumber: account.number,
        description: p.description,
        amountCents: p.amountCents,
        lastModified: this.ids.now(),
      };
      this.entries.push(entry);
      written.push({ ...entry });
    }
    return written;
  }

  /** Net change per account (debit positive) over posting dates from..to inclusive; every touched account is present. */
  trialBalance(fromDate: string, toDate: string): Map<string, number> {
    const net = new Map<string, number>();
    for (const e of this.entries) {
      if (e.postingDate < fromDate || e.postingDate > toDate) continue;
      net.set(e.accountNumber, (net.get(e.accountNumber) ?? 0) + e.amountCents);
    }
    return new Map([...net].sort(([a], [b]) => a.localeCompare(b)));
  }

  netChange(accountNumber: string): number {
    return this.entries.filter((e) => e.accountNumber === accountNumber).reduce((s, e) => s + e.amountCents, 0);
  }
}
