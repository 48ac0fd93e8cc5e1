import type { Mapping, StoreLocation } from './mapping';
import { parseCents } from './money';
import { PaymentState, rowCents, type SaleOrder } from './sale';
import type { WarehouseLevel } from './stock';
import type { WebFulfillmentOrder } from './web-order';

/** What the customer collects: quantity per SKU still to hand over. */
export interface PickupLine {
  sku: string;
  quantity: number;
}

/** Lines as the pickup order and the ERP need them: SKU, quantity and a VAT-inclusive unit price. */
export interface PricedLine extends PickupLine {
  unitPriceCents: number;
  /** The row's exact total incl. VAT: what the web customer paid, or the Sitoo row (the unit price is rounded). */
  grossCents?: number;
}

/** A PricedLine as workflows handed it to activities before money was cents (issue 12). */
export type LegacyPricedLine = Omit<PricedLine, 'unitPriceCents'> & { unitPrice: string };

/**
 * Reads activity inputs recorded before money was cents (issue 12), for an activity scheduled
 * before the change and retried after it; may go when no history from before 2026-12-04 remains.
 * The workflow wrote the price with formatCents; were it not money, NaN is refused at the wire.
 */
export function pricedLineWithCents(line: PricedLine | LegacyPricedLine): PricedLine {
  if (!('unitPrice' in line)) return line;
  const { unitPrice, ...rest } = line;
  return { ...rest, unitPriceCents: parseCents(unitPrice) ?? Number.NaN };
}

export function pickupLines(fo: WebFulfillmentOrder): PickupLine[] {
  const bySku = new Map<string, number>();
  for (const l of fo.lines)
    if (l.remainingQuantity > 0) bySku.set(l.sku, (bySku.get(l.sku) ?? 0) + l.remainingQuantity);
  return [...bySku].map(([sku, quantity]) => ({ sku, quantity }));
}

export interface Shortfall {
  sku: string;
  wanted: number;
  /** On hand minus what is already reserved at the store. */
  free: number;
}

/** The lines a store cannot cover from stock nobody else has claimed. */
export function shortfalls(lines: PickupLine[], levels: Map<string, WarehouseLevel>): Shortfall[] {
  return lines.flatMap((l) => {
    const level = levels.get(l.sku) ?? { onHand: 0, reserved: 0 };
    const free = Math.max(0, Math.floor(level.onHand - level.reserved));
    return free >= l.quantity ? [] : [{ sku: l.sku, wanted: l.quantity, free }];
  });
}

/** Other stores of the same region, in mapping order: who could stand in for a short store. */
export function regionStores(mapping: Mapping, store: StoreLocation): StoreLocation[] {
  if (!store.region) return [];
  return mapping.stores.filter((s) => s.region === store.region && s.storeId !== store.storeId);
}

/** What to do when the pickup store is short: look for another store in its region, or just park. */
export type ShortStockRule = 'suggest-in-region' | 'park';

/** What the till took for a pickup order, read back from Sitoo when the order closed. */
export interface CollectionPayment {
  /** Sitoo's own word that the order is paid (paymentstateid Successful). */
  paid: boolean;
  paymentStateId: number;
  /** Sum of the order's payments, and of its lines at their VAT-inclusive prices, in cents. */
  paidCents: number;
  dueCents: number;
}

/**
 * Paid means Sitoo says Successful and the payments cover the lines: a web payment recorded when
 * the order was created, or what the till took at collection. Never assumed from the web order.
 */
export function collectionPayment(order: Pick<SaleOrder, 'paymentStateId' | 'lines' | 'payments'>): CollectionPayment {
  const paidCents = order.payments.reduce((n, p) => n + p.amountCents, 0);
  // What each row came to, not its rounded unit price x quantity: a discounted web line does not divide evenly.
  const dueCents = order.lines.reduce((n, l) => n + rowCents(l), 0);
  return {
    paid: order.paymentStateId === PaymentState.Successful && paidCents >= dueCents,
    paymentStateId: order.paymentStateId,
    paidCents,
    dueCents,
  };
}

/** The ERP sale of a collected pickup: what the store handed over, at the prices its till charged. */
export function soldLines(order: Pick<SaleOrder, 'lines'>): PricedLine[] {
  return order.lines
    .filter((l) => l.quantity > 0)
    .map((l) => ({
      sku: l.sku,
      quantity: l.quantity,
      unitPriceCents: l.unitPriceGrossCents,
      ...(l.grossCents !== undefined ? { grossCents: l.grossCents } : {}),
    }));
}

/** What a click & collect workflow starts from; its activities (the order poll) start it too. */
export interface ClickAndCollectInput {
  accountId: number;
  /** The web order id as webhooks carry it (Shopify's numeric legacy id). */
  webOrderId: string;
  /** How long the customer has to collect, from the pickup order's creation ('7d' style). */
  pickupExpiry: string;
  whenShort: ShortStockRule;
  /** VAT rate of web prices, for the Sitoo pickup order's lines. */
  vatPercent: number;
  /** ERP_LATE_COMMIT_WINDOW: how long after a retried ERP booking the order sweeps for a twin (default 20m). */
  erpLateCommitWindow?: string;
}

/** What every start of a click & collect workflow shares, whoever starts it (webhook receiver, order poll). */
export type ClickAndCollectStartConfig = Omit<ClickAndCollectInput, 'webOrderId'>;
