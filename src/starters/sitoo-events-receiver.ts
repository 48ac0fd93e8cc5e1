import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { basicAuth } from '../connectors/http';
import { KNOWN_UNHANDLED_EVENT_TYPES, orderEventDataSchema, sitooEventBatchSchema, warehouseTransactionEventDataSchema, type SitooEvent } from '../connectors/sitoo/events-schema';
import { sitooEventExceptionWorkflowId } from '../domain/ids';
import type { sitooEventExceptionWorkflow } from '../workflows/sitoo-event-exception';
import { TASK_QUEUES } from '../workflows/task-queues';
import { signalSaleUpdated, startSale, type SaleStartConfig } from './sale-starts';
import { readRawBody, reply, serverLifecycle } from './http-io';
import { signalStockChanged } from './stock-starts';

/**
 * POST /events: the Sitoo Events SPI endpoint. Sitoo blocks a store's whole stream until a batch
 * is acknowledged, so: answer 200 as soon as Temporal has accepted every start/signal of the
 * batch (never before: an acknowledged event must not be lost), 503 when Temporal is unreachable
 * (Sitoo retries), 401 for forged calls, 400 naming the field for a body that is not a batch, and
 * acknowledge-and-record an authentic event we cannot process, so it never blocks the store.
 */
export interface ReceiverOptions extends SaleStartConfig {
  client: Client;
  username: string;
  password: string;
  logger: Logger;
  /** Sitoo gives up after 15 s; answer well before. */
  temporalDeadlineMs?: number;
  maxBodyBytes?: number;
  /** Called once Temporal has accepted a batch's stock changes (the benchmark times latency from here). */
  onStockSignalled?: (transactionIds: number[]) => void;
}

export type EventOutcome = 'started' | 'signalled' | 'already-closed' | 'ignored' | 'exception' | 'duplicate' | 'stock-signalled';

export interface ReceiverStats {
  batches: number;
  events: number;
  outcomes: Record<EventOutcome, number>;
  /** Events per Sitoo warehouse id (the store), for the per-store view. */
  eventsByWarehouse: Map<number, number>;
  unauthorized: number;
  badRequests: number;
  unavailable: number;
}

const SEEN_EVENT_IDS_KEPT = 50_000;

