import { z } from 'zod';
import { OrderState, type SaleOrder } from '../../domain/sale';
import type { DayTransactionPage, ZReport } from '../../domain/end-of-day';
import type { StockTransaction, WarehouseLevel } from '../../domain/stock';
import { ConcurrencyLimit } from '../concurrency-limit';
import { basicAuth, parseBody, PermanentError, send, throwForStatus, type HttpCall, type HttpResponse } from '../http';
import { SitooDayReader, type DayQuery, type ZReportQuery } from './day';
import { toOrderWriteBody, toSaleOrder, toStockTransaction } from './mapping';
import type { NewSitooOrder, SitooPort, WritableOrderLogType } from './port';
import {
  batchResultSchema,
  envelopeSchema,
  errorBodySchema,
  externalIdSchema,
  ORDER_FIELDS,
  orderLogItemSchema,
  orderLogItemWriteSchema,
  orderSchema,
  WAREHOUSE_TRANSACTION_FIELDS,
  warehouseItemSchema,
  warehouseLevelSchema,
  warehouseTransactionSchema,
} from './schemas';

export interface SitooClientConfig {
  /** Everything before `/v2`, e.g. https://api.mysitoo.com (the host differs per account). */
  baseUrl: string;
  accountId: number;
  /** The site the `/sites/{siteid}` paths use (sitoo-api.md §1: siteid = eshopid). */
  eshopId: number;
  apiId: string;
  apiPassword: string;
  timeoutMs?: number;
  /**
   * Requests in flight at once from this client (default 10). Sitoo documents 429 but not its
   * limits, so the cap is configurable; beyond it calls wait here, not in Sitoo's queue.
   */
  maxConcurrentRequests?: number;
  /** The reference shows the Z-reports path without `.json`; either works, the other is tried on a 404. */
  zReportsPath?: '/pos-z-reports' | '/pos-z-reports.json';
}

const SYSTEM = 'sitoo';
/** Page size for warehouse items; Sitoo documents no maximum, so stay modest. */
const STOCK_PAGE = 500;
/** SKUs per request, so the query string stays well below URL length limits. */
const SKU_CHUNK = 100;
/** Transaction ids per request, for the same reason. */
const ID_CHUNK = 100;
/** Page size for warehouse transactions, and the default cursor page. */
const TRANSACTION_PAGE = 100;
/** Rows per warehouse-items PUT; Sitoo documents no limit, half its 1000-item POST limit leaves room. */
const WRITE_CHUNK = 500;
/** Page size for lists read to the end (an order's refunds or log items are few). */
const ORDER_PAGE = 100;

type Query = Record<string, string | number | undefined>;
interface CallOpts {
  signal?: AbortSignal;
}

/** SitooPort over Sitoo REST v2: Basic auth, `.json` paths, `{totalcount, items}` envelopes. */
export class SitooClient implements SitooPort {
  private readonly base: string;
  private readonly auth: string;
  private readonly day: SitooDayReader;
  private readonly inFlight: ConcurrencyLimit;

  constructor(private readonly config: SitooClientConfig) {
    this.inFlight = new ConcurrencyLimit(config.maxConcurrentRequests ?? 10);
    this.base = `${config.baseUrl.replace(/\/+$/, '')}/v2/accounts/${config.accountId}`;
    this.auth = basicAuth(config.apiId, config.apiPassword);
    this.day = new SitooDayReader(
      (path, query, schema, opts) => this.getJson(path, query, schema, opts),
      config.eshopId,
      config.zReportsPath,
    );
  }

  /** The site the `/sites/{siteid}` paths use unless a call names another. */
  get eshopId(): number {
    return this.config.eshopId;
  }

  /**
   * One REST call for the readers and writers built on this client (the catalogue): the same
   * auth, concurrency cap and error mapping. The answer comes back for any status; `raise`
   * throws it as the Transient/PermanentError every other call would.
   */
  async rest(
    method: HttpCall['method'],
    path: string,
    query: Record<string, string | number | undefined>,
    body: unknown,
    opts: CallOpts = {},
  ): Promise<{ status: number; text: string; raise: () => never }> {
    const { call, res } = await this.request(method, path, query, body, opts);
    return { status: res.status, text: res.text, raise: () => this.fail(call, res) };
  }

