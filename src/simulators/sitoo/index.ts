import { Faults, type FaultConfig } from '../faults';
import { basicAuth, countRequest, startSimServer, type SimLoad } from '../http-server';
import { seededRandom } from '../random';
import { SitooEventDelivery, type EventDeliveryOptions } from './events';
import { createPos, type SitooPos } from './pos';
import { sitooError, sitooRoutes } from './routes';
import type { SitooProducts } from './products';
import { SitooState, type Warehouse, type WireOrder, type WireWarehouseTransaction } from './state';
import type { WireSiteSettings, WireZReport } from './wire';

export type { EventDeliveryOptions, EventDeliveryStats, DroppedBatch } from './events';
export type {
  SitooPos,
  PosSale,
  PosSaleLine,
  ManualStockType,
  PosReturn,
  SitooOmniPos,
  PosPayment,
  SitooDayPos,
  CloseRegister,
} from './pos';
export type { WireZReport, WireSiteSettings, WireCashRegister, WirePosPaymentType } from './wire';
export type {
  WireOrder,
  WireOrderItem,
  WireOrderLogItem,
  WirePayment,
  SitooEvent,
  OrderEventData,
  WarehouseTransactionEventData,
  WireWarehouseTransaction,
  WireWarehouseItemLog,
  Warehouse,
} from './state';
export { SitooEventDelivery } from './events';
export type { SitooProducts, WireProduct, WirePriceList, ProductCounters } from './products';

export interface SitooSimulatorOptions {
  port?: number;
  /** The interface to listen on (default loopback). */
  host?: string;
  accountId?: number;
  eshopId?: number;
  apiId: string;
  apiPassword: string;
  faults?: Partial<FaultConfig>;
  /** Seeds fault injection and duplicate delivery, so a demo run misbehaves the same way each time. */
  seed?: number;
  /** First orderid handed out (default 1001). */
  firstOrderId?: number;
  events?: EventDeliveryOptions;
}

/** Read access for verification: what Sitoo "really" holds, whatever a client was told. */
export interface SitooStateView {
  readonly accountId: number;
  readonly eshopId: number;
  readonly orders: ReadonlyMap<number, WireOrder>;
  readonly warehouses: ReadonlyMap<number, Warehouse>;
  getOrder(orderId: number): WireOrder | undefined;
  findByExternalId(externalId: string): WireOrder | undefined;
  getStock(warehouseId: number, sku: string): number;
  getReserved(warehouseId: number, sku: string): number;
  /** Site settings (time zone) and every Z-report filed, ascending by dateadded. */
  readonly day: { readonly settings: Readonly<WireSiteSettings>; readonly reports: readonly WireZReport[] };
  /** Every warehouse transaction, ascending by id. */
  transactions(): readonly WireWarehouseTransaction[];
  /** The REST calls received (after auth), oldest first, capped: lets tests see how a client pages and chunks. */
  readonly requestLog: readonly { method: string; path: string; query: string }[];
  /** Every request by method and path (numbers as `:id`), uncapped. */
  readonly requestCounts: ReadonlyMap<string, number>;
}

export interface SitooSimulator {
  /** Base URL without the `/v2` part, e.g. http://127.0.0.1:40123. */
  url: string;
  accountId: number;
  eshopId: number;
  faults: Faults;
  state: SitooStateView;
  pos: SitooPos;
  /**
   * The product register and price lists (issue 15): `product(sku)`, `countSku(sku)`,
   * `backofficeEdit(sku, patch)`, `priceIn(list, sku)`, `posPrice(sku, storeTag)`, `counters`,
   * `pinClock(seconds)`.
   */
  catalogue: SitooProducts;
  events: SitooEventDelivery;
  /** Concurrent requests as the API sees them. */
  load: SimLoad;
  close(): Promise<void>;
}

export async function startSitooSimulator(opts: SitooSimulatorOptions): Promise<SitooSimulator> {
  const accountId = opts.accountId ?? 10020;
  const eshopId = opts.eshopId ?? 1;
  const seed = opts.seed ?? 42;
  const faults = new Faults(opts.faults, seed);
  const events = new SitooEventDelivery(opts.events, seededRandom(seed ^ 0x5eed));
  const state = new SitooState(accountId, eshopId, (e) => events.enqueue(e), opts.firstOrderId);
  const expectedAuth = basicAuth(opts.apiId, opts.apiPassword);

  const server = await startSimServer({
    name: 'sitoo',
    port: opts.port,
    host: opts.host,
    faults,
    routes: sitooRoutes(state),
    faultResponse: (kind, config) => {
      switch (kind) {
        case 'throttle':
          // Sitoo documents 429 but not its headers; we send Retry-After so the backoff path is exercised.
          return sitooError(429, 'Too Many Requests', { 'retry-after': String(config.retryAfterSeconds) });
        case 'error':
          return sitooError(500, 'Internal Server Error');
        case 'outage':
          return sitooError(503, 'Service Unavailable');
        case 'lost':
          return sitooError(502, 'Bad Gateway');
      }
    },
    notFound: (req) => sitooError(404, `no such endpoint: ${req.method} ${req.path}`),
    before: (req) => {
      if (req.headers.authorization !== expectedAuth)
        return sitooError(401, 'Authentication failed: invalid API id or password');
      const account = /^\/v2\/accounts\/(\d+)\//.exec(req.path)?.[1];
      if (account !== undefined && Number(account) !== accountId)
        return sitooError(404, `account ${account} not found`);
      state.requestLog.push({ method: req.method, path: req.path, query: req.query.toString() });
      if (state.requestLog.length > 5000) state.requestLog.shift();
      countRequest(state.requestCounts, req.method, req.path);
      return undefined;
    },
  });

  return {
    url: server.url,
    accountId,
    eshopId,
    faults,
    state,
    pos: createPos(state),
    catalogue: state.catalogue,
    events,
    load: server.load,
    async close() {
      await events.stop();
      await server.close();
    },
  };
}
