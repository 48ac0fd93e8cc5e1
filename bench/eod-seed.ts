import { businessDayWindow, localDate } from '../src/domain/business-day';
import { sitooOrderErpDocumentNumber } from '../src/domain/ids';
import { parseCents } from '../src/domain/money';
import type { CatalogueItem, LocalStack, StoreSeed } from '../src/local/stack';
import { createSalesOrder } from '../src/simulators/business-central/sales';

export interface SeedDayInput {
  stack: LocalStack;
  stores: StoreSeed[];
  catalogue: CatalogueItem[];
  date: string;
  timeZone: string;
  perStore: number;
  random: () => number;
  say: (line: string) => void;
}

/**
 * One business day of till sales per store, written straight into the simulators as the sale flow
 * and the tills would have left them: Sitoo orders paid by card (70 %) or cash, the matching posted
 * ERP invoices, the processor's charges, a Z-report per register, and the payout that sweeps the
 * day's card takings at 03:00 the next morning. Seeded without workflows, so only end of day runs.
 */
export function seedDay({ stack, stores, catalogue, date, timeZone, perStore, random, say }: SeedDayInput): void {
  const window = businessDayWindow(date, timeZone);
  for (const [si, store] of stores.entries()) {
    const customer = `POS-${store.storeId}`;
    const locationId = stack.erp.state.locationByCode(store.erpLocationCode)!.id;
    for (let n = 0; n < perStore; n++) {
      const item = catalogue[Math.floor(random() * catalogue.length)]!;
      // Trading hours end before the registers close, an hour before midnight.
      const orderDate = window.from + Math.floor(((n + 0.5) / perStore) * (window.to - window.from - 7200));
      const card = random() < 0.7;
      const reference = `t-${date}-${store.storeId}-${n}`;
      const order = stack.sitoo.pos.recordSale({
        warehouseId: store.warehouseId,
        orderDate,
        lines: [{ sku: item.sku, quantity: 1, unitPriceGross: item.unitPriceGross, vatPercent: 25 }],
        payments: [{ name: card ? 'Card' : 'Cash', amount: item.unitPriceGross, ...(card ? { reference } : {}) }],
      });
      if (card)
        stack.payments.state.recordCardPayment({
          amountCents: parseCents(item.unitPriceGross)!,
          currency: 'SEK',
          reference,
          storeId: store.storeId,
          at: new Date(orderDate * 1000),
        });
      const erpOrder = createSalesOrder(stack.erp.state, {
        externalDocumentNumber: sitooOrderErpDocumentNumber(stack.sitoo.accountId, order.orderId),
        customerNumber: customer,
        orderDate: new Date(orderDate * 1000).toISOString().slice(0, 10),
        salesOrderLines: [
          {
            lineType: 'Item',
            lineObjectNumber: item.sku,
            quantity: 1,
            unitPrice: Number(item.unitPriceGross),
            locationId,
          },
        ],
      });
      stack.erp.state.postOrder(erpOrder);
    }
    stack.sitoo.pos.closeRegister({ warehouseId: store.warehouseId, at: new Date(window.to * 1000 - 3_600_000) });
    if (si % 25 === 24) say(`  ${si + 1} stores seeded`);
  }
  // Nothing receives the POS events of a seeded day; kept, they would hold a quarter of a gigabyte per day.
  stack.sitoo.events.discardPending();
  stack.payments.state.runPayout({
    cutoff: new Date(window.to * 1000 + 3 * 3600_000),
    arrivalDate: localDate(window.to + 86_400, timeZone),
  });
}
