import { webOrderIdOf } from '../../domain/returns';
import type { DayPayment, DayTransaction, Tender, ZReport } from '../../domain/end-of-day';
import { sitooCents } from './mapping';
import type { WireDayOrder, WireDayPayment, WireZReport } from './schemas';

/** Sitoo day data -> domain: payments to tenders, orders to signed transactions, Z-reports to totals. */

/**
 * Payment method ids (sitoo-api.md §3.4, pos-payment-types). Foreign Currency is cash in the
 * drawer, counted at the till like any other cash. Credit Note is store credit, a voucher.
 */
const TENDER_BY_METHOD: Record<number, Tender> = {
  100: 'cash',
  3000: 'cash',
  110: 'voucher',
  300: 'card',
  2100: 'card',
  2110: 'card',
  500: 'gift-card',
};

/** Payment type name -> method id, from the site's pospaymenttypes. */
export type PaymentMethods = ReadonlyMap<string, number>;

/**
 * The tender of one order payment. Orders carry only the payment type's display name, so the
 * site's catalogue decides; a name missing there (renamed or deleted type, a web order's own
 * name) falls back to what the payment itself carries, then to its name.
 */
export function tenderOf(
  p: Pick<WireDayPayment, 'name' | 'refid' | 'reftype' | 'cardissuer' | 'additionaldata'>,
  methods: PaymentMethods,
): Tender {
  const method = methods.get(p.name);
  if (method !== undefined) return TENDER_BY_METHOD[method] ?? 'other';
  if (p.additionaldata['giftcard-cardnumber'] !== undefined) return 'gift-card';
  if (p.cardissuer || p.reftype || p.refid || p.additionaldata['adyen-pspreference'] !== undefined) return 'card';
  if (/gift|present/i.test(p.name)) return 'gift-card';
  if (/voucher|credit note|tillgodo/i.test(p.name)) return 'voucher';
  if (/cash|kontant/i.test(p.name)) return 'cash';
  if (/card|kort/i.test(p.name)) return 'card';
  return 'other';
}

function toDayPayment(p: WireDayPayment, methods: PaymentMethods): DayPayment {
  const reference = p.refid ?? p.externalid ?? p.additionaldata['adyen-pspreference'];
  return {
    tender: tenderOf(p, methods),
    name: p.name,
    amountCents: sitooCents(p.moneyamount),
    ...(reference ? { reference } : {}),
  };
}

/** Orders without a warehouse are filtered out by the query; the caller's warehouse fills the gap defensively. */
export function toDayTransaction(o: WireDayOrder, warehouseId: number, methods: PaymentMethods): DayTransaction {
  return {
    orderId: o.orderid,
    warehouseId: o.warehouseid ?? warehouseId,
    registerId: o.registerid,
    orderDate: o.orderdate,
    currencyCode: o.currencycode,
    creditOrderId: o.creditorderid,
    webOrderId: webOrderIdOf({ externalId: o.externalid, additionalData: o.additionaldata }),
    roundingCents: sitooCents(o.moneytotal_gross_roundoff),
    lines: o.orderitems.map((i) => ({
      sku: i.sku,
      quantity: i.quantity,
      grossCents: sitooCents(i.moneyitemtotal_net) + sitooCents(i.moneyitemtotal_vat),
      vatPercent: i.vatvalue,
    })),
    payments: o.payments.map((p) => toDayPayment(p, methods)),
  };
}

export const emptyTenders = (): Record<Tender, number> => ({ card: 0, cash: 0, 'gift-card': 0, voucher: 0, other: 0 });

/**
 * Z-report totals as sales minus refunds. The sign of Sitoo's refund totals is not documented;
 * the reference's "subtotal = sales − refunds" reads as magnitudes, and subtracting the absolute
 * value gives the same answer under either reading.
 */
export function toZReport(r: WireZReport, methods: PaymentMethods, warehouseId: number | undefined): ZReport {
  const refunds = -Math.abs(sitooCents(r.moneyrefundtotal));
  const sales = sitooCents(r.moneysalestotal) + refunds;
  const rounding = sitooCents(r.moneyroundoff);
  const vat = new Map<number, { netCents: number; vatCents: number }>();
  const addVat = (g: WireZReport['vatgroupssales'][number], sign: 1 | -1) => {
    const group = vat.get(g.vatvalue) ?? { netCents: 0, vatCents: 0 };
    group.netCents += sign * Math.abs(sitooCents(g.moneytotalnet));
    group.vatCents += sign * Math.abs(sitooCents(g.moneytotalvat));
    vat.set(g.vatvalue, group);
  };
  r.vatgroupssales.forEach((g) => addVat(g, 1));
  r.vatgroupsrefund.forEach((g) => addVat(g, -1));
  const tenders = emptyTenders();
  // A Z-report payment line has only its name; with no payment fields the name alone decides.
  const tenderOfName = (name: string) =>
    tenderOf({ name, refid: null, reftype: null, cardissuer: null, additionaldata: {} }, methods);
  for (const p of r.paymentssales) tenders[tenderOfName(p.name)] += sitooCents(p.moneytotal);
  for (const p of r.paymentsrefund) tenders[tenderOfName(p.name)] -= Math.abs(sitooCents(p.moneytotal));
  return {
    zReportId: r.zreportid,
    registerId: r.registerid,
    ...(warehouseId !== undefined ? { warehouseId } : {}),
    eshopId: r.eshopid,
    ...(r.store_id !== null ? { storeId: r.store_id } : {}),
    dateFrom: r.dateopened,
    dateTo: r.datecreated,
    dateAdded: r.dateadded,
    currencyCode: r.currencycode,
    totals: {
      salesGrossCents: sales,
      refundsGrossCents: refunds,
      vatByRate: [...vat].sort(([a], [b]) => a - b).map(([vatPercent, g]) => ({ vatPercent, ...g })),
      paymentsByTender: tenders,
      roundingCents: rounding,
      // Computed rather than read: `moneysummarytotal` may include US sales tax, which the lines do not.
      totalCents: sales + rounding,
      ...(r.moneycash_diff != null ? { cashDifferenceCents: sitooCents(r.moneycash_diff) } : {}),
      transactionCount: r.numsales + r.numrefund,
    },
  };
}
