import { allocateCents, divRound, formatCents, parseCents, unitsShare } from '../../domain/money';
import { moneyBag, type OrderLineRecord, type OrderRecord, type TransactionRecord } from './order-records';
import type { OrderUserError, RefundInput } from './refunds';

/**
 * The money side of simulated orders, as unkind as Shopify's: discounts allocated to lines (a
 * line's own, and order discounts spread across lines), tax lines on the discounted amount in
 * tax-inclusive and tax-exclusive shops, several payments per order (a gift card, then a card),
 * and refunds refused when they take more than a payment still holds. Kept apart from orders.ts
 * so changes to stock and statuses there do not touch it.
 */
export interface DiscountAllocationRecord {
  amountCents: number;
  applicationIndex: number;
}
export interface TaxLineRecord {
  title: string;
  rate: number;
  amountCents: number;
}
export interface DiscountApplicationRecord {
  index: number;
  title: string;
  allocationMethod: 'ACROSS' | 'ONE';
  targetSelection: 'ALL' | 'EXPLICIT';
}

/** What checkout adds to the order's lines. All optional: no discount, taxes included at 25 %, one payment. */
export interface OrderMoneyInput {
  /** Per line, in the order of the lines: an amount off that line (all its units together), e.g. "20.00". */
  lineDiscounts?: Array<string | undefined>;
  /** An amount off the whole order, spread over the lines in proportion to what they cost after their own discounts. */
  orderDiscount?: string;
  /** Shop setting: prices include tax (the default, as in the EU) or tax is added on top. */
  taxesIncluded?: boolean;
  /** Tax rate as a fraction, default 0.25. */
  taxRate?: number;
  /**
   * How the customer paid, in order; the last entry may leave out its amount to pay the rest.
   * `capture`: authorised at checkout and captured (AUTHORIZATION + CAPTURE) instead of a SALE.
   * Default: one SALE of the total on `gateway`.
   */
  payments?: Array<{ gateway: string; amount?: string; capture?: boolean }>;
}

type Mint = () => { id: string; num: number; status: 'SUCCESS' };

const amount = (value: string, what: string): number => {
  const c = parseCents(value);
  if (c === undefined || c < 0) throw new Error(`bad ${what} ${value}`);
  return c;
};

/** Discount applications, allocations and tax lines for a freshly placed order's lines. */
export function priceOrder(order: OrderRecord, input: OrderMoneyInput): void {
  const rate = input.taxRate ?? 0.25;
  if (!(rate >= 0 && rate < 1)) throw new Error(`bad tax rate ${rate}`);
  order.taxesIncluded = input.taxesIncluded ?? true;
  order.discountApplications = [];
  (input.lineDiscounts ?? []).forEach((d, i) => {
    const line = order.lines[i];
    if (d === undefined) return;
    if (!line) throw new Error(`a discount for line ${i}, which the order does not have`);
    const cents = amount(d, 'line discount');
    if (cents > originalCents(line)) throw new Error(`discount ${d} is more than line ${i} costs`);
    const index = order.discountApplications.length;
    order.discountApplications.push({
      index,
      title: `Line discount ${index + 1}`,
      allocationMethod: 'ONE',
      targetSelection: 'EXPLICIT',
    });
    line.discountAllocations.push({ amountCents: cents, applicationIndex: index });
  });
  if (input.orderDiscount !== undefined) {
    const cents = amount(input.orderDiscount, 'order discount');
    const after = order.lines.map((l) => discountedCents(l));
    if (cents > after.reduce((a, b) => a + b, 0))
      throw new Error(`order discount ${input.orderDiscount} is more than the order costs`);
    const index = order.discountApplications.length;
    order.discountApplications.push({
      index,
      title: 'Order discount',
      allocationMethod: 'ACROSS',
      targetSelection: 'ALL',
    });
    allocateCents(cents, after).forEach((c, i) =>
      order.lines[i]!.discountAllocations.push({ amountCents: c, applicationIndex: index }),
    );
  }
  const basisPoints = Math.round(rate * 10_000);
  for (const l of order.lines) {
    const base = discountedCents(l);
    const tax = order.taxesIncluded
      ? divRound(base * basisPoints, 10_000 + basisPoints)
      : divRound(base * basisPoints, 10_000);
    l.taxLines = basisPoints ? [{ title: 'VAT', rate, amountCents: tax }] : [];
  }
}

