import { randomUUID } from 'node:crypto';
import { WarehouseTransactionType as T } from '../../domain/stock';
import { nowSeconds, round3, SitooInputError } from './common';
import { formatDecimal } from './money';
import type { SitooEvent, WireOrder, WireWarehouseItem, WireWarehouseTransaction } from './wire';

export const WAREHOUSE_FIFO = 10;
/** sitoo-api.md §6: absolute writes only, no transaction log, no transaction POSTs. */
export const WAREHOUSE_VIRTUAL = 20;

export interface Warehouse {
  warehouseid: number;
  name: string;
  storeid: number | null;
  currencycode: string;
  warehousetype: typeof WAREHOUSE_FIFO | typeof WAREHOUSE_VIRTUAL;
  /** On-hand per SKU; Sitoo is the stock master for stores, so this is the truth the tests check. */
  stock: Map<string, number>;
  /** Set by hand (setReserved); what open orders hold comes on top, computed on read. */
  reserved: Map<string, number>;
  /** A SKU has a warehouse item once anything touched it; the key set is what warehouseitems.json lists. */
  itemIds: Map<string, number>;
  lastModified: Map<string, number>;
  lastStockTaking: Map<string, number>;
  binlocation: Map<string, string>;
  threshold: Map<string, number>;
}

export interface StockChange {
  sku: string;
  /** Signed. */
  quantity: number;
}

export interface TransactionMeta {
  description?: string;
  externalId?: string | null;
  reasonCode?: string | null;
}

export interface ItemWrite {
  sku: string;
  total?: number;
  binlocation?: string;
  threshold?: number;
}

/** Types only Sitoo itself creates (sitoo-api.md §6: read-only); a POST may not use them. */
export const READ_ONLY_TYPES: readonly number[] = [T.Sales, T.Refund, T.StockTaking];

/**
 * Warehouses, stock and the warehouse transaction log. Every change to a FIFO warehouse goes
 * through `record`, so the log and the levels cannot disagree, and the event follows the change.
 */
export class SitooStock {
  readonly warehouses = new Map<number, Warehouse>();
  /** Ascending by id, as created. */
  readonly transactions: WireWarehouseTransaction[] = [];
  private nextItemId = 1;
  private nextTransactionId = 1;
  private nextItemLogId = 1;

  constructor(
    private readonly accountId: number,
    private readonly eshopId: number,
    private readonly emit: (event: SitooEvent) => void,
    /** What open orders hold per SKU in a warehouse (click & collect reservations). */
    private readonly heldByOrders: (warehouseId: number) => Map<string, number> = () => new Map(),
  ) {}

  /** Test set-up: sets levels directly, with no transactions and no events. */
  seedWarehouse(w: {
    warehouseId: number;
    name: string;
    storeId?: number | null;
    currencyCode?: string;
    virtual?: boolean;
    stock: Record<string, number>;
  }): Warehouse {
    const warehouse: Warehouse = this.warehouses.get(w.warehouseId) ?? {
      warehouseid: w.warehouseId,
      name: w.name,
      storeid: w.storeId ?? null,
      currencycode: w.currencyCode ?? 'SEK',
      warehousetype: WAREHOUSE_FIFO,
      stock: new Map(),
      reserved: new Map(),
      itemIds: new Map(),
      lastModified: new Map(),
      lastStockTaking: new Map(),
      binlocation: new Map(),
      threshold: new Map(),
    };
    warehouse.name = w.name;
    warehouse.storeid = w.storeId ?? warehouse.storeid;
    if (w.virtual !== undefined) warehouse.warehousetype = w.virtual ? WAREHOUSE_VIRTUAL : WAREHOUSE_FIFO;
    this.warehouses.set(w.warehouseId, warehouse);
    for (const [sku, quantity] of Object.entries(w.stock)) this.setLevel(warehouse, sku, quantity);
    return warehouse;
  }

  getStock(warehouseId: number, sku: string): number {
    return this.warehouses.get(warehouseId)?.stock.get(sku) ?? 0;
  }

  getReserved(warehouseId: number, sku: string): number {
    const warehouse = this.warehouses.get(warehouseId);
    if (!warehouse) return 0;
    return round3((warehouse.reserved.get(sku) ?? 0) + (this.heldByOrders(warehouseId).get(sku) ?? 0));
  }

  /** Gives SKUs a warehouse item without changing anything else, so a reservation on a SKU never stocked there is still listed. */
  ensureItems(warehouseId: number, skus: string[]): void {
    const warehouse = this.warehouses.get(warehouseId);
    if (warehouse) for (const sku of skus) if (sku !== '') this.touch(warehouse, sku);
  }

