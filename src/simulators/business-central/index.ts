import { Faults, type FaultConfig } from '../faults';
import { countRequest, startSimServer, type SimLoad, type SimRequest, type SimResponse } from '../http-server';
import { BC_SCOPE, TokenIssuer } from './auth';
import { odataError } from './odata';
import { API_PREFIX, apiRoutes, notFound } from './routes';
import { BusinessCentralState } from './state';
import { STOCK_API_PREFIX, stockApiNotFound, stockApiRoutes } from './stock-api';
import { CATALOGUE_API_PATH, CATALOGUE_API_PREFIX, catalogueApiNotFound, catalogueApiRoutes } from './catalogue-api';

export { BusinessCentralState } from './state';
export { CATALOGUE_API_PATH } from './catalogue-api';
export type {
  BcItemLedgerEntry,
  BcPriceListLine,
  BcSalesCreditMemo,
  BcStockAdjustment,
  BcGlEntry,
  BcGlAccount,
  CreditMemoView,
  SalesDocumentView,
} from './state';
export { BC_ACCOUNTS, VAT_RATES, type VatRate } from './ledger';
export { TokenIssuer, BC_SCOPE } from './auth';

export interface BusinessCentralSimulatorOptions {
  port?: number;
  /** The interface to listen on (default loopback). */
  host?: string;
  tenantId?: string;
  /** Environment name in the URL; default 'production'. */
  environment?: string;
  companyId?: string;
  companyName?: string;
  clientId?: string;
  clientSecret?: string;
  /** Server page cap; clients may lower it with `Prefer: odata.maxpagesize`. Default 100. */
  pageSize?: number;
  /** Access token lifetime (Entra's `expires_in`), default 3600. */
  tokenLifetimeSeconds?: number;
  faults?: Faults | Partial<FaultConfig>;
  /** Seeds the fault PRNG and the GUID generator, so demo runs repeat. */
  seed?: number;
  /** Clock for token expiry and document dates; tests move it instead of sleeping. */
  now?: () => number;
}

export interface BusinessCentralSimulator {
  url: string;
  /** Up to and including `/api/v2.0`. */
  apiBaseUrl: string;
  /** The retailer's custom stock API (docs/erp-extension.md), up to and including its version segment. */
  stockApiBaseUrl: string;
  /** The retailer's catalogue API (price list lines), up to and including its version segment. */
  catalogueApiBaseUrl: string;
  tokenUrl: string;
  scope: string;
  tenantId: string;
  environment: string;
  companyId: string;
  clientId: string;
  clientSecret: string;
  faults: Faults;
  state: BusinessCentralState;
  auth: TokenIssuer;
  /** Concurrent requests as the API sees them, and those refused for being over its limit. */
  load: SimLoad;
  close(): Promise<void>;
}

export const DEFAULT_TENANT_ID = '7e1a6c2b-0f3d-4e5a-9b8c-1d2e3f4a5b6c';
export const DEFAULT_COMPANY_ID = '6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f';
export const DEFAULT_CLIENT_ID = '0c9f5e1d-2a3b-4c4d-8e5f-6a7b8c9d0e1f';
export const DEFAULT_CLIENT_SECRET = 'sim-bc-client-secret';

/**
 * Token endpoint and API share one loopback server under different prefixes, so fault injection
 * applies to both: an outage also fails token requests, as a dead network would.
 */
