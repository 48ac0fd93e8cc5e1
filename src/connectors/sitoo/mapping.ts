import type { SaleLine, SaleOrder } from '../../domain/sale';
import { divRound, formatCents, parseCents } from '../../domain/money';
import { stockChangeKind, type StockTransaction } from '../../domain/stock';
import { PermanentError } from '../http';
import type { NewSitooOrder } from './port';
import { orderWriteSchema, type OrderWriteBody, type WireOrder, type WireWarehouseTransaction } from './schemas';

/** Sitoo wire shapes <-> domain, kept apart from the HTTP plumbing in client.ts. */

const SYSTEM = 'sitoo';

/** Wire transaction -> domain; quantities from 3-decimal strings, which a double holds exactly enough. */
export function toStockTransaction(t: WireWarehouseTransaction): StockTransaction {
  return {
    transactionId: t.warehousetransactionid,
    warehouseId: t.warehouseid,
    type: t.transactiontype,
    kind: stockChangeKind(t.transactiontype),
    createdAt: t.datecreated,
    externalId: t.externalid,
    items: t.items.map((i) => ({
      sku: i.sku,
      quantity: Number(i.decimalquantity),
      levelAfter: Number(i.decimaltotal),
    })),
  };
}

/** Wire order -> domain order, its money in integer cents. */
export function toSaleOrder(o: WireOrder): SaleOrder {
  return {
    orderId: o.orderid,
    eshopId: o.eshopid,
    warehouseId: o.warehouseid,
    orderStateId: o.orderstateid,
    paymentStateId: o.paymentstateid,
    orderDate: o.orderdate,
    currencyCode: o.currencycode,
    externalId: o.externalid,
    creditOrderId: o.creditorderid,
    reservedUntil: o.datereserved,
    additionalData: o.additionaldata,
    lines: o.orderitems.map((i): SaleLine => ({
      sku: i.sku,
      productName: i.productname,
      quantity: i.quantity,
      unitPriceGrossCents: unitPriceGrossCents(i),
      vatPercent: i.vatvalue,
      // The row as the customer paid it: the unit price above is rounded, this is exact.
      grossCents: sitooCents(i.moneyitemtotal_net) + sitooCents(i.moneyitemtotal_vat),
    })),
    payments: o.payments.map((p) => ({ name: p.name, amountCents: sitooCents(p.moneyamount) })),
  };
}

/** (net + vat) / quantity, rounded half away from zero; refunds (negative quantities) give a positive unit price. */
export function unitPriceGrossCents(item: {
  quantity: number;
  moneyitemtotal_net: string;
  moneyitemtotal_vat: string;
  moneynetpriceperunit?: string;
  vatvalue: number;
}): number {
  if (item.quantity === 0) {
    // No row total to divide; fall back to the net unit price plus VAT (VAT in hundredths of a percent).
    const net = sitooCents(item.moneynetpriceperunit ?? '0');
    return divRound(net * (10_000 + Math.round(item.vatvalue * 100)), 10_000);
  }
  return divRound(sitooCents(item.moneyitemtotal_net) + sitooCents(item.moneyitemtotal_vat), item.quantity);
}

/** parseCents at the Sitoo wire: a money field that is not a 2-decimal string is Sitoo's bug, and a permanent one. */
export function sitooCents(value: string): number {
  const cents = parseCents(value);
  if (cents === undefined)
    throw new PermanentError(
      `${SYSTEM} sent a money value that is not a 2-decimal string: ${JSON.stringify(value)}`,
      SYSTEM,
      200,
      'UnexpectedResponse',
    );
  return cents;
}

/**
 * A NewSitooOrder as the Add Order body: VAT-inclusive row totals (`moneyrowprice`) computed in
 * integer cents, validated against the wire schema before anything is sent, so a bad input is a
 * PermanentError naming the field instead of a 400 from Sitoo.
 */
export function toOrderWriteBody(input: NewSitooOrder): OrderWriteBody {
  const whole = (cents: number, field: string): number => {
    if (!Number.isSafeInteger(cents))
      throw invalidOrder(input.externalId, `${field}: not a whole number of cents: ${JSON.stringify(cents)}`);
    return cents;
  };
  const body = {
    ordertypeid: 10,
    orderstateid: input.orderStateId ?? 0,
    paymentstateid: input.paymentStateId,
    externalid: input.externalId,
    warehouseid: input.warehouseId,
    currencycode: input.currencyCode,
    ...(input.reservedUntil !== undefined ? { datereserved: input.reservedUntil } : {}),
    ...(input.additionalData !== undefined ? { additionaldata: input.additionalData } : {}),
    orderitems: input.lines.map((l, i) => ({
      productname: l.productName,
      sku: l.sku,
      quantity: l.quantity,
      moneyrowprice: formatCents(whole(l.rowGrossCents, `lines.${i}.rowGrossCents`)),
      vatvalue: l.vatPercent,
    })),
    ...(input.payments !== undefined
      ? {
          payments: input.payments.map((p, i) => ({
            name: p.name,
            moneyamount: formatCents(whole(p.amountCents, `payments.${i}.amountCents`)),
            ...(p.externalId !== undefined ? { externalid: p.externalId } : {}),
          })),
        }
      : {}),
  };
  const parsed = orderWriteSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidOrder(input.externalId, `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

function invalidOrder(externalId: string, detail: string): PermanentError {
  return new PermanentError(`invalid Sitoo order ${JSON.stringify(externalId)}: ${detail}`, SYSTEM, 0, 'InvalidInput');
}
