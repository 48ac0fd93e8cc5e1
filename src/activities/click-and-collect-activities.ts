import { ApplicationFailure } from '@temporalio/common';
import type { EcommercePort } from '../connectors/ecommerce/port';
import { PermanentError, TransientError } from '../connectors/http';
import type { ErpPort } from '../connectors/erp/port';
import type { SitooPort } from '../connectors/sitoo/port';
import {
  pricedLineWithCents,
  regionStores,
  shortfalls,
  type PickupLine,
  type PricedLine,
  type Shortfall,
  type ShortStockRule,
} from '../domain/click-and-collect';
import { webOrderErpDocumentNumber } from '../domain/ids';
import { findStoreByWebLocation, UNKNOWN_STORE, type Mapping, type StoreLocation } from '../domain/mapping';
import { erpSaleLines, OrderState, PaymentState, type SaleOrder } from '../domain/sale';
import type { PickupPayment, WebOrder } from '../domain/web-order';
import type { StockChange } from '../domain/stock-flush';
import { findOrCreateErpOrder, postErpOrder, sweepErpOrderTwins, type ErpOrderRef, erpOrderLines } from './erp-orders';
import { callOrFail, FAILURE_TYPES, toActivityFailure } from './failures';

export interface ClickAndCollectDeps {
  sitoo: SitooPort;
  erp: ErpPort;
  ecommerce: EcommercePort;
  mapping: () => Mapping;
  /** Tells the stock coalescer a level moved (a reservation is not a warehouse transaction). */
  signalStock: (change: StockChange) => Promise<void>;
}

export type { PricedLine } from '../domain/click-and-collect';

/** Tags Sitoo's omni-sales guide asks for, so stores and reports can tell a pickup from a till sale. */
export const PICKUP_ORDER_TAGS = { weborder: 'true', 'weborder-bopis': 'true' } as const;
export const WEB_ORDER_ID_KEY = 'web-orderid';

/**
 * The side effects of click & collect, one per activity: the web order, the store's stock and
 * Sitoo pickup order, the web order's steps, and the ERP sale when the customer has collected.
 */
