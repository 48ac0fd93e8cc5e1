import type { SimRequest, SimResponse, SimRoute } from '../http-server';
import { describeIssue, newOrderBody, orderPatchBody, toNewOrder } from './bodies';
import { formatDecimal } from './money';
import { SitooInputError, type SitooState, type WireOrder } from './state';

/** Sitoo's error body (sitoo-api.md §2.3). */
export function sitooError(status: number, errortext: string, headers?: Record<string, string>): SimResponse {
  return { status, body: { statuscode: status, errortext }, headers };
}

class BadQuery extends Error {}

function intList(q: URLSearchParams, name: string): number[] | undefined {
  const raw = q.get(name);
  if (raw === null || raw === '') return undefined;
  return raw.split(',').map((v) => {
    if (!/^-?\d+$/.test(v.trim())) throw new BadQuery(`${name} must be a comma-separated list of integers`);
    return Number(v);
  });
}

function int(q: URLSearchParams, name: string, fallback: number): number {
  const raw = q.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new BadQuery(`${name} must be a non-negative integer`);
  return Number(raw);
}

/** `{totalcount, items}` with `start`/`num` paging and `fields` projection, as every Sitoo list does. */
function envelope<T extends object>(q: URLSearchParams, all: T[]): SimResponse {
  const start = int(q, 'start', 0);
  const num = int(q, 'num', 10);
  const fields = q.get('fields')?.split(',').map((f) => f.trim()).filter(Boolean);
  const page = all.slice(start, start + num).map((item) => (fields?.length ? pick(item, fields) : item));
  return { status: 200, body: { totalcount: all.length, items: page } };
}

function pick(item: object, fields: string[]): Record<string, unknown> {
  const source = item as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const f of fields) if (f in source) out[f] = source[f];
  return out;
}

/** Wraps a handler so query mistakes and refused writes come back as Sitoo 400s, not simulator bugs. */
function guarded(handler: (req: SimRequest) => SimResponse): (req: SimRequest) => SimResponse {
  return (req) => {
    try {
      return handler(req);
    } catch (err) {
      if (err instanceof BadQuery || err instanceof SitooInputError) return sitooError(400, err.message);
      throw err;
    }
  };
}