export function createSitooEventsReceiver(opts: ReceiverOptions) {
  const stats: ReceiverStats = {
    batches: 0,
    events: 0,
    outcomes: { started: 0, signalled: 0, 'already-closed': 0, ignored: 0, exception: 0, duplicate: 0, 'stock-signalled': 0 },
    eventsByWarehouse: new Map(),
    unauthorized: 0,
    badRequests: 0,
    unavailable: 0,
  };
  // Event ids already handed to Temporal: a re-delivery is acknowledged without another call.
  const seen = new Set<string>();
  const expected = Buffer.from(basicAuth(opts.username, opts.password));

  function authentic(req: IncomingMessage): boolean {
    const given = Buffer.from(req.headers.authorization ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  async function recordException(event: SitooEvent | { event_id: string }, reason: string): Promise<EventOutcome> {
    opts.logger.warn({ eventId: event.event_id, reason }, 'unprocessable Sitoo event recorded as exception');
    try {
      await opts.client.workflow.start<typeof sitooEventExceptionWorkflow>('sitooEventExceptionWorkflow', {
        workflowId: sitooEventExceptionWorkflowId(opts.accountId, event.event_id),
        taskQueue: TASK_QUEUES.main,
        args: [{ accountId: opts.accountId, eventId: event.event_id, reason, event }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    return 'exception';
  }

  const countWarehouse = (warehouseId: number | null | undefined) => {
    if (typeof warehouseId === 'number') stats.eventsByWarehouse.set(warehouseId, (stats.eventsByWarehouse.get(warehouseId) ?? 0) + 1);
  };

  /** A stock event's transaction id, or why the event cannot be read. */
  function stockTransactionOf(event: SitooEvent): number | string {
    const data = warehouseTransactionEventDataSchema.safeParse(event.data);
    if (!data.success) {
      const issue = data.error.issues[0]!;
      return `warehouse-transaction event data.${issue.path.join('.')}: ${issue.message}`;
    }
    countWarehouse(data.data.warehouse_id);
    return data.data.warehouse_transaction_id;
  }

  async function route(event: SitooEvent): Promise<EventOutcome> {
    if (event.account_id !== opts.accountId) return recordException(event, `event for Sitoo account ${event.account_id}; this receiver serves ${opts.accountId}`);
    if (event.event_type !== 'order') {
      if (KNOWN_UNHANDLED_EVENT_TYPES.has(event.event_type)) return 'ignored';
      return recordException(event, `unknown event type "${event.event_type}"`);
    }
    const data = orderEventDataSchema.safeParse(event.data);
    if (!data.success) {
      const issue = data.error.issues[0]!;
      return recordException(event, `order event data.${issue.path.join('.')}: ${issue.message}`);
    }
    const { order_id: orderId, warehouse_id: warehouseId, order_event_type: type } = data.data;
    countWarehouse(warehouseId);
    if (type === 'add') {
      const outcome = await startSale(opts.client, opts, orderId, 'event');
      return outcome === 'started' ? 'started' : 'already-closed';
    }
    if (type === 'update' || type === 'ready-for-pickup' || type === 'pickup-rejected') {
      // Pickup steps go to the order's Sitoo-side workflow, which relays them to click & collect.
      const outcome = await signalSaleUpdated(opts.client, opts, orderId, { eventId: event.event_id, orderStateChanged: data.data.order_state_changed, orderEventType: type });
      return outcome === 'started' ? 'signalled' : 'already-closed';
    }
    return 'ignored'; // e-mail receipts concern nobody here
  }

  const markSeen = (eventId: string) => {
    seen.add(eventId);
    if (seen.size > SEEN_EVENT_IDS_KEPT) seen.delete(seen.values().next().value!);
  };

  /**
   * Events of one order stay in delivery order (an update may depend on its add); different orders
   * and the batch's stock changes go to Temporal side by side, so a busy store's batch costs about
   * one round trip, not one per event. Stock goes as one signal per batch: it is coalesced anyway.
   */
  async function handleBatch(events: SitooEvent[]): Promise<void> {
    const stockEvents: string[] = [];
    const transactionIds: number[] = [];
    const chains = new Map<string, Array<{ event: SitooEvent; run: () => Promise<EventOutcome> }>>();
    const chain = (key: string, event: SitooEvent, run: () => Promise<EventOutcome>) =>
      (chains.get(key) ?? chains.set(key, []).get(key)!).push({ event, run });
    for (const event of events) {
      if (seen.has(event.event_id)) {
        stats.outcomes.duplicate++;
        continue;
      }
      if (event.event_type === 'warehouse-transaction' && event.account_id === opts.accountId) {
        const tx = stockTransactionOf(event);
        if (typeof tx === 'number') {
          stockEvents.push(event.event_id);
          transactionIds.push(tx);
        } else chain(event.event_id, event, () => recordException(event, tx));
        continue;
      }
      const orderId = event.event_type === 'order' ? orderEventDataSchema.safeParse(event.data).data?.order_id : undefined;
      chain(orderId === undefined ? event.event_id : `order:${orderId}`, event, () => route(event));
    }
    const signalStock = async () => {
      if (!transactionIds.length) return;
      await signalStockChanged(opts.client, opts.accountId, { sitooTransactions: transactionIds });
      stats.outcomes['stock-signalled'] += stockEvents.length;
      stockEvents.forEach(markSeen);
      opts.onStockSignalled?.(transactionIds);
    };
    const runChain = async (steps: Array<{ event: SitooEvent; run: () => Promise<EventOutcome> }>) => {
      for (const step of steps) {
        stats.outcomes[await step.run()]++;
        markSeen(step.event.event_id);
      }
    };
    await Promise.all([signalStock(), ...[...chains.values()].map(runChain)]);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://receiver').pathname;
    if (path === '/healthz') return reply(res, 200, { ok: true });
    if (path !== '/events') return reply(res, 404, { error: 'not found' });
    if (req.method !== 'POST') return reply(res, 405, { error: 'use POST' }, { allow: 'POST' });
    if (!authentic(req)) {
      stats.unauthorized++;
      opts.logger.warn({ remote: req.socket.remoteAddress }, 'refused an unauthenticated events call');
      return reply(res, 401, { error: 'authentication required' }, { 'www-authenticate': 'Basic realm="sitoo-events"' });
    }
    const raw = await readRawBody(req, opts.maxBodyBytes ?? 1_000_000);
    if (raw === undefined) return reply(res, 413, { error: 'body too large' });
    const body = raw.toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      stats.badRequests++;
      return reply(res, 400, { error: 'body is not JSON', field: '(root)' });
    }
    const batch = sitooEventBatchSchema.safeParse(json);
    if (!batch.success) {
      stats.badRequests++;
      const issue = batch.error.issues[0]!;
      const field = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') || '(root)';
      return reply(res, 400, { error: `not a valid Sitoo event batch: ${field}: ${issue.message}`, field });
    }
    stats.batches++;
    stats.events += batch.data.length;
    try {
      await opts.client.withDeadline(Date.now() + (opts.temporalDeadlineMs ?? 10_000), () => handleBatch(batch.data));
    } catch (err) {
      stats.unavailable++;
      opts.logger.error({ err: (err as Error).message, events: batch.data.map((e) => e.event_id) }, 'Temporal did not accept the batch; asking Sitoo to retry');
      return reply(res, 503, { error: 'temporarily unavailable, retry' }, { 'retry-after': '5' });
    }
    res.writeHead(200).end();
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      opts.logger.error({ err: (err as Error).message }, 'events receiver failed');
      if (!res.headersSent) reply(res, 503, { error: 'temporarily unavailable, retry' });
    });
  });

  return {
    server,
    stats,
    ...serverLifecycle(server),
  };
}

export type SitooEventsReceiver = ReturnType<typeof createSitooEventsReceiver>;