export function createClickAndCollectActivities(deps: ClickAndCollectDeps) {
  const storeById = (storeId: string): StoreLocation | undefined =>
    deps.mapping().stores.find((s) => s.storeId === storeId);
  /** A retry cannot bring a store back into the mapping; the workflow parks until someone does. */
  const mappedStore = (storeId: string): StoreLocation => {
    const store = storeById(storeId);
    if (store) return store;
    throw ApplicationFailure.create({
      type: UNKNOWN_STORE,
      nonRetryable: true,
      message: `store ${storeId} is no longer in the mapping file`,
      details: [{ storeId }],
    });
  };
  const freeStock = async (store: StoreLocation, lines: PickupLine[]): Promise<Shortfall[]> => {
    const levels = await callOrFail(FAILURE_TYPES.sitooRejected, () =>
      deps.sitoo.getWarehouseLevels(
        store.sitooWarehouseId,
        lines.map((l) => l.sku),
      ),
    );
    return shortfalls(lines, levels);
  };

  return {
    async readWebOrder(input: { webOrderId: string }): Promise<WebOrder | null> {
      return (
        (await callOrFail(FAILURE_TYPES.ecommerceRejected, () => deps.ecommerce.getOrder(input.webOrderId))) ?? null
      );
    },

    async storeForPickup(input: { webLocationId: string | null; storeId?: string }): Promise<StoreLocation | null> {
      const mapping = deps.mapping();
      return (input.storeId ? storeById(input.storeId) : findStoreByWebLocation(mapping, input.webLocationId)) ?? null;
    },

    /** Stock nobody else has claimed at the store; when short, maybe a store of the same region that is not. */
    async checkPickupStock(input: {
      storeId: string;
      lines: PickupLine[];
      whenShort: ShortStockRule;
    }): Promise<{ shortfalls: Shortfall[]; suggestion?: { storeId: string; name: string } }> {
      const store = mappedStore(input.storeId);
      const short = await freeStock(store, input.lines);
      if (short.length === 0 || input.whenShort !== 'suggest-in-region') return { shortfalls: short };
      for (const other of regionStores(deps.mapping(), store)) {
        if ((await freeStock(other, input.lines)).length === 0)
          return { shortfalls: short, suggestion: { storeId: other.storeId, name: other.name } };
      }
      return { shortfalls: short };
    },

    /**
     * The pickup order in Sitoo, exactly once: the web order id is its externalid (unique in
     * Sitoo), looked up before creating; a create refused because another attempt got there first
     * adopts that order. Open, for the store's warehouse, with no delivery address (that would make
     * it a shipment), reserving its lines until the pickup deadline. Paid online: created paid with
     * the web payment. Pay in store: created unpaid (Pending, no payment) so the till takes it.
     */
    async ensurePickupOrder(input: {
      webOrder: Pick<WebOrder, 'id' | 'legacyId' | 'currencyCode'>;
      storeId: string;
      lines: PricedLine[];
      reservedUntil: number;
      vatPercent: number;
      /** Absent in workflows started before payment was checked: those were all created paid. */
      payment?: Exclude<PickupPayment, 'undecided'>;
    }): Promise<number> {
      const store = mappedStore(input.storeId);
      const paidOnline = (input.payment ?? 'paid-online') === 'paid-online';
      return callOrFail(FAILURE_TYPES.sitooRejected, async () => {
        const existing = await deps.sitoo.findOrderByExternalId(input.webOrder.legacyId);
        if (existing) return existing.orderId;
        // Inputs scheduled before money was cents carry string prices: see pricedLineWithCents.
        const lines = input.lines.map(pricedLineWithCents);
        // Each row at what the customer paid for it (absent on lines from older histories: unit price x quantity).
        const rows = lines.map((l) => l.grossCents ?? l.unitPriceCents * l.quantity);
        try {
          return await deps.sitoo.createOrder({
            externalId: input.webOrder.legacyId,
            warehouseId: store.sitooWarehouseId,
            orderStateId: OrderState.Open,
            paymentStateId: paidOnline ? PaymentState.Successful : PaymentState.Pending,
            currencyCode: input.webOrder.currencyCode,
            lines: lines.map((l, i) => ({
              sku: l.sku,
              productName: l.sku,
              quantity: l.quantity,
              rowGrossCents: rows[i]!,
              vatPercent: input.vatPercent,
            })),
            ...(paidOnline
              ? {
                  payments: [
                    {
                      name: 'Web payment',
                      amountCents: rows.reduce((n, c) => n + c, 0),
                      externalId: input.webOrder.legacyId,
                    },
                  ],
                }
              : {}),
            reservedUntil: input.reservedUntil,
            additionalData: { ...PICKUP_ORDER_TAGS, [WEB_ORDER_ID_KEY]: input.webOrder.legacyId },
          });
        } catch (err) {
          if (!(err instanceof PermanentError && err.code === 'DuplicateExternalId')) throw err;
          // Another attempt (a retry after a lost response, a second worker) created it meanwhile:
          // the externalid is this web order's, so that order is ours.
          const holder = await deps.sitoo.findOrderByExternalId(input.webOrder.legacyId);
          if (holder) return holder.orderId;
          throw new TransientError(
            `sitoo: externalid ${input.webOrder.legacyId} is taken but its order cannot be read yet`,
            'sitoo',
            err.status,
          );
        }
      });
    },

    /** The pickup order as Sitoo has it now: state, payment state, lines and payments; null if Sitoo has none. */
    async readPickupOrder(input: { sitooOrderId: number }): Promise<SaleOrder | null> {
      return (await callOrFail(FAILURE_TYPES.sitooRejected, () => deps.sitoo.getOrder(input.sitooOrderId))) ?? null;
    },

    /**
     * Cancels the pickup order unless the store handed it over first: a closed order stays closed
     * (the sale stands in the store), and the caller learns which it was.
     */
    async cancelPickupUnlessCollected(input: { sitooOrderId: number }): Promise<'cancelled' | 'collected'> {
      try {
        await deps.sitoo.cancelOrder(input.sitooOrderId);
        return 'cancelled';
      } catch (err) {
        if (err instanceof PermanentError && err.code === 'OrderClosed') return 'collected';
        throw toActivityFailure(err, FAILURE_TYPES.sitooRejected);
      }
    },

    /** Cancelling the Sitoo order releases its reservation; an already cancelled order is fine. */
    async cancelPickupOrder(input: { sitooOrderId: number }): Promise<void> {
      await callOrFail(FAILURE_TYPES.sitooRejected, () => deps.sitoo.cancelOrder(input.sitooOrderId));
    },

    /** A reservation made or released changes what the web may sell: recompute those levels now. */
    async refreshWebStock(input: { storeId: string; skus: string[] }): Promise<void> {
      await deps.signalStock({ keys: input.skus.map((sku) => ({ locationId: input.storeId, sku })) });
    },

    async markReadyOnWeb(input: { fulfillmentOrderId: string }): Promise<void> {
      await callOrFail(FAILURE_TYPES.ecommerceRejected, () =>
        deps.ecommerce.markPreparedForPickup(input.fulfillmentOrderId),
      );
    },

    async fulfilOnWeb(input: { fulfillmentOrderId: string }): Promise<void> {
      await callOrFail(FAILURE_TYPES.ecommerceRejected, () => deps.ecommerce.fulfilPickup(input.fulfillmentOrderId));
    },

    /**
     * Cancels and refunds the web order. Restocked: Shopify moves the order's committed units back
     * to available and leaves on_hand, which the stock flow sets from the store's master, alone.
     * Without it Shopify would take them out of on_hand, and the web would show the store a few
     * units short until the next flush of those levels.
     */
    async cancelWebOrder(input: {
      webOrderId: string;
      reason: 'CUSTOMER' | 'INVENTORY' | 'OTHER' | 'STAFF';
      note: string;
    }): Promise<void> {
      await callOrFail(FAILURE_TYPES.ecommerceRejected, () =>
        deps.ecommerce.cancelOrder({
          orderId: input.webOrderId,
          reason: input.reason,
          refund: true,
          restock: true,
          staffNote: input.note,
        }),
      );
    },

    /** The collected order becomes a posted ERP sale at the store's location, exactly once. */
    async bookCollectedOrder(input: {
      webOrderId: string;
      storeId: string;
      currencyCode: string;
      lines: PricedLine[];
      collectedOn: string;
    }): Promise<ErpOrderRef> {
      const store = mappedStore(input.storeId);
      const externalDocumentNumber = webOrderErpDocumentNumber(input.webOrderId);
      // Rows read back from Sitoo carry their exact totals: booked to the cent, like till sales.
      // Inputs scheduled before money was cents carry string prices: see pricedLineWithCents.
      const planned = erpSaleLines(
        input.lines.map(pricedLineWithCents).map((l) => ({
          sku: l.sku,
          productName: l.sku,
          quantity: l.quantity,
          unitPriceGrossCents: l.unitPriceCents,
          vatPercent: 0,
          ...(l.grossCents !== undefined ? { grossCents: l.grossCents } : {}),
        })),
      );
      if ('refused' in planned)
        throw ApplicationFailure.nonRetryable(
          `web order ${input.webOrderId} cannot be booked as it is: ${planned.refused}`,
          FAILURE_TYPES.erpRejected,
        );
      return callOrFail(FAILURE_TYPES.erpRejected, async () => {
        const order = await findOrCreateErpOrder(deps.erp, {
          externalDocumentNumber,
          customerNumber: store.erpCustomerNumber,
          orderDate: input.collectedOn,
          currencyCode: input.currencyCode,
          lines: erpOrderLines(planned.lines, store.erpLocationCode),
        });
        if (order.posted) return order;
        // Posting re-reads the order; keep what only the create can know.
        const posted = await postErpOrder(deps.erp, {
          externalDocumentNumber,
          customerNumber: store.erpCustomerNumber,
        });
        return { ...posted, ...(order.lateTwinPossible ? { lateTwinPossible: true } : {}) };
      });
    },

    /** Once no late create can land, takes back open orders of this web order beside the posted one. */
    async sweepCollectedOrderTwins(input: { webOrderId: string; storeId: string }): Promise<number> {
      const store = mappedStore(input.storeId);
      return callOrFail(FAILURE_TYPES.erpRejected, () =>
        sweepErpOrderTwins(deps.erp, {
          externalDocumentNumber: webOrderErpDocumentNumber(input.webOrderId),
          customerNumber: store.erpCustomerNumber,
        }),
      );
    },
  };
}

export type ClickAndCollectActivities = ReturnType<typeof createClickAndCollectActivities>;
