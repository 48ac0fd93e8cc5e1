import type { SaleOrder } from '../../domain/sale';

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
}
