import { WarehouseTransactionType as T } from '../../domain/stock';
import type { SimRequest, SimResponse, SimRoute } from '../http-server';
import { describeIssue, warehouseItemRow, warehouseTransactionsBody } from './bodies';
import { BadQuery, envelope, guarded, intList, single, sitooError } from './rest';
import type { SitooState } from './state';
import { READ_ONLY_TYPES, WAREHOUSE_VIRTUAL } from './stock';
import type { WireWarehouseTransaction } from './wire';

/** sitoo-api.md §6 and gotcha 13: at most 1000 items per warehouse-transactions POST. */
export const MAX_TRANSACTION_ITEMS = 1000;
/**
 * Sitoo documents no limit for the warehouse-items PUT; we borrow the transactions POST limit so
 * a client that never chunks fails here rather than in production.
 */
export const MAX_ITEM_WRITES = 1000;
/** What a POST may book; Shipment In/Out exist in Sitoo but their numbers are not documented. */
const POSTABLE_TYPES: readonly number[] = [T.MoveIn, T.MoveOut, T.ManualIn, T.ManualOut];

/** Warehouses, warehouse items and warehouse transactions under `/sites/{siteid}`. */
export function stockRoutes(
  state: SitooState,
  site: string,
  siteMissing: (req: SimRequest) => SimResponse | undefined,
): SimRoute[] {
  const stock = state.stock;

  const listTransactions = (q: URLSearchParams, warehouseId?: number): SimResponse => {
    const ids = intList(q, 'warehousetransactionid');
    const from = intList(q, 'warehousetransactionidfrom')?.[0];
    const to = intList(q, 'warehousetransactionidto')?.[0];
    const warehouses = warehouseId !== undefined ? [warehouseId] : intList(q, 'warehouseid');
    const types = intList(q, 'transactiontype');
    const createdFrom = intList(q, 'datecreatedfrom')?.[0];
    // Only the id range is documented as half-open (`to` exclusive); dates follow it by analogy.
    const createdTo = intList(q, 'datecreatedto')?.[0];
    // sitoo-api.md §2.1: the documented default is descending, so a client must ask for ascending.
    const sort = q.get('sort') ?? '-warehousetransactionid';
    if (sort !== 'warehousetransactionid' && sort !== '-warehousetransactionid')
      throw new BadQuery('sort must be warehousetransactionid or -warehousetransactionid');
    const matches = stock.transactions.filter(
      (t: WireWarehouseTransaction) =>
        (!ids || ids.includes(t.warehousetransactionid)) &&
        (from === undefined || t.warehousetransactionid >= from) &&
        (to === undefined || t.warehousetransactionid < to) &&
        (!warehouses || warehouses.includes(t.warehouseid)) &&
        (!types || types.includes(t.transactiontype)) &&
        (createdFrom === undefined || t.datecreated >= createdFrom) &&
        (createdTo === undefined || t.datecreated < createdTo),
    );
    if (sort === '-warehousetransactionid') matches.reverse();
    return envelope(q, matches);
  };

  const postTransactions = (req: SimRequest): SimResponse => {
    const parsed = warehouseTransactionsBody.safeParse(req.body);
    if (!parsed.success) return sitooError(400, describeIssue(parsed.error));
    const itemCount = parsed.data.reduce((n, t) => n + t.items.length, 0);
    if (itemCount > MAX_TRANSACTION_ITEMS)
      return sitooError(400, `at most ${MAX_TRANSACTION_ITEMS} items per request, got ${itemCount}`);
    // All checked before any is applied: a half-booked batch would leave the caller unable to retry safely.
    for (const [i, t] of parsed.data.entries()) {
      if (READ_ONLY_TYPES.includes(t.transactiontype)) {
        return sitooError(
          400,
          `${i}.transactiontype: ${t.transactiontype} is read-only (Sales, Refund and StockTaking transactions are created by Sitoo)`,
        );
      }
      if (!POSTABLE_TYPES.includes(t.transactiontype))
        return sitooError(400, `${i}.transactiontype: unknown transaction type ${t.transactiontype}`);
      const warehouse = stock.warehouses.get(t.warehouseid);
      if (!warehouse) return sitooError(400, `${i}.warehouseid: warehouse ${t.warehouseid} not found`);
      if (warehouse.warehousetype === WAREHOUSE_VIRTUAL)
        return sitooError(
          400,
          `${i}.warehouseid: warehouse ${t.warehouseid} is Virtual and takes no warehouse transactions`,
        );
    }
    const ids = parsed.data.map(
      (t) =>
        stock.record(
          t.warehouseid,
          t.transactiontype,
          t.items.map((i) => ({ sku: i.sku, quantity: i.decimalquantity })),
          { description: t.description, externalId: t.externalid, reasonCode: t.reasoncode },
        ).warehousetransactionid,
    );
    // "id or a batch envelope" (sitoo-api.md §2.3): one transaction answers like the order POST, a bare id.
    return { status: 200, body: ids.length === 1 ? ids[0] : ids.map((id) => ({ statuscode: 200, return: id })) };
  };

  /** Malformed rows are refused one by one in the batch answer; the rest are written. */
  const putItems = (req: SimRequest, warehouseId: number): SimResponse => {
    if (!Array.isArray(req.body) || req.body.length === 0)
      return sitooError(400, 'body must be a non-empty array of warehouse items');
    if (req.body.length > MAX_ITEM_WRITES)
      return sitooError(400, `at most ${MAX_ITEM_WRITES} warehouse items per request, got ${req.body.length}`);
    const rows = req.body.map((row) => warehouseItemRow.safeParse(row));
    // A decimaltotal on a FIFO warehouse is the request's mistake, not a row's: writeItems refuses it all with a 400.
    stock.writeItems(
      warehouseId,
      rows.flatMap((r) =>
        r.success
          ? [
              {
                sku: r.data.sku,
                total: r.data.decimaltotal,
                binlocation: r.data.binlocation,
                threshold: r.data.decimalthreshold,
              },
            ]
          : [],
      ),
    );
    return {
      status: 200,
      body: rows.map((r) =>
        r.success ? { statuscode: 200, return: true } : { statuscode: 400, errortext: describeIssue(r.error) },
      ),
    };
  };

  /** Site check, then the warehouse in params[1] must exist (404: it is part of the URL). */
  const inWarehouse = (handler: (req: SimRequest, warehouseId: number) => SimResponse) =>
    guarded((req) => {
      const missing = siteMissing(req);
      if (missing) return missing;
      const warehouseId = Number(req.params[1]);
      return stock.warehouses.has(warehouseId)
        ? handler(req, warehouseId)
        : sitooError(404, `warehouse ${req.params[1]} not found`);
    });

  const onSite = (handler: (req: SimRequest) => SimResponse) => guarded((req) => siteMissing(req) ?? handler(req));

  return [
    {
      method: 'GET',
      pattern: new RegExp(`${site}/warehouses\\.json$`),
      handler: onSite((req) =>
        envelope(
          req.query,
          [...stock.warehouses.values()].map((w) => ({
            warehouseid: w.warehouseid,
            warehousetype: w.warehousetype,
            usetype: 10,
            storeid: w.storeid,
            sellable: true,
            currencycode: w.currencycode,
            name: w.name,
            externalid: null,
          })),
        ),
      ),
    },
    {
      method: 'GET',
      pattern: new RegExp(`${site}/warehouses/(\\d+)/warehouseitems\\.json$`),
      handler: inWarehouse((req, warehouseId) => {
        const skus = req.query.get('sku')?.split(',').filter(Boolean);
        return envelope(
          req.query,
          stock.items(stock.require(warehouseId)).filter((i) => !skus || skus.includes(i.sku)),
        );
      }),
    },
    {
      method: 'PUT',
      pattern: new RegExp(`${site}/warehouses/(\\d+)/warehouseitems\\.json$`),
      write: true,
      handler: inWarehouse(putItems),
    },
    {
      method: 'GET',
      pattern: new RegExp(`${site}/warehousetransactions\\.json$`),
      handler: onSite((req) => listTransactions(req.query)),
    },
    {
      method: 'GET',
      pattern: new RegExp(`${site}/warehouses/(\\d+)/warehousetransactions\\.json$`),
      handler: inWarehouse((req, warehouseId) => listTransactions(req.query, warehouseId)),
    },
    {
      method: 'GET',
      pattern: new RegExp(`${site}/warehousetransactions/(\\d+)\\.json$`),
      handler: onSite((req) => {
        const tx = stock.transaction(Number(req.params[1]));
        return tx ? single(req.query, tx) : sitooError(404, `warehouse transaction ${req.params[1]} not found`);
      }),
    },
    {
      method: 'POST',
      pattern: new RegExp(`${site}/warehousetransactions\\.json$`),
      write: true,
      handler: onSite(postTransactions),
    },
  ];
}