/** The order's payment transactions at checkout; their amounts add up to the order total. */
/**
 * The order's payments: each a sale, or an authorisation and its capture. `PENDING` leaves them
 * pending (a manual payment nobody has received: pay in store); `AUTHORIZED` only holds the money.
 */
export function payOrder(
  order: OrderRecord,
  input: OrderMoneyInput,
  gateway: string,
  mint: Mint,
  at: string,
  paying: 'PAID' | 'PENDING' | 'AUTHORIZED' = 'PAID',
): void {
  const total = orderTotalCents(order);
  const payments = input.payments ?? [{ gateway }];
  if (payments.length === 0) throw new Error('an order is paid by at least one payment');
  let left = total;
  payments.forEach((p, i) => {
    const last = i === payments.length - 1;
    if (p.amount === undefined && !last) throw new Error('only the last payment may leave out its amount');
    const cents = p.amount === undefined ? left : amount(p.amount, 'payment amount');
    if (cents > left || (last && cents !== left))
      throw new Error(`the payments do not add up to the order total ${formatCents(total)}`);
    left -= cents;
    const tx = (kind: TransactionRecord['kind'], parentId: string | null): TransactionRecord => ({
      ...mint(),
      kind,
      gateway: p.gateway,
      amountCents: cents,
      parentId,
      createdAt: at,
    });
    if (paying === 'PENDING') {
      order.transactions.push({ ...tx('SALE', null), status: 'PENDING' });
    } else if (paying === 'AUTHORIZED') {
      order.transactions.push(tx('AUTHORIZATION', null));
    } else if (p.capture) {
      const auth = tx('AUTHORIZATION', null);
      order.transactions.push(auth, tx('CAPTURE', auth.id));
    } else {
      order.transactions.push(tx('SALE', null));
    }
  });
}

export const originalCents = (l: OrderLineRecord): number => l.priceCents * l.quantity;
const discountCents = (l: OrderLineRecord): number => l.discountAllocations.reduce((s, d) => s + d.amountCents, 0);
const discountedCents = (l: OrderLineRecord): number => originalCents(l) - discountCents(l);
const taxCents = (l: OrderLineRecord): number => l.taxLines.reduce((s, t) => s + t.amountCents, 0);

/** What the customer paid for all units of a line: after every discount, tax included. */
export function lineGrossCents(o: OrderRecord, l: OrderLineRecord): number {
  return discountedCents(l) + (o.taxesIncluded ? 0 : taxCents(l));
}

export function orderTotalCents(o: OrderRecord): number {
  return o.lines.reduce((s, l) => s + lineGrossCents(o, l), 0);
}

/** What `quantity` units of a line are worth when refunded now, after the units refunded before. */
export function refundLineSubtotalCents(o: OrderRecord, l: OrderLineRecord, quantity: number): number {
  return unitsShare(lineGrossCents(o, l), l.quantity, l.refunded, quantity);
}

/** Payments a refund may go back to: successful sales and captures. */
export const isRefundableParent = (t: TransactionRecord): boolean =>
  (t.kind === 'SALE' || t.kind === 'CAPTURE') && t.status === 'SUCCESS';

/** What a payment still holds: its amount less the refunds already made against it. */
export function leftOnPayment(o: OrderRecord, t: TransactionRecord): number {
  return (
    t.amountCents -
    o.transactions
      .filter((r) => r.kind === 'REFUND' && r.status === 'SUCCESS' && r.parentId === t.id)
      .reduce((s, r) => s + r.amountCents, 0)
  );
}

