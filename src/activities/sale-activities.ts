import type { ErpPort } from '../connectors/erp/port';
import type { SitooPort } from '../connectors/sitoo/port';
import { erpExternalDocumentNumber } from '../domain/ids';
import { findStoreByWarehouse, type Mapping, type StoreLocation } from '../domain/mapping';
import type { SaleOrder } from '../domain/sale';
import { findOrCreateErpOrder, postErpOrder, type ErpOrderRef } from './erp-orders';
import { callOrFail, FAILURE_TYPES } from './failures';

export type { ErpOrderRef } from './erp-orders';

export interface SaleActivityDeps {
  sitoo: SitooPort;
  erp: ErpPort;
  /** A getter, so a corrected mapping file can be reloaded without restarting the worker. */
  mapping: () => Mapping;
}

function unixToDate(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 10);
}

export function createSaleActivities(deps: SaleActivityDeps) {
  return {
    /** Events are notifications: the workflow always works from the order as Sitoo has it now. */
    async readSitooOrder(input: { orderId: number; eshopId: number }): Promise<SaleOrder | null> {
      const order = await callOrFail(FAILURE_TYPES.sitooRejected, () => deps.sitoo.getOrder(input.orderId, { eshopId: input.eshopId }));
      return order ?? null;
    },

    async resolveStoreLocation(input: { warehouseId: number | null }): Promise<StoreLocation | null> {
      return findStoreByWarehouse(deps.mapping(), input.warehouseId) ?? null;
    },

    async findUnknownErpItems(input: { skus: string[] }): Promise<string[]> {
      return callOrFail(FAILURE_TYPES.erpRejected, () => deps.erp.findUnknownItems(input.skus));
    },

    /** Exactly once: the Sitoo order id is the external document number, looked up before creating. */
    async createErpSalesOrder(input: { order: SaleOrder; store: StoreLocation }): Promise<ErpOrderRef> {
      const { order, store } = input;
      return callOrFail(FAILURE_TYPES.erpRejected, () =>
        findOrCreateErpOrder(deps.erp, {
          externalDocumentNumber: erpExternalDocumentNumber(order.orderId),
          customerNumber: store.erpCustomerNumber,
          orderDate: unixToDate(order.orderDate),
          currencyCode: order.currencyCode,
          lines: order.lines.map((l) => ({ itemNumber: l.sku, quantity: l.quantity, unitPrice: Number(l.unitPriceGross), locationCode: store.erpLocationCode })),
        }),
      );
    },

    /** Ship and invoice: a POS sale is already delivered, and posting moves stock out at the store's location. */
    async postErpSalesOrder(input: { orderId: number }): Promise<ErpOrderRef> {
      return callOrFail(FAILURE_TYPES.erpRejected, () => postErpOrder(deps.erp, erpExternalDocumentNumber(input.orderId)));
    },
  };
}

export type SaleActivities = ReturnType<typeof createSaleActivities>;
