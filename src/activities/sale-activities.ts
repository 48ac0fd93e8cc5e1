import { log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ErpPort, ErpSalesDocument } from '../connectors/erp/port';
import { PermanentError } from '../connectors/http';
import type { SitooPort } from '../connectors/sitoo/port';
import { erpExternalDocumentNumber } from '../domain/ids';
import { findStoreByWarehouse, type Mapping, type StoreLocation } from '../domain/mapping';
import type { SaleOrder } from '../domain/sale';
import { callOrFail, FAILURE_TYPES } from './failures';

export interface SaleActivityDeps {
  sitoo: SitooPort;
  erp: ErpPort;
  /** A getter, so a corrected mapping file can be reloaded without restarting the worker. */
  mapping: () => Mapping;
}

export interface ErpOrderRef {
  id: string;
  number: string;
  posted: boolean;
}

function unixToDate(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 10);
}

/** The order document is the one to post; an invoice means it was already shipped and invoiced. */
function summarise(docs: ErpSalesDocument[]): ErpOrderRef | undefined {
  const invoice = docs.find((d) => d.kind === 'invoice');
  if (invoice) return { id: invoice.id, number: invoice.number, posted: true };
  const order = docs.find((d) => d.kind === 'order');
  return order ? { id: order.id, number: order.number, posted: false } : undefined;
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

    /**
     * Exactly once across retries and lost responses: the ERP does not enforce unique external
     * document numbers, so look for the Sitoo order id first and create only when nothing carries it.
     */
    async createErpSalesOrder(input: { order: SaleOrder; store: StoreLocation }): Promise<ErpOrderRef> {
      const { order, store } = input;
      const externalDocumentNumber = erpExternalDocumentNumber(order.orderId);
      return callOrFail(FAILURE_TYPES.erpRejected, async () => {
        const existing = await deps.erp.findSalesDocuments(externalDocumentNumber);
        if (existing.length > 1) log.warn('ERP already holds several documents for one Sitoo order', { externalDocumentNumber, count: existing.length });
        const found = summarise(existing);
        if (found) return found;
        const created = await deps.erp.createSalesOrder({
          externalDocumentNumber,
          customerNumber: store.erpCustomerNumber,
          orderDate: unixToDate(order.orderDate),
          currencyCode: order.currencyCode,
          lines: order.lines.map((l) => ({ itemNumber: l.sku, quantity: l.quantity, unitPrice: Number(l.unitPriceGross), locationCode: store.erpLocationCode })),
        });
        return { id: created.id, number: created.number, posted: false };
      });
    },

    /** Ship and invoice: a POS sale is already delivered, and posting moves stock out at the store's location. */
    async postErpSalesOrder(input: { orderId: number }): Promise<ErpOrderRef> {
      const externalDocumentNumber = erpExternalDocumentNumber(input.orderId);
      return callOrFail(FAILURE_TYPES.erpRejected, async () => {
        const before = summarise(await deps.erp.findSalesDocuments(externalDocumentNumber));
        if (!before) throw ApplicationFailure.nonRetryable(`ERP has no sales order ${externalDocumentNumber} to post`, FAILURE_TYPES.erpRejected);
        if (before.posted) return before;
        try {
          await deps.erp.shipAndInvoice(before.id);
        } catch (err) {
          // A lost response on an earlier attempt leaves the order already posted (and deleted by the ERP).
          if (!(err instanceof PermanentError && err.status === 404)) throw err;
        }
        const after = summarise(await deps.erp.findSalesDocuments(externalDocumentNumber));
        if (!after?.posted) throw ApplicationFailure.retryable(`ERP order ${before.number} is not posted yet`, FAILURE_TYPES.transient);
        return after;
      });
    },
  };
}

export type SaleActivities = ReturnType<typeof createSaleActivities>;
