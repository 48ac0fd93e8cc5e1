import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { trace } from '@opentelemetry/api';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { basicAuth } from '../connectors/http';
import {
  KNOWN_UNHANDLED_EVENT_TYPES,
  orderEventDataSchema,
  sitooEventBatchSchema,
  sitooEventSchema,
  warehouseTransactionEventDataSchema,
  type SitooEvent,
} from '../connectors/sitoo/events-schema';
import { sitooEventExceptionInput, sitooEventExceptionWorkflowId } from '../workflows/recorded-exception-contract';
import {
  answerBeforeBody,
  createReceiverServer,
  declaredTooLarge,
  isJsonContentType,
  readBody,
  receiving,
  refuseContentType,
  refuseTooLarge,
  reply,
  type ServerLimits,
} from './http-io';
import { recordException } from '../client/recorded-exception-starts';
import { signalSaleUpdated, startSale, type SaleStartConfig } from '../client/sale-starts';
import { boundedCopy, deliveryKey, printable, refusedForGood, usableId } from './safe-copy';
import { signalStockChanged } from '../client/stock-starts';
import { receivedEvents } from './received-events';

/**
 * POST /events: the Sitoo Events SPI endpoint. Sitoo blocks a store's whole stream until a batch
 * is acknowledged, so: answer 200 as soon as Temporal has accepted every start/signal of the
 * batch (never before: an acknowledged event must not be lost); 503 only when Temporal did not
 * accept something it would accept on a retry (unreachable, slow); 401 for forged calls; 400
 * naming the field for a body that is not a JSON array of events, 413 and 415 for a body too
 * large or not JSON. An authentic event we cannot process (unknown type, unreadable data, nested
 * too deep to store, an id no workflow id can be made of, or refused by Temporal for what it
 * is) is acknowledged and parked as an exception with a bounded copy, so it never blocks the
 * store and the events around it are processed.
 */
export interface ReceiverOptions extends SaleStartConfig {
  client: Client;
  username: string;
  password: string;
  logger: Logger;
  /** Sitoo gives up after 15 s; answer well before. */
  temporalDeadlineMs?: number;
  maxBodyBytes?: number;
  /** Connection, header and request-time caps (defaults in http-io.ts). */
  limits?: Partial<ServerLimits>;
  /** More for GET /healthz to show (e.g. the process's start-up progress). */
  health?: () => Record<string, unknown>;
  /** Called once Temporal has accepted a batch's stock changes (the benchmark times latency from here). */
  onStockSignalled?: (transactionIds: number[]) => void;
  /** Told how many seconds each acknowledged batch took, from its arrival to the 200 (a metric). */
  acknowledged?: (seconds: number) => void;
}

export type EventOutcome =
  'started' | 'signalled' | 'already-closed' | 'ignored' | 'exception' | 'duplicate' | 'stock-signalled';

export interface ReceiverStats {
  batches: number;
  events: number;
  outcomes: Record<EventOutcome, number>;
  /** Events per Sitoo warehouse id (the store), for the per-store view. */
  eventsByWarehouse: Map<number, number>;
  /** The same by time of arrival, and each warehouse's last, for the store health page. */
  received: ReturnType<typeof receivedEvents>;
  unauthorized: number;
  badRequests: number;
  unavailable: number;
  /** Bodies refused for their size (413) or content type (415). */
  refusedBodies: number;
}

/** One element of a batch: an event to route, or why it cannot be (`event` absent). */
interface BatchItem {
  /** The dedupe key and exception id: the event's own id, or a hash of the event. */
  key: string;
  raw: unknown;
  event?: SitooEvent;
  problem?: string;
}

const SEEN_EVENT_IDS_KEPT = 50_000;

