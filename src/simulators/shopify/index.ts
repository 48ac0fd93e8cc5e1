import {
  execute,
  executeSync,
  getOperationAST,
  GraphQLError,
  parse,
  validate,
  type DocumentNode,
  type FragmentDefinitionNode,
  Kind,
} from 'graphql';
import { Faults, type FaultConfig } from '../faults';
import { BulkOperations, type BulkOptions } from './bulk';
import { startSimServer, type SimRequest, type SimResponse } from '../http-server';
import { actualCost, LeakyBucket, MAX_QUERY_COST, requestedCost } from './cost';
import { rootValue } from './resolvers';
import { schema } from './schema';
import { productToRest } from './products';
import { orderToRest, refundToRest } from './rest';
import { ShopifyState } from './state';
import { ShopifyWebhooks, type WebhookDeliveryOptions } from './webhooks';

export { ShopifyState, gid } from './state';
export type { HistoryEntry, WriteCounters } from './state';
export { LeakyBucket, type ThrottleStatus } from './cost';
export { OrderBook, type CreateOrderInput, type OrderEvent, type OrderTopic } from './orders';
export { ProductCatalogue, productToRest, type ProductRecord, type VariantRecord, type ProductEvent } from './products';
export { BulkOperations, type BulkOperationRecord, type BulkOptions } from './bulk';
export type { OrderRecord, OrderSummary, RefundRecord, FulfillmentOrderRecord, RestockRecord } from './order-records';
export {
  ShopifyWebhooks,
  sign as signWebhook,
  type WebhookAttempt,
  type WebhookDeliveryOptions,
  type WebhookStats,
  type WebhookSubscribeInput,
} from './webhooks';

export interface ShopifySimulatorOptions {
  port?: number;
  /** The interface to listen on (default loopback). */
  host?: string;
  accessToken?: string;
  /** The version this shop serves; any other well-formed version falls forward to it, as Shopify does. */
  apiVersion?: string;
  bucket?: { maximumAvailable?: number; restoreRate?: number };
  /** Shopify usually throttles with 200 + errors[THROTTLED]; some clients see 429. */
  throttleHttpStatus?: 200 | 429;
  faults?: Partial<FaultConfig>;
  seed?: number;
  /** Webhook delivery: retry schedule, duplicates, reordering (see webhooks.ts). */
  webhooks?: Omit<WebhookDeliveryOptions, 'apiVersion'>;
  /** How long an orderCancel job runs before the order is cancelled (default 50 ms). */
  cancelJobDelayMs?: number;
  /** Bulk mutations: lines per second, concurrent operations, result order (see bulk.ts). */
  bulk?: Omit<BulkOptions, 'seed'>;
}

export interface ShopifySimulator {
  /** Base URL; `/_sim/faults` lives here. */
  url: string;
  /** What a client takes as its shop URL (it appends /admin/api/{version}/graphql.json). */
  shopUrl: string;
  graphqlUrl: string;
  apiVersion: string;
  accessToken: string;
  faults: Faults;
  state: ShopifyState;
  /**
   * Subscribe receivers here; orders/create, orders/cancelled, orders/fulfilled, refunds/create,
   * products/create and products/update are sent.
   */
  webhooks: ShopifyWebhooks;
  /** Staged uploads and bulk mutations; `linesPerSecond` can be changed at run time. */
  bulk: BulkOperations;
  /** The cost bucket of a token (default: the simulator's token). */
  bucket(token?: string): LeakyBucket;
  /** Executed (not throttled) requests per operation name, so tests can count round trips. */
  operations: Map<string, number>;
  /** THROTTLED answers from the cost bucket per operation name (the throttle fault is counted in faults.counters). */
  throttled: Map<string, number>;
  /** Points the bucket was charged per operation name (the actual cost of executed requests). */
  points: Map<string, number>;
  close(): Promise<void>;
}

const ADMIN_PATH = /^\/admin\/api\/([^/]+)\/graphql\.json$/;
const VERSION = /^(\d{4}-(01|04|07|10)|unstable)$/;