export function sitooRoutes(state: SitooState): SimRoute[] {
  const base = String.raw`^/v2/accounts/\d+`;
  const site = String.raw`${base}/sites/(\d+)`;
  const siteMissing = (req: SimRequest): SimResponse | undefined =>
    Number(req.params[0]) === state.eshopId ? undefined : sitooError(404, `site ${req.params[0]} not found`);

  const listOrders = (req: SimRequest, eshopFilter?: number[]): SimResponse => {
    const q = req.query;
    const ids = intList(q, 'orderid');
    const from = intList(q, 'orderidfrom')?.[0];
    const to = intList(q, 'orderidto')?.[0];
    const eshops = eshopFilter ?? intList(q, 'eshopid');
    const warehouses = intList(q, 'warehouseid');
    const paymentStates = intList(q, 'paymentstate');
    const orderStates = intList(q, 'orderstate');
    const orderTypes = intList(q, 'ordertype');
    const creditOf = intList(q, 'creditorderid');
    const externalIds = q.get('externalid')?.split(',').filter(Boolean);
    const sort = q.get('sort') ?? '-orderid';
    if (sort !== 'orderid' && sort !== '-orderid') throw new BadQuery(`sort must be orderid or -orderid`);
    const matches = [...state.orders.values()].filter(
      (o: WireOrder) =>
        (creditOf ? o.creditorderid !== null && creditOf.includes(o.creditorderid) : !ids || ids.includes(o.orderid)) &&
        (from === undefined || o.orderid >= from) &&
        (to === undefined || o.orderid < to) &&
        (!eshops || eshops.includes(o.eshopid)) &&
        (!warehouses || (o.warehouseid !== null && warehouses.includes(o.warehouseid))) &&
        (!paymentStates || paymentStates.includes(o.paymentstateid)) &&
        (!orderStates || orderStates.includes(o.orderstateid)) &&
        (!orderTypes || orderTypes.includes(o.ordertypeid)) &&
        (!externalIds || (o.externalid !== null && externalIds.includes(o.externalid))),
    );
    matches.sort((a, b) => (sort === 'orderid' ? a.orderid - b.orderid : b.orderid - a.orderid));
    return envelope(q, matches);
  };

  return [
    { method: 'GET', pattern: new RegExp(`${base}/sites\\.json$`), handler: guarded((req) => envelope(req.query, [{ siteid: null, eshopid: state.eshopId, protocol: 'https', server: 'sim.local', abspath: '/', siteurl: 'https://sim.local/' }])) },
    { method: 'GET', pattern: new RegExp(`${base}/orders\\.json$`), handler: guarded((req) => listOrders(req)) },
    // Deprecated per-site list, still answered because older adapters use it.
    { method: 'GET', pattern: new RegExp(`${site}/orders\\.json$`), handler: guarded((req) => siteMissing(req) ?? listOrders(req, [state.eshopId])) },
    {
      method: 'GET',
      pattern: new RegExp(`${site}/orders/(\\d+)\\.json$`),
      handler: guarded((req) => {
        const order = state.getOrder(Number(req.params[1]));
        return siteMissing(req) ?? (order ? { status: 200, body: req.query.get('fields') ? pick(order, req.query.get('fields')!.split(',')) : order } : sitooError(404, `order ${req.params[1]} not found`));
      }),
    },
    {
      method: 'POST',
      pattern: new RegExp(`${site}/orders\\.json$`),
      write: true,
      handler: guarded((req) => {
        const missing = siteMissing(req);
        if (missing) return missing;
        const parsed = newOrderBody.safeParse(req.body);
        if (!parsed.success) return sitooError(400, describeIssue(parsed.error));
        // Creates answer 200 with the bare new id, not 201 with an object.
        return { status: 200, body: state.addOrder(toNewOrder(parsed.data)).orderid };
      }),
    },
    {
      method: 'PUT',
      pattern: new RegExp(`${site}/orders/(\\d+)\\.json$`),
      write: true,
      handler: guarded((req) => {
        const missing = siteMissing(req);
        if (missing) return missing;
        const parsed = orderPatchBody.safeParse(req.body);
        if (!parsed.success) return sitooError(400, describeIssue(parsed.error));
        const updated = state.updateOrder(Number(req.params[1]), parsed.data);
        return updated ? { status: 200, body: true } : sitooError(404, `order ${req.params[1]} not found`);
      }),
    },
    {
      method: 'GET',
      pattern: new RegExp(`${site}/warehouses\\.json$`),
      handler: guarded((req) => {
        const items = [...state.warehouses.values()].map((w) => ({
          warehouseid: w.warehouseid,
          warehousetype: 10,
          usetype: 10,
          storeid: w.storeid,
          sellable: true,
          currencycode: w.currencycode,
          name: w.name,
          externalid: null,
        }));
        return siteMissing(req) ?? envelope(req.query, items);
      }),
    },
    {
      method: 'GET',
      pattern: new RegExp(`${site}/warehouses/(\\d+)/warehouseitems\\.json$`),
      handler: guarded((req) => {
        const missing = siteMissing(req);
        if (missing) return missing;
        const warehouse = state.warehouses.get(Number(req.params[1]));
        if (!warehouse) return sitooError(404, `warehouse ${req.params[1]} not found`);
        const skus = req.query.get('sku')?.split(',').filter(Boolean);
        const items = [...warehouse.stock.entries()]
          .filter(([sku]) => !skus || skus.includes(sku))
          .map(([sku, total]) => ({
            warehouseitemid: warehouse.itemIds.get(sku) ?? 0,
            warehouseid: warehouse.warehouseid,
            sku,
            binlocation: '',
            decimalthreshold: formatDecimal(0),
            decimaltotal: formatDecimal(total),
            moneytotal: '0.00',
            datelastmodified: warehouse.lastModified.get(sku) ?? null,
            datelaststocktaking: null,
            decimalreserved: formatDecimal(0),
            decimalavailable: formatDecimal(total),
          }))
          .sort((a, b) => a.warehouseitemid - b.warehouseitemid);
        return envelope(req.query, items);
      }),
    },
  ];
}