  /**
   * In Sitoo reservations come from open orders (click & collect), not from stock writes, so this
   * test hook changes no level and records no transaction or event. Order reservations add to it.
   */
  setReserved(warehouseId: number, sku: string, reserved: number): void {
    const warehouse = this.require(warehouseId);
    if (!Number.isFinite(reserved) || reserved < 0)
      throw new SitooInputError(`reserved for ${sku} must be a non-negative number`);
    this.touch(warehouse, sku);
    warehouse.reserved.set(sku, round3(reserved));
  }

  transaction(id: number): WireWarehouseTransaction | undefined {
    return this.transactions[id - 1];
  }

  /** Applies signed changes to a FIFO warehouse as one transaction, then emits its event. */
  record(
    warehouseId: number,
    type: number,
    changes: StockChange[],
    meta: TransactionMeta = {},
  ): WireWarehouseTransaction {
    const warehouse = this.requireFifo(warehouseId);
    const tx: WireWarehouseTransaction = {
      warehousetransactionid: this.nextTransactionId++,
      warehouseid: warehouseId,
      datecreated: nowSeconds(),
      transactiontype: type,
      description: meta.description ?? '',
      orderdeliveryid: null,
      shipmentid: null,
      externalid: meta.externalId ?? null,
      reasoncode: meta.reasonCode ?? null,
      items: merge(changes).map(({ sku, quantity }) => {
        // Sitoo lets store stock go negative (the till never refuses a sale), so no floor here.
        const total = this.setLevel(warehouse, sku, (warehouse.stock.get(sku) ?? 0) + quantity);
        return {
          sku,
          decimalquantity: formatDecimal(quantity),
          decimaltotal: formatDecimal(total),
          warehouseitemid: warehouse.itemIds.get(sku)!,
          warehouseitemlogid: this.nextItemLogId++,
        };
      }),
    };
    this.transactions.push(tx);
    this.emit({
      event_id: randomUUID(),
      event_type: 'warehouse-transaction',
      event_date: tx.datecreated,
      account_id: this.accountId,
      data: { eshop_id: this.eshopId, warehouse_id: warehouseId, warehouse_transaction_id: tx.warehousetransactionid },
    });
    return tx;
  }

  /**
   * The stock side of a till order: Sales, or Refund when it credits another order (refund lines
   * are negative, so stock comes back); a manual return credits no order, so it passes Refund
   * itself. A Virtual warehouse moves but logs nothing, as in Sitoo.
   */
  recordOrder(
    order: WireOrder,
    type: number = order.creditorderid !== null ? T.Refund : T.Sales,
  ): WireWarehouseTransaction | undefined {
    const warehouse = order.warehouseid === null ? undefined : this.require(order.warehouseid);
    if (!warehouse) return undefined;
    const changes = order.orderitems.filter((i) => i.sku !== '').map((i) => ({ sku: i.sku, quantity: -i.quantity }));
    if (warehouse.warehousetype === WAREHOUSE_VIRTUAL) {
      for (const c of merge(changes)) this.setLevel(warehouse, c.sku, (warehouse.stock.get(c.sku) ?? 0) + c.quantity);
      return undefined;
    }
    return this.record(warehouse.warehouseid, type, changes, { description: `Order ${order.orderid}` });
  }

  /** Counted levels become the new on hand; only SKUs whose count differs get an item log. */
  stockTake(warehouseId: number, counts: Record<string, number>): WireWarehouseTransaction {
    const warehouse = this.requireFifo(warehouseId);
    const entries = Object.entries(counts);
    for (const [sku, counted] of entries)
      if (!Number.isFinite(counted)) throw new SitooInputError(`count for ${sku} must be a number`);
    const changes = entries.map(([sku, counted]) => ({
      sku,
      quantity: round3(counted) - (warehouse.stock.get(sku) ?? 0),
    }));
    // A count that changed nothing still completes the stock-taking, so the transaction exists even when empty.
    const tx = this.record(warehouseId, T.StockTaking, changes, { description: 'Stocktaking has been completed!' });
    for (const [sku] of entries) {
      this.touch(warehouse, sku);
      warehouse.lastStockTaking.set(sku, tx.datecreated);
    }
    return tx;
  }

