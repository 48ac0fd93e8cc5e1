import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { basicAuth } from '../connectors/http';
import { STORE_ID } from '../domain/ids';
import type { Mapping } from '../domain/mapping';
import {
  cachedStoreHealth,
  createStoreHealth,
  type HealthRequest,
  type HealthSnapshot,
  type StoreHealthOptions,
} from '../client/store-health';
import { renderHealthPage } from './health-render';
import { createReceiverServer, reply, type ServerLimits } from './http-io';

/**
 * The store health page, read-only, for people who do not use a terminal: `GET /` (HTML, with a
 * store and date filter) and `GET /health.json` (the same snapshot, which `npm run ops -- health`
 * prints). Served by the receiver process on its own port (OPS_PORT) and only with a password
 * (OPS_PASSWORD; HTTP Basic, which every browser asks for by itself): it names stores, order ids
 * and reconciliation gaps, so it is never open, and it belongs inside the network, like the
 * codec endpoint, never on the receivers' public Ingress.
 */
export interface OpsPageOptions {
  health: { read(request: HealthRequest): Promise<HealthSnapshot> };
  /** The stores offered in the filter. */
  storeIds: () => string[];
  username: string;
  password: string;
  logger: Logger;
  limits?: Partial<ServerLimits>;
}

/** A few people's browsers, not the internet. */
const OPS_LIMITS: Partial<ServerLimits> = { maxConnections: 32 };
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const PAGE_HEADERS = {
  'cache-control': 'no-store',
  // Nothing on the page runs or loads: inline styles only; links open the Temporal UI in a new tab.
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export function createOpsPage(opts: OpsPageOptions) {
  const expected = digest(basicAuth(opts.username, opts.password));
  const authorized = (req: IncomingMessage) => timingSafeEqual(digest(req.headers.authorization ?? ''), expected);

  return createReceiverServer('ops page', opts.logger, { ...OPS_LIMITS, ...opts.limits }, async (req, res) => {
    req.resume();
    const url = new URL(req.url ?? '/', 'http://ops');
    const page = url.pathname === '/' ? 'html' : url.pathname === '/health.json' ? 'json' : undefined;
    if (!page) return reply(res, 404, { error: 'not found' }, PAGE_HEADERS);
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return reply(res, 405, { error: 'read-only: use GET' }, { ...PAGE_HEADERS, allow: 'GET, HEAD' });
    if (!authorized(req)) {
      opts.logger.warn({ remote: req.socket?.remoteAddress, page }, 'ops page: request without valid credentials');
      return reply(
        res,
        401,
        { error: 'credentials required' },
        { ...PAGE_HEADERS, 'www-authenticate': 'Basic realm="store health", charset="UTF-8"' },
      );
    }
    const store = url.searchParams.get('store') || undefined;
    const date = url.searchParams.get('date') || undefined;
    if (store !== undefined && !STORE_ID.test(store))
      return reply(res, 400, { error: 'store must be a store id like S02', field: 'store' }, PAGE_HEADERS);
    if (date !== undefined && (!DATE.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))))
      return reply(res, 400, { error: 'date must be yyyy-mm-dd', field: 'date' }, PAGE_HEADERS);
    const storeIds = opts.storeIds();
    if (store !== undefined && !storeIds.includes(store))
      return reply(res, 404, { error: `no store ${store} in the mapping`, field: 'store' }, PAGE_HEADERS);
    const snapshot = await opts.health.read({ ...(store ? { stores: [store] } : {}), ...(date ? { date } : {}) });
    if (page === 'json') return reply(res, 200, snapshot, PAGE_HEADERS);
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...PAGE_HEADERS })
      .end(renderHealthPage(snapshot, { stores: storeIds, store, date }));
  });
}

/**
 * How long one read of every store serves every browser and CLI call: the page refreshes itself
 * every 30 s, and a read costs a visibility count per store.
 */
export const HEALTH_TTL_MS = 15_000;

/** The page as the receiver process serves it: a cached reader over the process's own client, mapping and event counts. */
export function storeHealthPage(
  opts: Omit<StoreHealthOptions, 'mapping'> &
    Pick<OpsPageOptions, 'username' | 'password' | 'logger'> & { mapping: () => Mapping },
) {
  const { username, password, logger, ...reader } = opts;
  return createOpsPage({
    health: cachedStoreHealth(createStoreHealth(reader), HEALTH_TTL_MS, {
      onError: (err) =>
        logger.warn({ err: (err as Error).message }, 'store health read failed; the page shows the last one'),
    }),
    storeIds: () => opts.mapping().stores.map((s) => s.storeId),
    username,
    password,
    logger,
  });
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
