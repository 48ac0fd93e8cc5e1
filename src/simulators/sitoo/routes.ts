import type { SimRequest, SimResponse, SimRoute } from '../http-server';
import { describeIssue, newOrderBody, orderLogItemBody, orderPatchBody, toNewOrder } from './bodies';
import { BadQuery, envelope, guarded, intList, pick, sitooError } from './rest';
import type { SitooState, WireOrder } from './state';
import { dayRoutes } from './day-routes';
import { stockRoutes } from './stock-routes';
import { productRoutes } from './product-routes';

export { sitooError } from './rest';

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
    const dateFrom = intList(q, 'orderdatefrom')?.[0];
    // Whether orderdateto is inclusive is not documented; we take the inclusive reading, so a client
    // that assumes exclusive counts the boundary second twice here rather than in production.
    const dateTo = intList(q, 'orderdateto')?.[0];
    const sort = q.get('sort') ?? '-orderid';
    if (sort !== 'orderid' && sort !== '-orderid') throw new BadQuery(`sort must be orderid or -orderid`);
    // With a warehouse filter only those warehouses' orders are scanned, from the id cursor on.
    const source = warehouses
      ? [...new Set(warehouses)].flatMap((w) => [...state.byWarehouse.from(w, from ?? 0)])
      : [...state.orders.values()];
    const matches = source.filter(
      (o: WireOrder) =>
        !state.uncommitted.has(o.orderid) &&
        (creditOf ? o.creditorderid !== null && creditOf.includes(o.creditorderid) : !ids || ids.includes(o.orderid)) &&
        (from === undefined || o.orderid >= from) &&
        (to === undefined || o.orderid < to) &&
        (!eshops || eshops.includes(o.eshopid)) &&
        (!warehouses || (o.warehouseid !== null && warehouses.includes(o.warehouseid))) &&
        (!paymentStates || paymentStates.includes(o.paymentstateid)) &&
        (!orderStates || orderStates.includes(o.orderstateid)) &&
        (!orderTypes || orderTypes.includes(o.ordertypeid)) &&
        (dateFrom === undefined || o.orderdate >= dateFrom) &&
        (dateTo === undefined || o.orderdate <= dateTo) &&
        (!externalIds || (o.externalid !== null && externalIds.includes(o.externalid))),
    );
    matches.sort((a, b) => (sort === 'orderid' ? a.orderid - b.orderid : b.orderid - a.orderid));
    return envelope(q, matches);
  };

  return [
    {
      method: 'GET',
      pattern: new RegExp(`${base}/sites\\.json$`),
      handler: guarded((req) =>
        envelope(req.query, [
          {
            siteid: null,
            eshopid: state.eshopId,
            protocol: 'https',
            server: 'sim.local',
            abspath: '/',
            siteurl: 'https://sim.local/',
          },
        ]),
      ),
    },
    { method: 'GET', pattern: new RegExp(`${base}/orders\\.json$`), handler: guarded((req) => listOrders(req)) },
    // Deprecated per-site list, still answered because older adapters use it.
    {
      method: 'GET',
      pattern: new RegExp(`${site}/orders\\.json$`),
      handler: guarded((req) => siteMissing(req) ?? listOrders(req, [state.eshopId])),
    },
    {
      method: 'GET',
      pattern: new RegExp(`${site}/orders/(\\d+)\\.json$`),
      handler: guarded((req) => {
        const order = state.uncommitted.has(Number(req.params[1])) ? undefined : state.getOrder(Number(req.params[1]));
        return (
          siteMissing(req) ??
          (order
            ? { status: 200, body: req.query.get('fields') ? pick(order, req.query.get('fields')!.split(',')) : order }
            : sitooError(404, `order ${req.params[1]} not found`))
        );
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
      pattern: new RegExp(`${site}/orders/(\\d+)/orderlogitems\\.json$`),
      handler: guarded((req) => {
        const order = state.getOrder(Number(req.params[1]));
        return (
          siteMissing(req) ??
          (order ? envelope(req.query, order.orderlogitems) : sitooError(404, `order ${req.params[1]} not found`))
        );
      }),
    },
    {
      method: 'POST',
      pattern: new RegExp(`${site}/orders/(\\d+)/orderlogitems\\.json$`),
      write: true,
      handler: guarded((req) => {
        const missing = siteMissing(req);
        if (missing) return missing;
        const parsed = orderLogItemBody.safeParse(req.body);
        if (!parsed.success) return sitooError(400, describeIssue(parsed.error));
        // Answers `true`, not an id: log items have none (transcribed spec).
        return state.addLog(Number(req.params[1]), parsed.data.orderlogtypeid)
          ? { status: 200, body: true }
          : sitooError(404, `order ${req.params[1]} not found`);
      }),
    },
    ...stockRoutes(state, site, siteMissing),
    ...dayRoutes(state, base, site, siteMissing),
    ...productRoutes(state.catalogue, site, siteMissing),
  ];
}