export async function startBusinessCentralSimulator(
  opts: BusinessCentralSimulatorOptions = {},
): Promise<BusinessCentralSimulator> {
  const tenantId = opts.tenantId ?? DEFAULT_TENANT_ID;
  const environment = opts.environment ?? 'production';
  const companyId = (opts.companyId ?? DEFAULT_COMPANY_ID).toLowerCase();
  const clientId = opts.clientId ?? DEFAULT_CLIENT_ID;
  const clientSecret = opts.clientSecret ?? DEFAULT_CLIENT_SECRET;
  const now = opts.now ?? Date.now;
  const faults = opts.faults instanceof Faults ? opts.faults : new Faults(opts.faults ?? {}, opts.seed ?? 42);
  const state = new BusinessCentralState({ companyId, companyName: opts.companyName, seed: opts.seed, now });
  const auth = new TokenIssuer({
    tenantId,
    clientId,
    clientSecret,
    lifetimeSeconds: opts.tokenLifetimeSeconds ?? 3600,
    now,
  });
  // The custom APIs sit beside the standard one: same auth, tenant and environment checks.
  const apiPrefix = new RegExp(`${API_PREFIX}|${STOCK_API_PREFIX}|${CATALOGUE_API_PREFIX}`);
  const envPattern = /^\/v2\.0\/(?:([^/]+)\/)?([^/]+)\/api\//;

  const before = (req: SimRequest): SimResponse | undefined => {
    if (!apiPrefix.test(req.path)) return undefined;
    state.requestLog.push({ method: req.method, path: req.path, query: req.query.toString() });
    if (state.requestLog.length > 5000) state.requestLog.shift();
    countRequest(state.requestCounts, req.method, req.path);
    const denied = auth.check(req);
    if (denied) return denied;
    const [, tenant, env] = envPattern.exec(req.path) ?? [];
    if (tenant && tenant.toLowerCase() !== tenantId.toLowerCase()) {
      return odataError(
        401,
        'Authentication_InvalidCredentials',
        `The access token was not issued for tenant '${tenant}'.`,
      );
    }
    if (env !== environment) return odataError(404, 'BadRequest_NotFound', `The environment '${env}' does not exist.`);
    return undefined;
  };

  const faultResponse = (kind: 'error' | 'throttle' | 'outage' | 'lost', cfg: FaultConfig): SimResponse => {
    const retryAfter = { 'retry-after': String(cfg.retryAfterSeconds) };
    switch (kind) {
      case 'throttle':
        return odataError(
          429,
          'Application_TooManyRequests',
          'The request was throttled: too many requests for this user in the current time window.',
          retryAfter,
        );
      case 'error':
        return odataError(500, 'Internal_ServerError', 'An unexpected error occurred while processing the request.');
      case 'outage':
        return odataError(
          503,
          'Internal_TenantUnavailable',
          'The service is temporarily unavailable. Try again later.',
          retryAfter,
        );
      case 'lost':
        // BC online adds Retry-After on 502 and 503.
        return odataError(502, 'Unknown', 'Bad gateway: the upstream server did not return a response.', retryAfter);
    }
  };

  const routes = [
    { method: 'POST', pattern: /^\/([^/]+)\/oauth2\/v2\.0\/token$/, handler: (req: SimRequest) => auth.token(req) },
    ...apiRoutes({ state, pageSize: opts.pageSize ?? 100 }),
    ...stockApiRoutes({ state, pageSize: opts.pageSize ?? 100 }),
    ...catalogueApiRoutes({ state, pageSize: opts.pageSize ?? 100 }),
  ];
  const unrouted = (req: SimRequest): SimResponse =>
    stockApiNotFound(req) ?? catalogueApiNotFound(req) ?? notFound(req);
  // BC online takes 100 requests per client at once (5 processed, 95 queued) and refuses more with 429.
  const maxInFlight = {
    limit: 100,
    overloaded: () =>
      odataError(
        429,
        'Application_TooManyRequests',
        'Too many concurrent requests: the limit of 100 requests being processed or queued was reached.',
      ),
  };
  const sim = await startSimServer({
    name: 'business-central',
    routes,
    faults,
    faultResponse,
    notFound: unrouted,
    before,
    maxInFlight,
    port: opts.port,
    host: opts.host,
  });

  return {
    url: sim.url,
    apiBaseUrl: `${sim.url}/v2.0/${tenantId}/${environment}/api/v2.0`,
    stockApiBaseUrl: `${sim.url}/v2.0/${tenantId}/${environment}/api/retailIntegration/stock/v1.0`,
    catalogueApiBaseUrl: `${sim.url}/v2.0/${tenantId}/${environment}/api/${CATALOGUE_API_PATH}`,
    tokenUrl: `${sim.url}/${tenantId}/oauth2/v2.0/token`,
    scope: BC_SCOPE,
    tenantId,
    environment,
    companyId,
    clientId,
    clientSecret,
    faults,
    state,
    auth,
    load: sim.load,
    close: () => sim.close(),
  };
}