  listDayTransactions(input: DayQuery, opts?: { eshopId?: number; signal?: AbortSignal }): Promise<DayTransactionPage> {
    return this.day.listDayTransactions(input, opts);
  }

  listZReports(input: ZReportQuery, opts?: CallOpts): Promise<ZReport[]> {
    return this.day.listZReports(input, opts);
  }

  getSiteTimeZone(eshopId?: number, opts?: CallOpts): Promise<string> {
    return this.day.getSiteTimeZone(eshopId, opts);
  }

  async getOrder(
    orderId: number,
    opts: { eshopId?: number; signal?: AbortSignal } = {},
  ): Promise<SaleOrder | undefined> {
    const path = `/sites/${opts.eshopId ?? this.config.eshopId}/orders/${orderId}.json`;
    const { call, res } = await this.request('GET', path, { fields: ORDER_FIELDS.join(',') }, undefined, opts);
    if (res.status === 404) return undefined;
    if (res.status !== 200) this.fail(call, res);
    return toSaleOrder(parseBody(SYSTEM, res.text, orderSchema));
  }

  async listOrdersFrom(
    orderIdFrom: number,
    num: number,
    opts: CallOpts = {},
  ): Promise<{ totalCount: number; orders: SaleOrder[] }> {
    const page = await this.getJson(
      '/orders.json',
      // Ascending by id from the cursor: new orders only ever appear after it (sitoo-api.md §9).
      {
        orderidfrom: orderIdFrom,
        sort: 'orderid',
        num,
        start: 0,
        eshopid: this.config.eshopId,
        fields: ORDER_FIELDS.join(','),
      },
      envelopeSchema(orderSchema),
      opts,
    );
    return { totalCount: page.totalcount, orders: page.items.map(toSaleOrder) };
  }

  async listOrdersById(orderIds: number[], opts: CallOpts = {}): Promise<SaleOrder[]> {
    const orders: SaleOrder[] = [];
    // Ids go in the query string: a few hundred per request keep the URL short.
    for (let i = 0; i < orderIds.length; i += 100) {
      const ids = orderIds.slice(i, i + 100);
      const page = await this.getJson(
        '/orders.json',
        {
          orderid: ids.join(','),
          sort: 'orderid',
          num: ids.length,
          start: 0,
          eshopid: this.config.eshopId,
          fields: ORDER_FIELDS.join(','),
        },
        envelopeSchema(orderSchema),
        opts,
      );
      orders.push(...page.items.map(toSaleOrder));
    }
    return orders;
  }

  async getWarehouseStock(
    warehouseId: number,
    skus?: string[],
    opts: { eshopId?: number; signal?: AbortSignal } = {},
  ): Promise<Map<string, number>> {
    const stock = new Map<string, number>();
    // Stock is a quantity, not money: a 3-decimal string that fits a double exactly enough.
    for (const item of await this.warehouseItems(warehouseId, skus, 'sku,decimaltotal', warehouseItemSchema, opts))
      stock.set(item.sku, Number(item.decimaltotal));
    return stock;
  }

  async getWarehouseLevels(
    warehouseId: number,
    skus?: string[],
    opts: { eshopId?: number; signal?: AbortSignal } = {},
  ): Promise<Map<string, WarehouseLevel>> {
    const levels = new Map<string, WarehouseLevel>();
    for (const item of await this.warehouseItems(
      warehouseId,
      skus,
      'sku,decimaltotal,decimalreserved',
      warehouseLevelSchema,
      opts,
    )) {
      levels.set(item.sku, {
        onHand: Number(item.decimaltotal),
        reserved: item.decimalreserved ? Number(item.decimalreserved) : 0,
      });
    }
    return levels;
  }

