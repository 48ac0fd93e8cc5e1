import type { SaleOrder } from './sale';
import type { WebOrder } from './web-order';

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

/** A store sale's refund as credit memo lines: each returned line at the price the till refunded. */
export function storeRefundLines(refund: Pick<SaleOrder, 'lines'>): Array<{ sku: string; quantity: number; unitPrice: string }> {
  return refund.lines.filter((l) => l.quantity < 0).map((l) => ({ sku: l.sku, quantity: -l.quantity, unitPrice: l.unitPriceGross }));
}

export interface RefundPlan {
  /** Web line items and quantities to refund, together exactly the returned units. */
  lines: Array<{ lineItemId: string; sku: string; quantity: number; unitPrice: string }>;
  /** SKUs returned beyond what is still refundable on the web order (bought minus refunded). */
  excess: Array<{ sku: string; returning: number; refundable: number }>;
}

/**
 * Matches returned units to the web order's lines: never more per line than was bought minus
 * what earlier refunds took back, so partial and repeated returns add up and an over-return
 * shows as excess instead of money paid out twice.
 */
export function planRefund(order: WebOrder, returned: ReturnLine[]): RefundPlan {
  const plan: RefundPlan = { lines: [], excess: [] };
  for (const r of returned) {
    const candidates = order.lines.filter((l) => l.sku === r.sku);
    const refundable = candidates.reduce((n, l) => n + Math.max(0, l.quantity - (order.refundedQuantities[l.lineItemId] ?? 0)), 0);
    if (r.quantity > refundable) {
      plan.excess.push({ sku: r.sku, returning: r.quantity, refundable });
      continue;
    }
    let left = r.quantity;
    for (const l of candidates) {
      const take = Math.min(left, Math.max(0, l.quantity - (order.refundedQuantities[l.lineItemId] ?? 0)));
      if (take > 0) plan.lines.push({ lineItemId: l.lineItemId, sku: l.sku, quantity: take, unitPrice: l.unitPrice });
      left -= take;
    }
  }
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
