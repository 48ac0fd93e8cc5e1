import { ApplicationFailure } from '@temporalio/common';
import type { ErpPort } from '../connectors/erp/port';
import type { SitooPort } from '../connectors/sitoo/port';
import { businessDate } from '../domain/business-day';
import { legacySitooOrderErpDocumentNumber } from '../domain/ids';
import { findStoreByWarehouse, type Mapping, type StoreLocation } from '../domain/mapping';
import { erpSaleLines, saleOrderWithCents, type SaleOrder } from '../domain/sale';
import {
  findOrCreateErpOrder,
  postErpOrder,
  sweepErpOrderTwins,
  type ErpOrderKey,
  type ErpOrderRef,
  erpOrderLines,
} from './erp-orders';
import { callOrFail, FAILURE_TYPES } from './failures';

export type { ErpOrderRef } from './erp-orders';

export interface SaleActivityDeps {
  sitoo: SitooPort;
  erp: ErpPort;
  /** A getter, so a corrected mapping file can be reloaded without restarting the worker. */
  mapping: () => Mapping;
}

/**
 * Where the sale's ERP order lives. Sales started since keys were scoped pass the key and the
 * store's customer; histories recorded before that pass neither and keep the bare order id.
 */
export interface SaleErpKeyInput {
  externalDocumentNumber?: string;
  customerNumber?: string;
}

function keyOf(orderId: number, input: SaleErpKeyInput): ErpOrderKey {
  return {
    externalDocumentNumber: input.externalDocumentNumber ?? legacySitooOrderErpDocumentNumber(orderId),
    customerNumber: input.customerNumber,
  };
}

export function createSaleActivities(deps: SaleActivityDeps) {
  return {
    /** Events are notifications: the workflow always works from the order as Sitoo has it now. */
    async readSitooOrder(input: { orderId: number; eshopId: number }): Promise<SaleOrder | null> {
      const order = await callOrFail(FAILURE_TYPES.sitooRejected, (signal) =>
        deps.sitoo.getOrder(input.orderId, { eshopId: input.eshopId, signal }),
      );
      return order ?? null;
    },

    async resolveStoreLocation(input: { warehouseId: number | null }): Promise<StoreLocation | null> {
      return findStoreByWarehouse(deps.mapping(), input.warehouseId) ?? null;
    },

    async findUnknownErpItems(input: { skus: string[] }): Promise<string[]> {
      return callOrFail(FAILURE_TYPES.erpRejected, (signal) =>
        deps.erp.findUnknownItems(
          input.skus.filter((s) => s.trim() !== ''),
          { signal },
        ),
      );
    },

    /**
     * Exactly once: looked up by its key within the store's customer before creating, checked
     * for twins after. The lines add up to what the till took, to the cent: receipt discounts
     * sit on the rows they belong to, and each row's rounding is its line discount.
     */
    async createErpSalesOrder(
      input: { order: SaleOrder; store: StoreLocation } & SaleErpKeyInput,
    ): Promise<ErpOrderRef> {
      const { store } = input;
      // An input scheduled before money was cents carries string prices: see saleOrderWithCents.
      const order = saleOrderWithCents(input.order);
      const planned = erpSaleLines(order.lines);
      if ('refused' in planned)
        throw ApplicationFailure.nonRetryable(
          `Sitoo order ${order.orderId} cannot be booked as it is: ${planned.refused}`,
          FAILURE_TYPES.erpRejected,
        );
      const key = keyOf(order.orderId, input);
      return callOrFail(FAILURE_TYPES.erpRejected, () =>
        findOrCreateErpOrder(deps.erp, {
          externalDocumentNumber: key.externalDocumentNumber,
          customerNumber: store.erpCustomerNumber,
          orderDate: businessDate(order.orderDate, store),
          currencyCode: order.currencyCode,
          lines: erpOrderLines(planned.lines, store.erpLocationCode),
        }),
      );
    },

    /** Ship and invoice: a POS sale is already delivered, and posting moves stock out at the store's location. */
    async postErpSalesOrder(input: { orderId: number } & SaleErpKeyInput): Promise<ErpOrderRef> {
      return callOrFail(FAILURE_TYPES.erpRejected, () => postErpOrder(deps.erp, keyOf(input.orderId, input)));
    },

    /**
     * Once the ERP can no longer commit a create an earlier attempt sent, takes back any open
     * order that landed beside the posted one. Returns how many it took back.
     */
    async sweepErpSaleTwins(input: { orderId: number } & SaleErpKeyInput): Promise<number> {
      return callOrFail(FAILURE_TYPES.erpRejected, () => sweepErpOrderTwins(deps.erp, keyOf(input.orderId, input)));
    },
  };
}

export type SaleActivities = ReturnType<typeof createSaleActivities>;
