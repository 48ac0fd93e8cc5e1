import { formatCents, parseCents } from './money';

/**
 * A Sitoo order as the integration sees it: the fields the sale flow needs, in our own names.
 * Connectors map the Sitoo wire shape to this; workflows and activities only ever see this.
 */
export interface SaleLine {
  /** Empty on rows with no product behind them: a receipt discount, a comment. */
  sku: string;
  productName: string;
  /** Negative on refunds. */
  quantity: number;
  /** VAT-inclusive price of one unit in cents, rounded: see grossCents. */
  unitPriceGrossCents: number;
  vatPercent: number;
  /**
   * The row's exact total including VAT, after its discounts, signed like the quantity: what the
   * customer paid for the row. Three items for 10.00 are 1000 here, while 3 x 333 is 999.
   * Absent on orders read before it existed (recorded histories): unit price x quantity then.
   */
  grossCents?: number;
}

export interface SalePayment {
  name: string;
  /** Negative on refunds. */
  amountCents: number;
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

/** A SaleOrder as activities returned it before money was cents (issue 12): 2-decimal strings. */
export interface LegacySaleOrder extends Omit<SaleOrder, 'lines' | 'payments'> {
  lines: Array<Omit<SaleLine, 'unitPriceGrossCents'> & { unitPriceGross: string }>;
  payments: Array<{ name: string; amount: string }>;
}

/**
 * Reads results recorded before money was cents (issue 12); may go when no history from before
 * 2026-12-04 remains (open workflows, and test/replay). Workflows call it where an activity hands
 * them an order, activities where a workflow hands them one, so a replay decides from the same
 * cents the old code parsed: the strings were written by formatCents and parse back exactly.
 */
export function saleOrderWithCents(order: SaleOrder | LegacySaleOrder): SaleOrder {
  const lines: Array<SaleLine | LegacySaleOrder['lines'][number]> = order.lines;
  const payments: Array<SalePayment | LegacySaleOrder['payments'][number]> = order.payments;
  return {
    ...order,
    lines: lines.map((l) => {
      if (!('unitPriceGross' in l)) return l;
      const { unitPriceGross, ...line } = l;
      return { ...line, unitPriceGrossCents: parseCents(unitPriceGross) ?? 0 };
    }),
    payments: payments.map((p) => ('amount' in p ? { name: p.name, amountCents: parseCents(p.amount) ?? 0 } : p)),
  };
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

/** One ERP line for a product row: whole-cent unit price, and the discount that makes the row exact. */
export interface ErpSaleLine {
  sku: string;
  quantity: number;
  unitPriceCents: number;
  /** Signed like the quantity; quantity x unit price - discount = grossCents. */
  discountCents: number;
  /** What the row books including VAT: the till's row total with its share of receipt discounts. */
  grossCents: number;
  vatPercent: number;
}

export type ErpSaleLines = { lines: ErpSaleLine[]; totalCents: number } | { refused: string };

/** A row's total incl. VAT, exact when the order carries it, from the rounded unit price otherwise. */
export function rowCents(line: SaleLine): number {
  return line.grossCents ?? line.unitPriceGrossCents * line.quantity;
}

/**
 * A Sitoo order's rows as ERP document lines whose total is the till's total to the cent.
 *
 * - A product row books its exact row total: the unit price is the row total over the quantity
 *   rounded up to a whole cent, and the cents that overshoots by go in the line's discount, the
 *   way the ERP takes a price reduction (quantity x price - line discount = line amount).
 * - A discount row (no SKU, negative) belongs to the product row before it, as Sitoo orders them;
 *   one that comes before any product row is spread over the rows of its VAT rate by amount, so
 *   the VAT per rate stays what the till computed.
 * - A row with no SKU and nothing to pay (a comment) is left out. One with no SKU that charges
 *   money cannot be an ERP item: the order is refused with a message naming the row.
 */
export function erpSaleLines(rows: readonly SaleLine[]): ErpSaleLines {
  const products: Array<{ line: SaleLine; cents: number }> = [];
  const leading: SaleLine[] = [];
  for (const row of rows) {
    const cents = rowCents(row);
    if (row.sku.trim() !== '') {
      products.push({ line: row, cents });
    } else if (cents < 0) {
      const owner = products[products.length - 1];
      if (owner) owner.cents += cents;
      else leading.push(row);
    } else if (cents > 0) {
      return {
        refused: `row "${row.productName}" has no SKU and charges ${formatCents(cents)}; only products can be booked as ERP lines`,
      };
    }
  }
  if (products.length === 0) return { refused: 'the order has no product rows to book' };
  for (const discount of leading) {
    const sameRate = products.filter((p) => p.line.vatPercent === discount.vatPercent && p.cents > 0);
    spread(rowCents(discount), sameRate.length ? sameRate : products.filter((p) => p.cents > 0));
  }
  const lines: ErpSaleLine[] = [];
  for (const { line, cents } of products) {
    if (line.quantity === 0) continue;
    if (Math.sign(cents) === -Math.sign(line.quantity)) {
      return {
        refused: `row "${line.productName}" (${line.sku}) comes to ${formatCents(cents)} after its discounts; a discount cannot exceed its row`,
      };
    }
    const unitPriceCents = Math.ceil(Math.abs(cents) / Math.abs(line.quantity));
    lines.push({
      sku: line.sku,
      quantity: line.quantity,
      unitPriceCents,
      discountCents: line.quantity * unitPriceCents - cents,
      grossCents: cents,
      vatPercent: line.vatPercent,
    });
  }
  return { lines, totalCents: lines.reduce((n, l) => n + l.grossCents, 0) };
}

/** Spreads a (negative) amount over rows in proportion to their totals, largest remainder first, to the cent. */
function spread(amount: number, over: Array<{ cents: number }>): void {
  const base = over.reduce((n, p) => n + p.cents, 0);
  if (base <= 0) return void (over[0] && (over[0].cents += amount));
  const shares = over.map((p) => {
    const exact = (amount * p.cents) / base;
    return { p, whole: Math.trunc(exact), rest: Math.abs(exact - Math.trunc(exact)) };
  });
  let left = amount - shares.reduce((n, s) => n + s.whole, 0);
  for (const s of [...shares].sort((a, b) => b.rest - a.rest)) {
    if (left === 0) break;
    s.whole += Math.sign(left);
    left -= Math.sign(left);
  }
  for (const s of shares) s.p.cents += s.whole;
}
