import type { ErpPort } from '../connectors/erp/port';
import type { SitooPort } from '../connectors/sitoo/port';
import { businessDate } from '../domain/business-day';
import { stockAdjustmentDocumentNumber } from '../domain/ids';
import { masterRefusal, stockLocations, type Mapping } from '../domain/mapping';
import { erpRecordsThroughOrders, quantitiesOf, type StockChangeKind } from '../domain/stock';
import { callOrFail, FAILURE_TYPES } from './failures';

export interface StockAdjustmentDeps {
  sitoo: SitooPort;
  erp: ErpPort;
  mapping: () => Mapping;
}

export type StockAdjustmentOutcome =
  | { outcome: 'recorded'; documentNumber: string; existed: boolean; locationCode: string; kind: StockChangeKind }
  | { outcome: 'booked-by-order-flow'; kind: StockChangeKind }
  | { outcome: 'not-found' }
  | { outcome: 'unmapped-warehouse'; warehouseId: number }
  | { outcome: 'master-conflict'; message: string }
  | { outcome: 'unknown-items'; skus: string[] };

/**
 * The ERP side of a store stock change that is not a sale or a refund (manual adjustment,
 * stock-taking, transfer): a stock adjustment at the store's ERP location, keyed by the Sitoo
 * transaction id and looked up before it is created, so a retry or a lost response never books
 * it twice. Business outcomes come back as values for the workflow to park on.
 */
export function createStockAdjustmentActivities(deps: StockAdjustmentDeps) {
  return {
    async recordStoreStockChange(input: { transactionId: number }): Promise<StockAdjustmentOutcome> {
      const [transaction] = await callOrFail(FAILURE_TYPES.sitooRejected, (signal) =>
        deps.sitoo.listWarehouseTransactions({ ids: [input.transactionId] }, { signal }),
      );
      if (!transaction) return { outcome: 'not-found' };
      if (erpRecordsThroughOrders(transaction.kind)) return { outcome: 'booked-by-order-flow', kind: transaction.kind };
      const location = stockLocations(deps.mapping()).find((l) => l.sitooWarehouseId === transaction.warehouseId);
      if (!location) return { outcome: 'unmapped-warehouse', warehouseId: transaction.warehouseId };
      const refusal = masterRefusal(location, 'erp');
      if (refusal) return { outcome: 'master-conflict', message: refusal };
      const lines = [...quantitiesOf(transaction.items)]
        .filter(([, q]) => q !== 0)
        .map(([itemNumber, quantity]) => ({ itemNumber, quantity }));
      const documentNumber = stockAdjustmentDocumentNumber(transaction.transactionId);
      const existing = await callOrFail(FAILURE_TYPES.erpRejected, (signal) =>
        deps.erp.findStockAdjustment(documentNumber, { signal }),
      );
      if (existing)
        return {
          outcome: 'recorded',
          documentNumber: existing.number,
          existed: true,
          locationCode: location.erpLocationCode,
          kind: transaction.kind,
        };
      const unknown = await callOrFail(FAILURE_TYPES.erpRejected, (signal) =>
        deps.erp.findUnknownItems(
          lines.map((l) => l.itemNumber),
          { signal },
        ),
      );
      if (unknown.length) return { outcome: 'unknown-items', skus: unknown };
      const created = await callOrFail(FAILURE_TYPES.erpRejected, (signal) =>
        deps.erp.createStockAdjustment(
          {
            externalDocumentNumber: documentNumber,
            locationCode: location.erpLocationCode,
            postingDate: businessDate(transaction.createdAt, location),
            description: `Sitoo ${transaction.kind} ${transaction.transactionId}`,
            lines,
          },
          { signal },
        ),
      );
      return {
        outcome: 'recorded',
        documentNumber: created.number,
        existed: false,
        locationCode: location.erpLocationCode,
        kind: transaction.kind,
      };
    },
  };
}

export type StockAdjustmentActivities = ReturnType<typeof createStockAdjustmentActivities>;