export function createSitooEventsReceiver(opts: ReceiverOptions) {
  const stats: ReceiverStats = {
    batches: 0,
    events: 0,
    outcomes: {
      started: 0,
      signalled: 0,
      'already-closed': 0,
      ignored: 0,
      exception: 0,
      duplicate: 0,
      'stock-signalled': 0,
    },
    eventsByWarehouse: new Map(),
    received: receivedEvents(),
    unauthorized: 0,
    badRequests: 0,
    unavailable: 0,
    refusedBodies: 0,
  };
  const maxBodyBytes = opts.maxBodyBytes ?? 1_000_000;
  // Event ids already handed to Temporal: a re-delivery is acknowledged without another call.
  const seen = new Set<string>();
  const expected = Buffer.from(basicAuth(opts.username, opts.password));

  function authentic(req: IncomingMessage): boolean {
    const given = Buffer.from(req.headers.authorization ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /**
   * Parks an event under a workflow id that is always valid, with a copy Temporal can always
   * store: depth-, size- and string-capped, lone surrogates replaced.
   */
  async function parkEvent(key: string, raw: unknown, reason: string): Promise<EventOutcome> {
    const safeReason = printable(reason, 500);
    opts.logger.warn({ eventKey: key, reason: safeReason }, 'unprocessable Sitoo event recorded as exception');
    const input = sitooEventExceptionInput({
      accountId: opts.accountId,
      eventId: key,
      reason: safeReason,
      event: boundedCopy(raw),
    });
    await recordException(opts.client, sitooEventExceptionWorkflowId(opts.accountId, key), input);
    return 'exception';
  }

  /** Runs one event's start or signal; what Temporal refuses for good is parked instead of failing the batch. */
  async function orPark(item: BatchItem, run: () => Promise<EventOutcome>): Promise<EventOutcome> {
    try {
      return await run();
    } catch (err) {
      if (!refusedForGood(err)) throw err;
      return parkEvent(item.key, item.raw, `Temporal refused it: ${(err as Error).message}`);
    }
  }

  /** One element of the batch, judged on its own (see events-schema.ts for what each field must be). */
  function itemOf(raw: unknown, index: number): BatchItem {
    const key = deliveryKey((raw as { event_id?: unknown } | null)?.event_id, raw);
    const envelope = sitooEventSchema.safeParse(raw);
    if (!envelope.success) {
      const issue = envelope.error.issues[0]!;
      return {
        key,
        raw,
        problem: `event [${index}]${issue.path.map((p) => `.${String(p)}`).join('')}: ${issue.message}`,
      };
    }
    if (usableId((raw as { event_id?: unknown }).event_id) === undefined) {
      opts.logger.info({ eventKey: key }, 'Sitoo event without a usable event_id: deduped on a hash of its content');
    }
    return { key, raw, event: { ...envelope.data, event_id: key } };
  }

  const countWarehouse = (warehouseId: number | null | undefined) => {
    if (typeof warehouseId === 'number') {
      stats.eventsByWarehouse.set(warehouseId, (stats.eventsByWarehouse.get(warehouseId) ?? 0) + 1);
      stats.received.record(warehouseId);
    }
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

  async function route(item: BatchItem & { event: SitooEvent }): Promise<EventOutcome> {
    const event = item.event;
    if (event.account_id !== opts.accountId)
      return parkEvent(
        item.key,
        item.raw,
        `event for Sitoo account ${event.account_id}; this receiver serves ${opts.accountId}`,
      );
    if (event.event_type !== 'order') {
      if (KNOWN_UNHANDLED_EVENT_TYPES.has(event.event_type)) return 'ignored';
      return parkEvent(item.key, item.raw, `unknown event type "${printable(event.event_type, 100)}"`);
    }
    const data = orderEventDataSchema.safeParse(event.data);
    if (!data.success) {
      const issue = data.error.issues[0]!;
      return parkEvent(item.key, item.raw, `order event data.${issue.path.join('.')}: ${issue.message}`);
    }
    const { order_id: orderId, warehouse_id: warehouseId, order_event_type: type } = data.data;
    countWarehouse(warehouseId);
    if (type === 'add') {
      const outcome = await startSale(opts.client, opts, orderId, 'event');
      return outcome === 'started' ? 'started' : 'already-closed';
    }
    if (type === 'update' || type === 'ready-for-pickup' || type === 'pickup-rejected') {
      // Pickup steps go to the order's Sitoo-side workflow, which relays them to click & collect.
      const outcome = await signalSaleUpdated(opts.client, opts, orderId, {
        eventId: event.event_id,
        orderStateChanged: data.data.order_state_changed,
        orderEventType: type,
      });
      return outcome === 'started' ? 'signalled' : 'already-closed';
    }
    return 'ignored'; // e-mail receipts concern nobody here
  }

  const markSeen = (key: string) => {
    seen.add(key);
    if (seen.size > SEEN_EVENT_IDS_KEPT) seen.delete(seen.values().next().value!);
  };

  /**
   * Events of one order stay in delivery order (an update may depend on its add); different orders
   * and the batch's stock changes go to Temporal side by side, so a busy store's batch costs about
   * one round trip, not one per event. Stock goes as one signal per batch: it is coalesced anyway.
   */
  async function handleBatch(items: BatchItem[]): Promise<void> {
    const stockItems: BatchItem[] = [];
    const transactionIds: number[] = [];
    const chains = new Map<string, Array<{ item: BatchItem; run: () => Promise<EventOutcome> }>>();
    const chain = (key: string, item: BatchItem, run: () => Promise<EventOutcome>) =>
      (chains.get(key) ?? chains.set(key, []).get(key)!).push({ item, run: () => orPark(item, run) });
    for (const item of items) {
      if (seen.has(item.key)) {
        stats.outcomes.duplicate++;
        continue;
      }
      const event = item.event;
      if (!event) {
        chain(item.key, item, () => parkEvent(item.key, item.raw, item.problem!));
        continue;
      }
      if (event.event_type === 'warehouse-transaction' && event.account_id === opts.accountId) {
        const tx = stockTransactionOf(event);
        if (typeof tx === 'number') {
          stockItems.push(item);
          transactionIds.push(tx);
        } else chain(item.key, item, () => parkEvent(item.key, item.raw, tx));
        continue;
      }
      const orderId =
        event.event_type === 'order' ? orderEventDataSchema.safeParse(event.data).data?.order_id : undefined;
      chain(orderId === undefined ? item.key : `order:${orderId}`, item, () => route({ ...item, event }));
    }
    const signalStock = async () => {
      if (!transactionIds.length) return;
      try {
        await signalStockChanged(opts.client, opts.accountId, { sitooTransactions: transactionIds });
      } catch (err) {
        if (!refusedForGood(err)) throw err;
        // Ids read through a schema cannot make a bad signal; should Temporal still refuse it, park each event, not the stream.
        for (const item of stockItems)
          stats.outcomes[
            await parkEvent(item.key, item.raw, `Temporal refused the stock signal: ${(err as Error).message}`)
          ]++;
        stockItems.forEach((i) => markSeen(i.key));
        return;
      }
      stats.outcomes['stock-signalled'] += stockItems.length;
      stockItems.forEach((i) => markSeen(i.key));
      opts.onStockSignalled?.(transactionIds);
    };
    const runChain = async (steps: Array<{ item: BatchItem; run: () => Promise<EventOutcome> }>) => {
      for (const step of steps) {
        stats.outcomes[await step.run()]++;
        markSeen(step.item.key);
      }
    };
    await Promise.all([signalStock(), ...[...chains.values()].map(runChain)]);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://receiver').pathname;
    if (path === '/healthz') return reply(res, 200, { ok: true, ...opts.health?.() });
    if (path !== '/events') return reply(res, 404, { error: 'not found' });
    if (req.method !== 'POST') return reply(res, 405, { error: 'use POST' }, { allow: 'POST' });
    return receiving('POST /events', res, () => receive(req, res), opts.acknowledged);
  }

  /** One batch, from its credentials to the answer Sitoo waits for before it sends the next. */
  async function receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!authentic(req)) {
      stats.unauthorized++;
      opts.logger.warn({ remote: req.socket.remoteAddress }, 'refused an unauthenticated events call');
      answerBeforeBody(
        req,
        res,
        maxBodyBytes,
        401,
        { error: 'authentication required' },
        { 'www-authenticate': 'Basic realm="sitoo-events"' },
      );
      return;
    }
    if (!isJsonContentType(req)) {
      stats.refusedBodies++;
      return refuseContentType(req, res, maxBodyBytes);
    }
    if (declaredTooLarge(req, maxBodyBytes) !== undefined) {
      stats.refusedBodies++;
      return refuseTooLarge(req, res, maxBodyBytes);
    }
    const read = await readBody(req, maxBodyBytes);
    if (!('body' in read)) {
      stats.refusedBodies++;
      return refuseTooLarge(req, res, maxBodyBytes);
    }
    let json: unknown;
    try {
      json = JSON.parse(read.body.toString('utf8'));
    } catch {
      stats.badRequests++;
      return reply(res, 400, { error: 'body is not JSON', field: '(root)' });
    }
    const batch = sitooEventBatchSchema.safeParse(json);
    if (!batch.success) {
      stats.badRequests++;
      const issue = batch.error.issues[0]!;
      return reply(res, 400, {
        error: `not a Sitoo event batch (a JSON array of 1 to 100 events): ${issue.message}`,
        field: '(root)',
      });
    }
    const items = batch.data.map(itemOf);
    trace.getActiveSpan()?.setAttribute('retail.events', items.length);
    stats.batches++;
    stats.events += items.length;
    try {
      await opts.client.withDeadline(Date.now() + (opts.temporalDeadlineMs ?? 10_000), () => handleBatch(items));
    } catch (err) {
      stats.unavailable++;
      opts.logger.error(
        { err: printable((err as Error).message, 500), events: items.map((i) => i.key) },
        'Temporal did not accept the batch; asking Sitoo to retry',
      );
      return reply(res, 503, { error: 'temporarily unavailable, retry' }, { 'retry-after': '5' });
    }
    res.writeHead(200).end();
  }

  const { server, connections, ...lifecycle } = createReceiverServer(
    'events receiver',
    opts.logger,
    opts.limits,
    handle,
  );

  return {
    server,
    stats,
    connections,
    ...lifecycle,
  };
}

export type SitooEventsReceiver = ReturnType<typeof createSitooEventsReceiver>;
