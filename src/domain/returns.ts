import { allocateCents, parseCents, unitPrices, unitsShare } from './money';
import { rowCents, type SaleOrder } from './sale';
import type { WebOrder, WebOrderLine } from './web-order';

/** What came back over the counter: units per SKU, positive. */
export interface ReturnLine {
  sku: string;
  quantity: number;
}

/** A Sitoo refund order carries the returned units as negative quantities. */
export function returnedLines(refund: Pick<SaleOrder, 'lines'>): ReturnLine[] {
  const bySku = new Map<string, number>();
  for (const l of refund.lines) if (l.quantity < 0) bySku.set(l.sku, (bySku.get(l.sku) ?? 0) - l.quantity);
  return [...bySku].map(([sku, quantity]) => ({ sku, quantity }));
}

/** A credit memo line: VAT-inclusive unit price, as every ERP line the integration sends. */
export interface CreditMemoLine {
  sku: string;
  quantity: number;
  unitPriceCents: number;
}

/** A CreditMemoLine as workflows handed it to activities before money was cents (issue 12). */
export type LegacyCreditMemoLine = Omit<CreditMemoLine, 'unitPriceCents'> & { unitPrice: string };

/**
 * Reads activity inputs recorded before money was cents (issue 12), for an activity scheduled
 * before the change and retried after it; may go when no history from before 2026-12-04 remains.
 * The workflow wrote the price with formatCents; were it not money, NaN is refused at the wire.
 */
export function creditMemoLineWithCents(line: CreditMemoLine | LegacyCreditMemoLine): CreditMemoLine {
  if (!('unitPrice' in line)) return line;
  const { unitPrice, ...rest } = line;
  return { ...rest, unitPriceCents: parseCents(unitPrice) ?? Number.NaN };
}

/** What a web refund gave back, as the refund activity returns it. */
export interface WebRefund {
  refundId: string;
  amountCents: number;
}

/**
 * Reads refund results recorded before money was cents (issue 12); may go when no history from
 * before 2026-12-04 remains. The amount was a 2-decimal string the connector wrote.
 */
export function webRefundWithCents(refund: WebRefund | { refundId: string; amount: string }): WebRefund {
  return 'amount' in refund ? { refundId: refund.refundId, amountCents: parseCents(refund.amount) ?? 0 } : refund;
}

/** Returned units of one SKU and what they were refunded for. */
export interface RefundedAmount {
  sku: string;
  quantity: number;
  amountCents: number;
}

/**
 * Credit memo lines booking exactly what was refunded: a line whose amount does not divide by
 * its units becomes two lines a cent apart, so the memo totals the refund to the cent.
 */
export function creditMemoLines(lines: readonly RefundedAmount[]): CreditMemoLine[] {
  return lines.flatMap((l) =>
    unitPrices(l.amountCents, l.quantity).map((p) => ({
      sku: l.sku,
      quantity: p.quantity,
      unitPriceCents: p.unitCents,
    })),
  );
}

/**
 * A store sale's refund as credit memo lines: what the till refunded for each returned row (its
 * gross after discounts), with rows that carry no product (a discount taken back) spread over
 * the returned rows, so the memo totals the refund order to the cent. Rows mapped without their
 * gross fall back to unit price x quantity.
 */
export function storeRefundLines(refund: Pick<SaleOrder, 'lines'>): CreditMemoLine[] {
  const returned = refund.lines.filter((l) => l.quantity < 0 && l.sku !== '');
  const adjustment = -refund.lines.filter((l) => l.sku === '').reduce((n, l) => n + rowCents(l), 0);
  const refunded = returned.map((l) => -rowCents(l));
  const spread = allocateCents(adjustment, refunded);
  return creditMemoLines(
    returned.map((l, i) => ({ sku: l.sku, quantity: -l.quantity, amountCents: refunded[i]! + spread[i]! })),
  );
}

/** Money going back to one of the order's payments. */
export interface RefundTransaction {
  transactionId: string;
  gateway: string;
  amountCents: number;
}

