import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import { ConfigError } from '../config/env';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { ShopifyWebhooksReceiver } from './shopify-webhooks-receiver';
import type { SitooEventsReceiver } from './sitoo-events-receiver';

/**
 * The receiver process's metrics, with prom-client: the process is only a Temporal client, and the
 * SDK's Prometheus exporter lives in the worker runtime it does not run. Names start `retail_`,
 * carry their unit, and labels stay bounded (receiver, outcome, store; never an order or event id).
 *
 * The counts are read at each scrape from the counters the receivers keep anyway (`stats`), so a
 * request pays nothing for them; only the acknowledgement latency is recorded as it happens.
 */
export type ReceiverName = 'sitoo-events' | 'shopify-webhooks';

/** Up to Sitoo's 15 s (it gives up and resends); Shopify gives up after 5 s. */
const ACK_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 15];

export function createReceiverMetrics(registry = new Registry()) {
  collectDefaultMetrics({ register: registry });
  const ackLatency = new Histogram({
    name: 'retail_receiver_ack_latency_seconds',
    help: 'From a request reaching a receiver to its 200: for Sitoo, every start and signal of the batch accepted by Temporal',
    labelNames: ['receiver'],
    buckets: ACK_BUCKETS,
    registers: [registry],
  });
  return {
    registry,
    /** What a receiver calls with the seconds it took to acknowledge a request. */
    acknowledged: (receiver: ReceiverName) => (seconds: number) => ackLatency.observe({ receiver }, seconds),
    /** Exposes the receivers' counts (see above). */
    countReceivers(
      sitoo: Pick<SitooEventsReceiver, 'stats' | 'connections'>,
      shopify: Pick<ShopifyWebhooksReceiver, 'stats' | 'connections'>,
    ) {
      const s = () => sitoo.stats;
      const w = () => shopify.stats;
      const requests: Array<[ReceiverName, string, () => number]> = [
        ['sitoo-events', 'accepted', () => s().batches - s().unavailable],
        ['sitoo-events', 'unauthorized', () => s().unauthorized],
        ['sitoo-events', 'bad-request', () => s().badRequests],
        ['sitoo-events', 'refused-body', () => s().refusedBodies],
        ['sitoo-events', 'unavailable', () => s().unavailable],
        ['shopify-webhooks', 'accepted', () => sum(Object.values(w().outcomes))],
        ['shopify-webhooks', 'unauthorized', () => w().unauthorized],
        ['shopify-webhooks', 'bad-request', () => w().badRequests],
        ['shopify-webhooks', 'refused-body', () => w().refusedBodies],
        ['shopify-webhooks', 'unavailable', () => w().unavailable],
      ];
      counterFrom(registry, {
        name: 'retail_receiver_requests_total',
        help: 'Requests to a receiver (a Sitoo batch, a Shopify delivery) by answer: accepted (200), unauthorized (401: forged or unsigned), bad-request (400), refused-body (413, 415), unavailable (503: Temporal did not accept it, the sender retries)',
        labelNames: ['receiver', 'outcome'],
        read: () => requests.map(([receiver, outcome, n]) => [{ receiver, outcome }, n()]),
      });
      counterFrom(registry, {
        name: 'retail_receiver_events_total',
        help: 'Sitoo events and Shopify deliveries by what became of them: started, signalled, stock-signalled, duplicate, ignored, exception (parked, acknowledged), ...',
        labelNames: ['receiver', 'outcome'],
        read: () => [
          ...Object.entries(s().outcomes).map(([outcome, n]) => [{ receiver: 'sitoo-events', outcome }, n] as const),
          ...Object.entries(w().outcomes).map(
            ([outcome, n]) => [{ receiver: 'shopify-webhooks', outcome }, n] as const,
          ),
        ],
      });
      counterFrom(registry, {
        name: 'retail_receiver_connections_refused_total',
        help: 'Connections a receiver closed unanswered because it already held its maximum',
        labelNames: ['receiver'],
        read: () => [
          [{ receiver: 'sitoo-events' }, sitoo.connections.refused],
          [{ receiver: 'shopify-webhooks' }, shopify.connections.refused],
        ],
      });
    },
  };
}

export type ReceiverMetrics = ReturnType<typeof createReceiverMetrics>;

/** A counter whose values are read, at each scrape, from counts kept elsewhere (they only grow). */
function counterFrom<L extends string>(
  registry: Registry,
  def: {
    name: string;
    help: string;
    labelNames: L[];
    read: () => ReadonlyArray<readonly [Partial<Record<L, string>>, number]>;
  },
): void {
  new Counter<L>({
    name: def.name,
    help: def.help,
    labelNames: def.labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const [labels, value] of def.read()) this.inc(labels, value);
    },
  });
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/**
 * GET /metrics on its own port, inside the cluster only (never one of the receivers' public
 * ports, which the Ingress exposes). Port 0 turns it off; a port it cannot listen on stops the
 * process at start, naming METRICS_PORT.
 */
export async function serveMetrics(registry: Registry, port: number, logger: Logger): Promise<Server | undefined> {
  if (port === 0) return undefined;
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || new URL(req.url ?? '/', 'http://metrics').pathname !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: unknown) => {
        logger.error({ err: (err as Error).message }, 'metrics could not be collected');
        res.writeHead(500).end();
      },
    );
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', (err) => fail(new ConfigError(`METRICS_PORT ${port}: ${err.message}`)));
    server.listen(port, '0.0.0.0', () => ok());
  });
  server.on('error', (err) => logger.error({ err: err.message, port }, 'metrics endpoint failed'));
  // Never keeps the process alive on its own.
  server.unref();
  return server;
}
