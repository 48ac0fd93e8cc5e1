import type { SaleOrder } from '../../domain/sale';
import type { StockTransaction, WarehouseLevel } from '../../domain/stock';

/** What the integration reads from Sitoo. Implemented by SitooClient against REST v2. */
export interface SitooPort {
  /** One order with its lines and payments; undefined when Sitoo answers 404. */
  getOrder(orderId: number, opts?: { eshopId?: number; signal?: AbortSignal }): Promise<SaleOrder | undefined>;
  /**
   * Orders with orderid >= orderIdFrom, ascending by orderid (the polling cursor, sitoo-api.md §9).
   * Returns at most `num` orders; the caller advances the cursor past the last one.
   */
  listOrdersFrom(orderIdFrom: number, num: number, opts?: { signal?: AbortSignal }): Promise<{ totalCount: number; orders: SaleOrder[] }>;
  /** Stock on hand per SKU in one warehouse (decimaltotal), for the given SKUs or all when omitted. */
  getWarehouseStock(warehouseId: number, skus?: string[], opts?: { eshopId?: number; signal?: AbortSignal }): Promise<Map<string, number>>;
  /**
   * Warehouse transactions ascending by id: by id list, or from an id (the polling cursor), for one
   * warehouse or all. At most `num` (default 100) when reading from a cursor.
   */
  listWarehouseTransactions(filter: { ids?: number[]; idFrom?: number; warehouseId?: number; num?: number }, opts?: { eshopId?: number; signal?: AbortSignal }): Promise<StockTransaction[]>;
  /** On hand and reserved per SKU in one warehouse, for the given SKUs or all when omitted. */
  getWarehouseLevels(warehouseId: number, skus?: string[], opts?: { eshopId?: number; signal?: AbortSignal }): Promise<Map<string, WarehouseLevel>>;
  /** Absolute on-hand writes; Sitoo allows them only on Virtual warehouses (mirrors of an ERP-mastered warehouse). */
  setVirtualWarehouseStock(warehouseId: number, levels: Array<{ sku: string; onHand: number }>, opts?: { eshopId?: number; signal?: AbortSignal }): Promise<void>;
}