  async listWarehouseTransactions(
    filter: { ids?: number[]; idFrom?: number; warehouseId?: number; num?: number },
    opts: { eshopId?: number; signal?: AbortSignal } = {},
  ): Promise<StockTransaction[]> {
    const path = `/sites/${opts.eshopId ?? this.config.eshopId}/warehousetransactions.json`;
    const schema = envelopeSchema(warehouseTransactionSchema);
    // Ascending always: Sitoo's documented default is descending, which would page a cursor backwards.
    const query: Query = {
      sort: 'warehousetransactionid',
      warehouseid: filter.warehouseId,
      warehousetransactionidfrom: filter.idFrom,
      fields: WAREHOUSE_TRANSACTION_FIELDS.join(','),
    };
    if (filter.ids === undefined) {
      // One page from the cursor; the caller advances past the last id, so a page never needs a second request.
      const page = await this.getJson(path, { ...query, start: 0, num: filter.num ?? TRANSACTION_PAGE }, schema, opts);
      return page.items.map(toStockTransaction);
    }
    const byId = new Map<number, StockTransaction>();
    for (const ids of chunk([...new Set(filter.ids)], ID_CHUNK)) {
      for (let start = 0; ; start += TRANSACTION_PAGE) {
        const page = await this.getJson(
          path,
          { ...query, warehousetransactionid: ids.join(','), start, num: TRANSACTION_PAGE },
          schema,
          opts,
        );
        for (const t of page.items) byId.set(t.warehousetransactionid, toStockTransaction(t));
        if (page.items.length < TRANSACTION_PAGE || start + page.items.length >= page.totalcount) break;
      }
    }
    return [...byId.values()].sort((a, b) => a.transactionId - b.transactionId);
  }

  /**
   * Absolute levels on a Virtual warehouse. Re-sending is harmless (a set, not a delta), so a lost
   * response can simply be retried. A refused row fails the call naming its SKU; rows in earlier
   * chunks stay written, which a retry of the whole call makes right again.
   */
  async setVirtualWarehouseStock(
    warehouseId: number,
    levels: Array<{ sku: string; onHand: number }>,
    opts: { eshopId?: number; signal?: AbortSignal } = {},
  ): Promise<void> {
    const path = `/sites/${opts.eshopId ?? this.config.eshopId}/warehouses/${warehouseId}/warehouseitems.json`;
    for (const level of levels) {
      if (!Number.isFinite(level.onHand))
        throw new PermanentError(`stock for ${level.sku} is not a number: ${level.onHand}`, SYSTEM, 0, 'InvalidInput');
    }
    for (const rows of chunk(levels, WRITE_CHUNK)) {
      const body = rows.map((r) => ({ sku: r.sku, decimaltotal: r.onHand.toFixed(3) }));
      const { call, res } = await this.request('PUT', path, {}, body, opts);
      if (res.status !== 200) this.fail(call, res);
      const results = parseBody(SYSTEM, res.text, batchResultSchema);
      if (results === true) {
        if (rows.length === 1) continue;
        throw new PermanentError(
          `${SYSTEM} answered a ${rows.length}-row warehouse items PUT with a bare true`,
          SYSTEM,
          res.status,
          'UnexpectedResponse',
        );
      }
      if (results.length !== rows.length) {
        throw new PermanentError(
          `${SYSTEM} answered ${results.length} results for ${rows.length} warehouse items`,
          SYSTEM,
          res.status,
          'UnexpectedResponse',
        );
      }
      results.forEach((result, i) => {
        if (result.statuscode === 200) return;
        const sku = rows[i]!.sku;
        throw new PermanentError(
          `${SYSTEM} refused stock for SKU ${sku} in warehouse ${warehouseId}: ${result.statuscode}${result.errortext ? ` ${result.errortext}` : ''}`,
          SYSTEM,
          result.statuscode,
          'BatchItemRejected',
        );
      });
    }
  }

  /**
   * Adds an order; returns the new orderid. Not idempotent: look up by externalid after a failure.
   * The raw-body form predates NewSitooOrder and stays for the bench and older tests; it is
   * sent as given.
   */
  createOrder(input: NewSitooOrder, opts?: { eshopId?: number; signal?: AbortSignal }): Promise<number>;
  /** @deprecated a raw Add Order body; use the NewSitooOrder form. */
  createOrder(body: Record<string, unknown>, opts?: { eshopId?: number; signal?: AbortSignal }): Promise<number>;
  async createOrder(
    input: NewSitooOrder | Record<string, unknown>,
    opts: { eshopId?: number; signal?: AbortSignal } = {},
  ): Promise<number> {
    const body: Record<string, unknown> = isNewSitooOrder(input) ? toOrderWriteBody(input) : input;
    const { call, res } = await this.request(
      'POST',
      `/sites/${opts.eshopId ?? this.config.eshopId}/orders.json`,
      {},
      body,
      opts,
    );
    if (res.status === 400 && typeof body.externalid === 'string')
      await this.failIfExternalIdTaken(body.externalid, opts);
    if (res.status !== 200) this.fail(call, res);
    return parseBody(SYSTEM, res.text, orderSchema.shape.orderid);
  }

