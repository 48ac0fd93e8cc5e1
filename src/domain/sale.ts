/**
 * A Sitoo order as the integration sees it: the fields the sale flow needs, in our own names.
 * Connectors map the Sitoo wire shape to this; workflows and activities only ever see this.
 */
export interface SaleLine {
  sku: string;
  productName: string;
  /** Negative on refunds. */
  quantity: number;
  /** VAT-inclusive price of one unit, as a decimal string with 2 decimals ("99.00"). */
  unitPriceGross: string;
  vatPercent: number;
  /**
   * Signed row total including VAT, after the row's discounts (Sitoo net + VAT), exact where the
   * unit price is rounded. Absent where the order was mapped without it.
   */
  grossCents?: number;
}

export interface SalePayment {
  name: string;
  /** Decimal string, negative on refunds. */
  amount: string;
}

/** Sitoo paymentstateid values (sitoo-api.md §3.3). */
export const PaymentState = {
  None: 0,
  Pending: 10,
  Reserved: 15,
  Successful: 20,
  Cancelled: 30,
  Failed: 40,
} as const;

/** Sitoo orderstateid values. */
export const OrderState = { Open: 0, Closed: 10, Cancelled: 20, Abandoned: -1 } as const;

export interface SaleOrder {
  orderId: number;
  eshopId: number;
  /** Warehouse the sale was registered for; null for orders not tied to a warehouse. */
  warehouseId: number | null;
  orderStateId: number;
  paymentStateId: number;
  /** Unix seconds: the transaction time at the till, even when the POS was offline. */
  orderDate: number;
  currencyCode: string;
  externalId: string | null;
  /** The order this one refunds, when it is a refund. */
  creditOrderId: number | null;
  /**
   * Unix seconds until which an open order holds its lines' stock in its warehouse (Sitoo
   * `datereserved`, click & collect); null when it reserves nothing.
   */
  reservedUntil: number | null;
  /** Sitoo `additionaldata`: tags such as `weborder` or `pos-originalsales-orderid`; {} when absent. */
  additionalData: Record<string, string>;
  lines: SaleLine[];
  payments: SalePayment[];
}

export type PaymentVerdict = 'confirmed' | 'pending' | 'refused';

/** A payment is confirmed only when Sitoo says Successful; Cancelled/Failed will never become paid. */
export function paymentVerdict(order: Pick<SaleOrder, 'paymentStateId'>): PaymentVerdict {
  if (order.paymentStateId === PaymentState.Successful) return 'confirmed';
  if (order.paymentStateId === PaymentState.Cancelled || order.paymentStateId === PaymentState.Failed) return 'refused';
  return 'pending';
}

/** Quantity sold per SKU (lines for the same SKU add up; refund lines count negative). */
export function quantitiesBySku(lines: readonly SaleLine[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const line of lines) totals.set(line.sku, (totals.get(line.sku) ?? 0) + line.quantity);
  return totals;
}