export interface RefundPlan {
  /** Web line items and quantities to refund, together exactly the returned units, each with what was paid for them. */
  lines: Array<{ lineItemId: string; sku: string; quantity: number; amountCents: number }>;
  /** SKUs returned beyond what is still refundable on the web order (bought minus refunded). */
  excess: Array<{ sku: string; returning: number; refundable: number }>;
  /** The lines' amounts back to the payments they came from, in the order paid, none beyond what it still holds. */
  transactions: RefundTransaction[];
  /** Paid for the returned units but held by no payment any more (given back some other way). */
  uncoveredCents: number;
}

/** An order read with what was paid per line and per payment (orders in older histories lack them). */
export function hasPaidAmounts(order: WebOrder): boolean {
  return order.payments !== undefined && order.lines.every((l) => l.paidCents !== undefined);
}

/**
 * Matches returned units to the web order's lines: never more per line than was bought minus
 * what earlier refunds took back, so partial and repeated returns add up and an over-return
 * shows as excess instead of money paid out twice. Each unit is refunded at what the customer
 * paid for it (discounts and tax allocated to its line); a line's units share its paid amount so
 * that all its returns together give back exactly that amount.
 */
export function planRefund(order: WebOrder, returned: ReturnLine[]): RefundPlan {
  const plan: RefundPlan = { lines: [], excess: [], transactions: [], uncoveredCents: 0 };
  const taken = new Map<string, number>();
  const refunded = (l: WebOrderLine) => (order.refundedQuantities[l.lineItemId] ?? 0) + (taken.get(l.lineItemId) ?? 0);
  for (const r of returned) {
    const candidates = order.lines.filter((l) => l.sku === r.sku);
    const refundable = candidates.reduce((n, l) => n + Math.max(0, l.quantity - refunded(l)), 0);
    if (r.quantity > refundable) {
      plan.excess.push({ sku: r.sku, returning: r.quantity, refundable });
      continue;
    }
    let left = r.quantity;
    for (const l of candidates) {
      const take = Math.min(left, Math.max(0, l.quantity - refunded(l)));
      if (take > 0) {
        // Orders from older histories carry no paid amount; only a replay plans with them.
        const paid = l.paidCents ?? l.unitPriceCents * l.quantity;
        plan.lines.push({
          lineItemId: l.lineItemId,
          sku: l.sku,
          quantity: take,
          amountCents: unitsShare(paid, l.quantity, refunded(l), take),
        });
        taken.set(l.lineItemId, (taken.get(l.lineItemId) ?? 0) + take);
      }
      left -= take;
    }
  }
  let owed = plan.lines.reduce((n, l) => n + l.amountCents, 0);
  for (const p of order.payments ?? []) {
    const amountCents = Math.min(owed, Math.max(0, p.amountCents - p.refundedCents));
    if (amountCents > 0) plan.transactions.push({ transactionId: p.transactionId, gateway: p.gateway, amountCents });
    owed -= amountCents;
  }
  plan.uncoveredCents = owed;
  return plan;
}

/**
 * The web order a Sitoo order stands for: pickup orders carry it in `web-orderid`; web orders put
 * into Sitoo by others are tagged `weborder` and carry it as their external id.
 */
export function webOrderIdOf(order: Pick<SaleOrder, 'externalId' | 'additionalData'>): string | undefined {
  // Orders recorded in histories before additionalData was read have none.
  const data = order.additionalData ?? {};
  const tagged = data['web-orderid'];
  if (tagged) return tagged;
  return data.weborder === 'true' && order.externalId ? order.externalId : undefined;
}

/** A Sitoo order that gives money back: linked to what it refunds, or at least carrying returned units. */
export function isReturn(order: Pick<SaleOrder, 'creditOrderId' | 'lines'>): boolean {
  return order.creditOrderId !== null || (order.lines.length > 0 && order.lines.every((l) => l.quantity < 0));
}

/**
 * What an operator may give an orphaned return: `sitoo:<orderId>` or a bare number for the
 * original Sitoo order, `web:<id>` for the web order itself.
 */
export function parseReturnReference(reference: string): { sitooOrderId: number } | { webOrderId: string } | undefined {
  const r = reference.trim();
  const sitoo = /^(?:sitoo:)?(\d+)$/.exec(r);
  if (sitoo) return { sitooOrderId: Number(sitoo[1]) };
  const web = /^web:(\S+)$/.exec(r);
  return web ? { webOrderId: web[1]! } : undefined;
}