  /** Partial update of one order (Sitoo answers `true`). */
  async updateOrder(
    orderId: number,
    patch: Record<string, unknown>,
    opts: { eshopId?: number; signal?: AbortSignal } = {},
  ): Promise<void> {
    const { call, res } = await this.request(
      'PUT',
      `/sites/${opts.eshopId ?? this.config.eshopId}/orders/${orderId}.json`,
      {},
      patch,
      opts,
    );
    if (res.status !== 200) this.fail(call, res);
  }

  async findOrderByExternalId(externalId: string, opts: CallOpts = {}): Promise<SaleOrder | undefined> {
    // A comma would turn the filter into a list; the format check keeps one id one id.
    if (!externalIdSchema.safeParse(externalId).success)
      throw new PermanentError(`not a Sitoo externalid: ${JSON.stringify(externalId)}`, SYSTEM, 0, 'InvalidInput');
    const page = await this.getJson(
      '/orders.json',
      { externalid: externalId, num: 1, fields: ORDER_FIELDS.join(',') },
      envelopeSchema(orderSchema),
      opts,
    );
    return page.items[0] ? toSaleOrder(page.items[0]) : undefined;
  }

  /**
   * Reads the state first: an already cancelled order needs no write (so a retry after a lost
   * response succeeds), and a closed one is refused here whatever Sitoo itself would do, since
   * cancelling goods the customer already took home is never what the caller meant.
   */
  async cancelOrder(orderId: number, opts: { eshopId?: number; signal?: AbortSignal } = {}): Promise<void> {
    const path = `/sites/${opts.eshopId ?? this.config.eshopId}/orders/${orderId}.json`;
    for (let attempt = 0; ; attempt++) {
      const read = await this.request('GET', path, { fields: 'orderid,orderstateid' }, undefined, opts);
      if (read.res.status === 404)
        throw new PermanentError(
          `cannot cancel Sitoo order ${orderId}: it does not exist`,
          SYSTEM,
          404,
          'OrderNotFound',
        );
      if (read.res.status !== 200) this.fail(read.call, read.res);
      const { orderstateid } = parseBody(SYSTEM, read.res.text, orderStateSchema);
      if (orderstateid === OrderState.Cancelled) return;
      if (orderstateid === OrderState.Closed) {
        throw new PermanentError(
          `cannot cancel Sitoo order ${orderId}: it is closed (collected); refund it instead`,
          SYSTEM,
          400,
          'OrderClosed',
        );
      }
      const { call, res } = await this.request('PUT', path, {}, { orderstateid: OrderState.Cancelled }, opts);
      if (res.status === 200) return;
      // A 400 may mean it was collected at the till between our read and our write: read once more to say so.
      if (res.status !== 400 || attempt > 0) this.fail(call, res);
    }
  }

  async listRefundsOf(originalOrderId: number, opts: CallOpts = {}): Promise<SaleOrder[]> {
    // No eshopid filter: orderids are unique per system, and a refund made on another site still credits this order.
    const query = { creditorderid: originalOrderId, sort: 'orderid', fields: ORDER_FIELDS.join(',') };
    return (await this.allPages('/orders.json', query, orderSchema, opts)).map(toSaleOrder);
  }

  async addOrderLog(
    orderId: number,
    type: WritableOrderLogType,
    opts: { eshopId?: number; signal?: AbortSignal } = {},
  ): Promise<void> {
    const body = orderLogItemWriteSchema.safeParse({ orderlogtypeid: type });
    if (!body.success)
      throw new PermanentError(
        `order log type ${type} cannot be written; only 900 and 910 can`,
        SYSTEM,
        0,
        'InvalidInput',
      );
    const path = `/sites/${opts.eshopId ?? this.config.eshopId}/orders/${orderId}/orderlogitems.json`;
    // Log items have no id or external id to look up, so "already done" means the latest pickup entry is this one.
    const logs = await this.allPages(path, {}, orderLogItemSchema, opts);
    const latest = logs.filter((l) => l.orderlogtypeid === 900 || l.orderlogtypeid === 910).at(-1);
    if (latest?.orderlogtypeid === type) return;
    const { call, res } = await this.request('POST', path, {}, body.data, opts);
    if (res.status !== 200) this.fail(call, res);
  }