/** refundCreate's money checks, per transaction: a refundable parent of this order, its gateway, no more than it still holds. */
export function validateRefundTransactions(order: OrderRecord, input: RefundInput): OrderUserError[] {
  const errors: OrderUserError[] = [];
  const asked = new Map<string, number>();
  (input.transactions ?? []).forEach((t, i) => {
    const at = (f: string) => ['input', 'transactions', String(i), f];
    const parent = order.transactions.find((x) => x.id === t.parentId);
    const cents = parseCents(t.amount);
    if (t.orderId !== order.id)
      return void errors.push({ field: at('orderId'), message: 'Transaction must belong to the refunded order.' });
    if (t.kind !== 'REFUND')
      return void errors.push({ field: at('kind'), message: `Kind ${t.kind} is not valid for a refund.` });
    if (!parent || !isRefundableParent(parent))
      return void errors.push({
        field: at('parentId'),
        message: 'Parent transaction must be a successful sale or capture of this order.',
      });
    if (t.gateway !== parent.gateway)
      return void errors.push({
        field: at('gateway'),
        message: `Gateway must be ${parent.gateway}, as on the parent transaction.`,
      });
    if (cents === undefined || cents <= 0)
      return void errors.push({ field: at('amount'), message: 'Amount must be greater than 0.' });
    const total = (asked.get(parent.id) ?? 0) + cents;
    asked.set(parent.id, total);
    const left = leftOnPayment(order, parent);
    if (total > left)
      errors.push({
        field: at('amount'),
        message: `Refund of ${formatCents(total)} exceeds the ${formatCents(left)} left to refund on transaction ${parent.id} (${parent.gateway}).`,
      });
  });
  return errors;
}

/** Money going back to the order's payments in the order they were made, none beyond what it holds (cancellation refunds). */
export function refundTransactionsFor(order: OrderRecord, cents: number): NonNullable<RefundInput['transactions']> {
  const out: NonNullable<RefundInput['transactions']> = [];
  let left = cents;
  for (const p of order.transactions.filter(isRefundableParent)) {
    const take = Math.min(left, leftOnPayment(order, p));
    if (take > 0)
      out.push({ orderId: order.id, parentId: p.id, amount: formatCents(take), gateway: p.gateway, kind: 'REFUND' });
    left -= take;
  }
  return out;
}

/** The money fields of a LineItem in the Admin API. */
export function lineItemMoney(o: OrderRecord, l: OrderLineRecord): Record<string, unknown> {
  const application = (i: number) => {
    const a = o.discountApplications[i]!;
    return {
      __typename: 'ManualDiscountApplication',
      index: a.index,
      title: a.title,
      allocationMethod: a.allocationMethod,
      targetSelection: a.targetSelection,
      targetType: 'LINE_ITEM',
    };
  };
  return {
    originalTotalSet: moneyBag(originalCents(l), o.currency),
    // Shopify calls it approximate: the exact amounts are the allocations.
    discountedUnitPriceAfterAllDiscountsSet: moneyBag(divRound(discountedCents(l), l.quantity), o.currency),
    discountAllocations: l.discountAllocations.map((d) => ({
      allocatedAmountSet: moneyBag(d.amountCents, o.currency),
      discountApplication: application(d.applicationIndex),
    })),
    taxLines: ({ first }: { first?: number | null }) =>
      l.taxLines.slice(0, first ?? undefined).map((t) => ({
        title: t.title,
        rate: t.rate,
        ratePercentage: t.rate * 100,
        priceSet: moneyBag(t.amountCents, o.currency),
      })),
  };
}

/** The money fields of an Order in the Admin API. */
export function orderMoney(o: OrderRecord): Record<string, unknown> {
  return {
    taxesIncluded: o.taxesIncluded,
    totalDiscountsSet: moneyBag(
      o.lines.reduce((s, l) => s + discountCents(l), 0),
      o.currency,
    ),
    totalTaxSet: moneyBag(
      o.lines.reduce((s, l) => s + taxCents(l), 0),
      o.currency,
    ),
  };
}