  /** Move Out at the source, then Move In at the destination; both are checked before either moves. */
  transfer(
    fromId: number,
    toId: number,
    items: StockChange[],
  ): { out: WireWarehouseTransaction; in: WireWarehouseTransaction } {
    const from = this.requireFifo(fromId);
    const to = this.requireFifo(toId);
    if (fromId === toId) throw new SitooInputError('a transfer needs two different warehouses');
    if (items.length === 0 || items.some((i) => !(i.quantity > 0)))
      throw new SitooInputError('transfer quantities must be positive');
    const out = this.record(
      fromId,
      T.MoveOut,
      items.map((i) => ({ sku: i.sku, quantity: -i.quantity })),
      { description: `Move to ${to.name}` },
    );
    return { out, in: this.record(toId, T.MoveIn, items, { description: `Move from ${from.name}` }) };
  }

  /**
   * The warehouse-items PUT: all rows are checked before any is applied. Absolute totals only on
   * Virtual warehouses, and Sitoo keeps no transaction log for them, so no transaction and no event.
   */
  writeItems(warehouseId: number, rows: ItemWrite[]): void {
    const warehouse = this.require(warehouseId);
    if (warehouse.warehousetype !== WAREHOUSE_VIRTUAL && rows.some((r) => r.total !== undefined)) {
      throw new SitooInputError(
        `decimaltotal is only writable on Virtual warehouses; warehouse ${warehouseId} is FIFO (post a warehouse transaction instead)`,
      );
    }
    for (const row of rows) {
      this.touch(warehouse, row.sku);
      if (row.total !== undefined) this.setLevel(warehouse, row.sku, row.total);
      if (row.binlocation !== undefined) warehouse.binlocation.set(row.sku, row.binlocation);
      if (row.threshold !== undefined) warehouse.threshold.set(row.sku, round3(row.threshold));
    }
  }

  items(warehouse: Warehouse): WireWarehouseItem[] {
    const held = this.heldByOrders(warehouse.warehouseid);
    return [...warehouse.itemIds.entries()]
      .map(([sku, id]) => {
        const total = warehouse.stock.get(sku) ?? 0;
        const reserved = round3((warehouse.reserved.get(sku) ?? 0) + (held.get(sku) ?? 0));
        return {
          warehouseitemid: id,
          warehouseid: warehouse.warehouseid,
          sku,
          binlocation: warehouse.binlocation.get(sku) ?? '',
          decimalthreshold: formatDecimal(warehouse.threshold.get(sku) ?? 0),
          decimaltotal: formatDecimal(total),
          moneytotal: '0.00',
          datelastmodified: warehouse.lastModified.get(sku) ?? null,
          datelaststocktaking: warehouse.lastStockTaking.get(sku) ?? null,
          decimalreserved: formatDecimal(reserved),
          decimalavailable: formatDecimal(round3(total - reserved)),
        };
      })
      .sort((a, b) => a.warehouseitemid - b.warehouseitemid);
  }

  require(warehouseId: number): Warehouse {
    const warehouse = this.warehouses.get(warehouseId);
    if (!warehouse) throw new SitooInputError(`warehouse ${warehouseId} not found`);
    return warehouse;
  }

  private requireFifo(warehouseId: number): Warehouse {
    const warehouse = this.require(warehouseId);
    if (warehouse.warehousetype === WAREHOUSE_VIRTUAL) {
      throw new SitooInputError(
        `warehouse ${warehouseId} is Virtual: it takes no warehouse transactions, write decimaltotal on its warehouse items instead`,
      );
    }
    return warehouse;
  }

  private touch(warehouse: Warehouse, sku: string): void {
    if (!warehouse.itemIds.has(sku)) warehouse.itemIds.set(sku, this.nextItemId++);
  }

  private setLevel(warehouse: Warehouse, sku: string, quantity: number): number {
    this.touch(warehouse, sku);
    const total = round3(quantity);
    warehouse.stock.set(sku, total);
    warehouse.lastModified.set(sku, nowSeconds());
    return total;
  }
}

/** One item log per SKU, in first-seen order; a SKU whose changes cancel out moved nothing and is left out. */
function merge(changes: StockChange[]): StockChange[] {
  const sums = new Map<string, number>();
  for (const c of changes) {
    if (!Number.isFinite(c.quantity)) throw new SitooInputError(`quantity for ${c.sku} must be a number`);
    sums.set(c.sku, (sums.get(c.sku) ?? 0) + c.quantity);
  }
  return [...sums.entries()]
    .map(([sku, quantity]) => ({ sku, quantity: round3(quantity) }))
    .filter((c) => c.quantity !== 0);
}