  /** A refused create whose externalid is taken is named as that, with the order holding it. */
  private async failIfExternalIdTaken(externalId: string, opts: CallOpts): Promise<void> {
    // Sitoo's wording for a duplicate is not documented (Appendix A), so we ask rather than parse the error text.
    const holder = await this.findOrderByExternalId(externalId, opts).catch(() => undefined);
    if (holder) {
      throw new PermanentError(
        `${SYSTEM} refused the order: externalid ${externalId} is already used by order ${holder.orderId} (look it up instead of creating it again)`,
        SYSTEM,
        400,
        'DuplicateExternalId',
      );
    }
  }

  /** Warehouse items paged with start/num, SKU lists chunked so the query string stays short. */
  private async warehouseItems<S extends z.ZodType<{ sku: string }>>(
    warehouseId: number,
    skus: string[] | undefined,
    fields: string,
    item: S,
    opts: { eshopId?: number; signal?: AbortSignal },
  ): Promise<Array<z.infer<S>>> {
    const path = `/sites/${opts.eshopId ?? this.config.eshopId}/warehouses/${warehouseId}/warehouseitems.json`;
    const items: Array<z.infer<S>> = [];
    const chunks = skus === undefined ? [undefined] : chunk([...new Set(skus)], SKU_CHUNK);
    for (const skuChunk of chunks) {
      for (let start = 0; ; start += STOCK_PAGE) {
        const page = await this.getJson(
          path,
          { sku: skuChunk?.join(','), start, num: STOCK_PAGE, fields },
          envelopeSchema(item),
          opts,
        );
        items.push(...page.items);
        if (page.items.length < STOCK_PAGE || start + page.items.length >= page.totalcount) break;
      }
    }
    return items;
  }

  /** Every page of a start/num list. */
  private async allPages<T>(path: string, query: Query, item: z.ZodType<T>, opts: CallOpts): Promise<T[]> {
    const all: T[] = [];
    for (let start = 0; ; start += ORDER_PAGE) {
      const page = await this.getJson(path, { ...query, start, num: ORDER_PAGE }, envelopeSchema(item), opts);
      all.push(...page.items);
      if (page.items.length < ORDER_PAGE || start + page.items.length >= page.totalcount) return all;
    }
  }

  private async getJson<T>(path: string, query: Query, schema: z.ZodType<T>, opts: CallOpts): Promise<T> {
    const { call, res } = await this.request('GET', path, query, undefined, opts);
    if (res.status !== 200) this.fail(call, res);
    return parseBody(SYSTEM, res.text, schema);
  }

  private async request(
    method: HttpCall['method'],
    path: string,
    query: Query,
    body: unknown,
    opts: CallOpts,
  ): Promise<{ call: HttpCall; res: HttpResponse }> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    const qs = params.toString();
    const call: HttpCall = {
      system: SYSTEM,
      method,
      url: `${this.base}${path}${qs ? `?${qs}` : ''}`,
      headers: { authorization: this.auth },
      body,
      timeoutMs: this.config.timeoutMs,
      signal: opts.signal,
    };
    return { call, res: await this.inFlight.run(() => send(call), opts.signal) };
  }

  private fail(call: HttpCall, res: HttpResponse): never {
    let errortext: string | undefined;
    try {
      errortext = errorBodySchema.safeParse(JSON.parse(res.text)).data?.errortext;
    } catch {
      errortext = res.text.slice(0, 200) || undefined;
    }
    // The API password must never reach a log line, even if a server or proxy echoes it back.
    const secret = this.config.apiPassword;
    let message = secret && errortext ? errortext.split(secret).join('[redacted]') : errortext;
    // Sitoo also refuses requests from IPs missing in its Backoffice allowlist; say so, it is the usual surprise.
    if (res.status === 401)
      message = `${message ?? 'unauthorized'} (check the API id/password and the Backoffice IP allowlist)`;
    throwForStatus(call, res, { message });
  }
}

export { sitooCents, toSaleOrder, toStockTransaction, unitPriceGrossCents } from './mapping';

const orderStateSchema = z.object({ orderstateid: z.number().int() });

function isNewSitooOrder(input: NewSitooOrder | Record<string, unknown>): input is NewSitooOrder {
  return Array.isArray(input.lines) && !('orderitems' in input);
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