export async function startShopifySimulator(opts: ShopifySimulatorOptions = {}): Promise<ShopifySimulator> {
  const accessToken = opts.accessToken ?? 'shpat_simulator_token';
  const apiVersion = opts.apiVersion ?? '2026-04';
  const maximumAvailable = opts.bucket?.maximumAvailable ?? 1000;
  const restoreRate = opts.bucket?.restoreRate ?? 50;
  const throttleHttpStatus = opts.throttleHttpStatus ?? 200;
  const faults = new Faults(opts.faults, opts.seed);
  const state = new ShopifyState();
  if (opts.cancelJobDelayMs !== undefined) state.orders.cancelJobDelayMs = opts.cancelJobDelayMs;
  const webhooks = new ShopifyWebhooks({ seed: opts.seed, ...opts.webhooks, apiVersion });
  state.orders.onEvent(
    (e) => void webhooks.emit(e.topic, e.refund ? refundToRest(e.order, e.refund) : orderToRest(e.order)),
  );
  state.products.onEvent((e) => void webhooks.emit(e.topic, productToRest(e.product)));
  const buckets = new Map<string, LeakyBucket>();
  const bucket = (token = accessToken) => {
    let b = buckets.get(token);
    if (!b) buckets.set(token, (b = new LeakyBucket(maximumAvailable, restoreRate)));
    return b;
  };
  // Bulk lines run against the same root value as requests, always synchronous, outside the bucket.
  const bulk = new BulkOperations(
    () => (document, variables) =>
      executeSync({ schema, document, rootValue: root, variableValues: { ...variables, synchronous: true } }),
    { seed: opts.seed, ...opts.bulk },
  );
  const root = rootValue({ state, strict: apiVersion === 'unstable' || apiVersion >= '2026-04', webhooks, bulk });
  const operations = new Map<string, number>();
  const throttled = new Map<string, number>();
  const points = new Map<string, number>();
  let requestId = 0;
  const baseHeaders = (): Record<string, string> => ({
    'x-shopify-api-version': apiVersion,
    'x-request-id': `sim-${++requestId}`,
  });
  const plain = (status: number, text: string, extra: Record<string, string> = {}): SimResponse => ({
    status,
    body: text,
    headers: { ...baseHeaders(), 'content-type': 'text/plain; charset=utf-8', ...extra },
  });
  const graphqlErrors = (errors: unknown[], requested = 0, status = 200): SimResponse => ({
    status,
    headers: baseHeaders(),
    body: {
      errors,
      extensions: { cost: { requestedQueryCost: requested, actualQueryCost: 0, throttleStatus: bucket().status() } },
    },
  });

  const handle = async (req: SimRequest): Promise<SimResponse> => {
    if (!VERSION.test(req.params[0] ?? ''))
      return { status: 404, headers: baseHeaders(), body: { errors: 'Not Found' } };
    const body = req.body as { query?: unknown; variables?: unknown; operationName?: unknown } | undefined;
    if (!body || typeof body.query !== 'string')
      return {
        status: 400,
        headers: baseHeaders(),
        body: { errors: { query: 'Required parameter missing or invalid' } },
      };
    const variables = (body.variables && typeof body.variables === 'object' ? body.variables : {}) as Record<
      string,
      unknown
    >;
    const operationName = typeof body.operationName === 'string' ? body.operationName : undefined;

    let document: DocumentNode;
    try {
      document = parse(body.query);
    } catch (err) {
      return graphqlErrors([err instanceof GraphQLError ? err.toJSON() : { message: String(err) }]);
    }
    const invalid = validate(schema, document);
    if (invalid.length) return graphqlErrors(invalid.map((e) => e.toJSON()));
    const op = getOperationAST(document, operationName);
    if (!op) return graphqlErrors([{ message: 'Could not determine which operation to run.' }]);

    const walk = { schema, variables, fragments: fragmentsOf(document) };
    const requested = requestedCost(walk, op);
    if (requested > MAX_QUERY_COST) {
      const message = `Query cost is ${requested}, which exceeds the single query max cost limit (${MAX_QUERY_COST}).`;
      return graphqlErrors(
        [{ message, extensions: { code: 'MAX_COST_EXCEEDED', cost: requested, maxCost: MAX_QUERY_COST } }],
        requested,
      );
    }
    const opName = op.name?.value ?? '(anonymous)';
    const token = String(req.headers['x-shopify-access-token']);
    const tokenBucket = bucket(token);
    if (!tokenBucket.tryReserve(requested)) {
      throttled.set(opName, (throttled.get(opName) ?? 0) + 1);
      const throttleStatus = tokenBucket.status();
      const waitS = Math.max(1, Math.ceil((requested - throttleStatus.currentlyAvailable) / restoreRate));
      return {
        status: throttleHttpStatus,
        headers: { ...baseHeaders(), ...(throttleHttpStatus === 429 ? { 'retry-after': String(waitS) } : {}) },
        body: {
          errors: [
            {
              message: 'Throttled',
              extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' },
            },
          ],
          extensions: { cost: { requestedQueryCost: requested, actualQueryCost: null, throttleStatus } },
        },
      };
    }

    operations.set(opName, (operations.get(opName) ?? 0) + 1);
    // Held in Shopify's queue past the client's patience, then applied all the same (the route is
    // not a "write" to the shared router, since queries share it, so the fault is applied here).
    if (op.operation === 'mutation' && faults.commitLate()) {
      await new Promise((r) => setTimeout(r, faults.current.lateCommitDelayMs));
      faults.counters.lateCommitsApplied++;
    }
    const result = await execute({ schema, document, rootValue: root, variableValues: variables, operationName });
    // Actual never exceeds requested: the estimate is the worst case Shopify reserves.
    const actual = result.data ? Math.min(requested, actualCost(walk, op, result.data)) : 0;
    tokenBucket.refund(requested - actual);
    points.set(opName, (points.get(opName) ?? 0) + actual);

    // The shared router decides "write" per route, and every operation shares this one route,
    // so the lost-response fault for mutations is applied here. Only the 502 half is possible
    // from a handler; the dropped-socket half needs the router.
    if (op.operation === 'mutation' && !result.errors && faults.loseResponse()) return plain(502, 'Bad Gateway');

    return {
      status: 200,
      headers: baseHeaders(),
      body: {
        ...(result.errors ? { errors: result.errors.map((e) => e.toJSON()) } : {}),
        data: result.data ?? null,
        extensions: {
          cost: { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus: tokenBucket.status() },
        },
      },
    };
  };

  const server = await startSimServer({
    name: 'shopify',
    port: opts.port,
    host: opts.host,
    faults,
    routes: [
      { method: 'POST', pattern: ADMIN_PATH, handler: handle, write: false },
      {
        // The staged-upload target (Google Cloud Storage in reality): no access token, the form is signed.
        method: 'POST',
        pattern: new RegExp(`^${BulkOperations.stagedPath}$`),
        handler: (req) => {
          const r = bulk.upload(header(req.headers['content-type']), req.rawBody);
          return { status: r.status, body: r.body, headers: { 'content-type': 'application/xml' } };
        },
      },
      {
        method: 'GET',
        pattern: BulkOperations.resultPath,
        handler: (req) => {
          const body = bulk.result(Number(req.params[0]));
          return body === undefined
            ? { status: 404, body: 'NoSuchKey', headers: { 'content-type': 'text/plain' } }
            : { status: 200, body, headers: { 'content-type': 'application/jsonl' } };
        },
      },
    ],
    before: (req) => {
      if (!ADMIN_PATH.test(req.path) || req.headers['x-shopify-access-token'] === accessToken) return undefined;
      return {
        status: 401,
        headers: baseHeaders(),
        body: { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' },
      };
    },
    notFound: () => ({ status: 404, headers: baseHeaders(), body: { errors: 'Not Found' } }),
    faultResponse: (kind, config) => {
      if (kind === 'throttle') {
        const throttleStatus = bucket().status();
        // Reported so that a client computing its wait from the budget lands on the configured Retry-After.
        const requestedQueryCost = Math.ceil(
          throttleStatus.currentlyAvailable + config.retryAfterSeconds * restoreRate,
        );
        return {
          status: throttleHttpStatus,
          headers: { ...baseHeaders(), 'retry-after': String(config.retryAfterSeconds) },
          body: {
            errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED' } }],
            extensions: { cost: { requestedQueryCost, actualQueryCost: null, throttleStatus } },
          },
        };
      }
      if (kind === 'outage') return plain(503, 'Service Unavailable', { 'retry-after': '5' });
      if (kind === 'lost') return plain(502, 'Bad Gateway');
      return plain(faults.counters.errors % 2 === 0 ? 503 : 500, 'Internal Server Error');
    },
  });

  bulk.baseUrl = server.url;

  return {
    url: server.url,
    shopUrl: server.url,
    graphqlUrl: `${server.url}/admin/api/${apiVersion}/graphql.json`,
    apiVersion,
    accessToken,
    faults,
    state,
    webhooks,
    bulk,
    bucket: (token?: string) => bucket(token),
    operations,
    throttled,
    points,
    close: async () => {
      state.orders.dispose();
      bulk.dispose();
      await webhooks.close();
      await server.close();
    },
  };
}

const header = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

function fragmentsOf(doc: DocumentNode): Map<string, FragmentDefinitionNode> {
  const out = new Map<string, FragmentDefinitionNode>();
  for (const def of doc.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) out.set(def.name.value, def);
  return out;
}
