import type { DayTransactionPage, ZReport } from '../../domain/end-of-day';
import type { SaleOrder } from '../../domain/sale';
import type { StockTransaction, WarehouseLevel } from '../../domain/stock';

/** Sitoo order log types a client may add (sitoo-api.md §3.3, §5). */
export const OrderLogType = { ReadyForPickup: 900, PickupRejected: 910 } as const;
export type WritableOrderLogType = (typeof OrderLogType)[keyof typeof OrderLogType];

/**
 * A web order to place in a store's Sitoo warehouse (click & collect, and the original a store
 * return is validated against). Always an ordinary order (ordertypeid 10) with no delivery
 * address, which is what makes Sitoo treat it as a pickup rather than a shipment.
 */
export interface NewSitooOrder {
  /** The web order id: unique per Sitoo system, 1-40 characters of [A-Za-z0-9_-]. */
  externalId: string;
  /** The pickup store's warehouse. */
  warehouseId: number;
  /** Default 0 (Open): a pickup order stays open until the store closes it on collection. */
  orderStateId?: number;
  paymentStateId: number;
  currencyCode: string;
  /** Positive quantities; rowGrossCents is what the row comes to, VAT and discounts included, in cents. */
  lines: Array<{ sku: string; productName: string; quantity: number; rowGrossCents: number; vatPercent: number }>;
  payments?: Array<{ name: string; amountCents: number; externalId?: string }>;
  /** Unix seconds: while the order is open, its lines' stock is held in the warehouse until then. */
  reservedUntil?: number;
  /** Tags such as `weborder: "true"` (Sitoo's Omni guide asks integrations to tag their orders). */
  additionalData?: Record<string, string>;
}

/** What the integration reads from and writes to Sitoo. Implemented by SitooClient against REST v2. */
export interface SitooPort {
  /** One order with its lines and payments; undefined when Sitoo answers 404. */
  getOrder(orderId: number, opts?: { eshopId?: number; signal?: AbortSignal }): Promise<SaleOrder | undefined>;
  /**
   * Orders with orderid >= orderIdFrom, ascending by orderid (the polling cursor, sitoo-api.md §9).
   * Returns at most `num` orders; the caller advances the cursor past the last one.
   */
  listOrdersFrom(
    orderIdFrom: number,
    num: number,
    opts?: { signal?: AbortSignal },
  ): Promise<{ totalCount: number; orders: SaleOrder[] }>;
  /** The orders among these ids that exist (Sitoo's `orderid` list filter); absent ids are left out. */
  listOrdersById(orderIds: number[], opts?: { signal?: AbortSignal }): Promise<SaleOrder[]>;
  /** Stock on hand per SKU in one warehouse (decimaltotal), for the given SKUs or all when omitted. */
  getWarehouseStock(
    warehouseId: number,
    skus?: string[],
    opts?: { eshopId?: number; signal?: AbortSignal },
  ): Promise<Map<string, number>>;
  /**
   * Warehouse transactions ascending by id: by id list, or from an id (the polling cursor), for one
   * warehouse or all. At most `num` (default 100) when reading from a cursor.
   */
  listWarehouseTransactions(
    filter: { ids?: number[]; idFrom?: number; warehouseId?: number; num?: number },
    opts?: { eshopId?: number; signal?: AbortSignal },
  ): Promise<StockTransaction[]>;
  /** On hand and reserved per SKU in one warehouse, for the given SKUs or all when omitted. */
  getWarehouseLevels(
    warehouseId: number,
    skus?: string[],
    opts?: { eshopId?: number; signal?: AbortSignal },
  ): Promise<Map<string, WarehouseLevel>>;
  /** Absolute on-hand writes; Sitoo allows them only on Virtual warehouses (mirrors of an ERP-mastered warehouse). */
  setVirtualWarehouseStock(
    warehouseId: number,
    levels: Array<{ sku: string; onHand: number }>,
    opts?: { eshopId?: number; signal?: AbortSignal },
  ): Promise<void>;
  /** The order holding this externalid (unique per Sitoo system), if any: the look-up before createOrder. */
  findOrderByExternalId(externalId: string, opts?: { signal?: AbortSignal }): Promise<SaleOrder | undefined>;
  /**
   * Adds the order and returns its orderid. Not idempotent: after a failure or timeout look it up
   * with findOrderByExternalId. An externalid already in use is a PermanentError (code
   * `DuplicateExternalId`) naming the order that holds it.
   */
  createOrder(input: NewSitooOrder, opts?: { eshopId?: number; signal?: AbortSignal }): Promise<number>;
  /**
   * Cancels an open order (orderstateid 20), releasing its reservation. Already cancelled is
   * success; a closed (collected) order is a PermanentError (code `OrderClosed`), as is a missing one.
   */
  cancelOrder(orderId: number, opts?: { eshopId?: number; signal?: AbortSignal }): Promise<void>;
  /** Every refund order crediting this order (creditorderid), ascending by orderid. */
  listRefundsOf(originalOrderId: number, opts?: { signal?: AbortSignal }): Promise<SaleOrder[]>;
  /**
   * Adds a pickup log item; Sitoo then sends the matching order event. Skipped when the order's
   * latest pickup log item already has this type, so a retry after a lost response adds no second one.
   */
  addOrderLog(
    orderId: number,
    type: WritableOrderLogType,
    opts?: { eshopId?: number; signal?: AbortSignal },
  ): Promise<void>;
  /**
   * One page of a store's business day: the warehouse's closed orders (sales and refunds) dated in
   * [from, to) (Unix seconds), ascending by orderid. Pass `nextCursor` back as `cursor` for the
   * next page; it is absent on the last one. `pageSize` defaults to 100, at most 500.
   * `opts.eshopId` picks the site whose payment types name the tenders.
   */
  listDayTransactions(
    input: { warehouseId: number; from: number; to: number; pageSize?: number; cursor?: number },
    opts?: { eshopId?: number; signal?: AbortSignal },
  ): Promise<DayTransactionPage>;
  /**
   * Z-reports of registers closed (datecreated) in [from, to), optionally only those of one
   * warehouse's registers. Reports arriving up to `maxArrivalDelaySeconds` (default 3 days) after
   * `to` are still found; deduplicated by (registerId, zReportId).
   */
  listZReports(
    input: { eshopId?: number; warehouseId?: number; from: number; to: number; maxArrivalDelaySeconds?: number },
    opts?: { signal?: AbortSignal },
  ): Promise<ZReport[]>;
  /** The site's IANA time zone, which its business days are counted in (PermanentError if unset or unknown). */
  getSiteTimeZone(eshopId?: number, opts?: { signal?: AbortSignal }): Promise<string>;
}
