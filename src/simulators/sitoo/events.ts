import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { basicAuth } from '../http-server';

/**
 * The Events SPI as Sitoo delivers it (sitoo-api.md §9): batches of up to 10 events, in order,
 * POSTed to `{receiver}/events`; a failing batch is retried and blocks everything behind it
 * (head-of-line), and an acknowledged batch may arrive again (at-least-once).
 */
export interface EventDeliveryOptions {
  receiverUrl?: string;
  username?: string;
  password?: string;
  /** Delay before retry n (0-based); the last entry repeats. Sitoo's real schedule spans ~24 h. */
  retryDelaysMs?: number[];
  /** POSTs per batch before it is dropped. */
  maxAttempts?: number;
  timeoutMs?: number;
  /** Probability (0..1) that an acknowledged batch is delivered once more. */
  duplicateRate?: number;
  /** Events a receiver cannot store as they are, slipped in among the real ones (off by default). */
  unstorable?: UnstorableEvents | null;
}

/**
 * Authentic events that break a naive receiver: `deep-nesting` (data nested 5,000 levels: a
 * payload converter and JSON.stringify give up), `lone-surrogate-id` (an event id that is not
 * valid UTF-16, so no workflow id can be made of it), `malformed` (no event id, a string date, data that is not an object).
 * None of them is a Sitoo batch gone wrong; each is one odd event in an otherwise fine stream.
 */
export type UnstorableEventKind = 'deep-nesting' | 'lone-surrogate-id' | 'malformed';
export interface UnstorableEvents {
  kinds: UnstorableEventKind[];
  /** Probability (0..1) that a batch carries one of them (kinds taken in turn), among up to 9 real events. */
  rate: number;
}

/** An odd event as sent: its kind and the value the receiver parses from it. */
export interface UnstorableEventSent {
  kind: UnstorableEventKind;
  event: unknown;
}

export interface EventDeliveryStats {
  /** Events accepted into the queue. */
  enqueued: number;
  /** Events acknowledged by the receiver (first delivery; re-sends are not counted again). */
  delivered: number;
  /** Distinct batches taken off the queue (retries and duplicate re-sends not counted). */
  batchesSent: number;
  /** Every POST made, including retries and duplicates. */
  attempts: number;
  /** POSTs that were not acknowledged. */
  failedAttempts: number;
  /** Re-sends of an already acknowledged batch. */
  duplicatesSent: number;
  /** Events given up on (other 4xx, or maxAttempts reached). */
  dropped: number;
  /** Unstorable events slipped into batches (not counted in enqueued or delivered). */
  unstorableSent: number;
}

export interface DroppedBatch {
  events: unknown[];
  reason: string;
}

/** A queued event; `json` when JSON.stringify cannot write it (too deep), so the same bytes go out every time. */
interface Queued {
  value: unknown;
  json?: string;
  injected?: boolean;
}

interface Batch {
  events: Queued[];
  attempt: number;
  duplicate: boolean;
}

const MAX_BATCH = 10;
const DEEP_NESTING = 5_000;

export class SitooEventDelivery {
  readonly stats: EventDeliveryStats = {
    enqueued: 0,
    delivered: 0,
    batchesSent: 0,
    attempts: 0,
    failedAttempts: 0,
    duplicatesSent: 0,
    dropped: 0,
    unstorableSent: 0,
  };
  readonly droppedBatches: DroppedBatch[] = [];
  /** Every unstorable event slipped in, oldest first, so tests can look for what became of each. */
  readonly unstorableEvents: UnstorableEventSent[] = [];
  private readonly queue: Queued[] = [];
  /** The batch at the head of the line: kept across retries so exactly the same batch is re-sent. */
  private current: Batch | undefined;
  private receiver: { url: string; username?: string; password?: string } | undefined;
  private running = false;
  private inFlight: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private abort: AbortController | undefined;
  private readonly waiters = new Set<() => void>();
  private readonly retryDelaysMs: number[];
  private readonly maxAttempts: number;
  private readonly timeoutMs: number;
  private readonly duplicateRate: number;
  private unstorable: UnstorableEvents | null;

  constructor(
    opts: EventDeliveryOptions = {},
    private readonly random: () => number = Math.random,
  ) {
    if (opts.receiverUrl) this.receiver = { url: opts.receiverUrl, username: opts.username, password: opts.password };
    this.retryDelaysMs = opts.retryDelaysMs?.length ? opts.retryDelaysMs : [100, 200, 500, 1000, 2000];
    this.maxAttempts = opts.maxAttempts ?? 30;
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.duplicateRate = opts.duplicateRate ?? 0;
    this.unstorable = opts.unstorable ?? null;
  }

  /** Switches at run time: `{ unstorable: null }` turns the odd events off again. */
  configure(partial: Pick<EventDeliveryOptions, 'unstorable'>): void {
    if (partial.unstorable !== undefined) this.unstorable = partial.unstorable;
  }

  setReceiver(receiver: { url: string; username?: string; password?: string }): void {
    this.receiver = receiver;
    this.pump();
  }

  start(): void {
    this.running = true;
    this.pump();
  }

  /** Stops sending; a batch in flight is aborted and stays at the head, to be re-sent after start(). */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.abort?.abort();
    await this.inFlight;
  }

  enqueue(event: unknown): void {
    this.queue.push({ value: event });
    this.stats.enqueued++;
    this.pump();
  }

  /** Forgets the events not yet sent (a benchmark that seeds the POS directly has no receiver for them); returns how many. */
  discardPending(): number {
    const n = this.queue.length;
    this.queue.length = 0;
    return n;
  }

  /** For tests: any JSON value, e.g. an event type the receiver does not know. */
  enqueueRaw(event: unknown): void {
    this.enqueue(event);
  }

  get pending(): number {
    return (
      this.queue.length +
      (this.current && !this.current.duplicate ? this.current.events.filter((e) => !e.injected).length : 0)
    );
  }

  get drained(): boolean {
    return this.queue.length === 0 && !this.current && !this.inFlight;
  }

  waitUntilDrained(timeoutMs = 10_000): Promise<void> {
    if (this.drained) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!this.drained) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(
          new Error(
            `Sitoo events not drained within ${timeoutMs} ms: ${this.pending} pending, stats ${JSON.stringify(this.stats)}`,
          ),
        );
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  private pump(): void {
    if (!this.running || !this.receiver || this.inFlight || this.retryTimer) return;
    if (!this.current) {
      if (this.queue.length === 0) return this.notify();
      this.current = { events: this.nextBatch(), attempt: 0, duplicate: false };
      this.stats.batchesSent++;
    }
    const batch = this.current;
    const receiver = this.receiver;
    this.inFlight = this.deliver(batch, receiver).finally(() => {
      this.inFlight = undefined;
      this.pump();
      this.notify();
    });
  }

  private async deliver(batch: Batch, receiver: { url: string; username?: string; password?: string }): Promise<void> {
    this.abort = new AbortController();
    this.stats.attempts++;
    if (batch.duplicate) this.stats.duplicatesSent++;
    let outcome: 'ack' | 'retry' | 'drop';
    let reason: string;
    try {
      const res = await request(`${receiver.url.replace(/\/+$/, '')}/events`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(receiver.username !== undefined
            ? { authorization: basicAuth(receiver.username, receiver.password ?? '') }
            : {}),
        },
        body: `[${batch.events.map((e) => e.json ?? JSON.stringify(e.value)).join(',')}]`,
        signal: AbortSignal.any([AbortSignal.timeout(this.timeoutMs), this.abort.signal]),
      });
      await res.body.dump();
      reason = `HTTP ${res.statusCode}`;
      outcome =
        res.statusCode >= 200 && res.statusCode < 300
          ? 'ack'
          : res.statusCode === 429 || res.statusCode >= 500
            ? 'retry'
            : 'drop';
    } catch (err) {
      // Timeouts and connection failures: Sitoo retries all of them.
      reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      outcome = 'retry';
    }
    if (!this.running && outcome !== 'ack') return; // stopped mid-flight: keep the batch for after start()
    if (outcome === 'ack') return this.acked(batch);
    this.stats.failedAttempts++;
    batch.attempt++;
    if (outcome === 'drop' || batch.attempt >= this.maxAttempts) {
      this.drop(
        batch,
        outcome === 'drop' ? `receiver refused: ${reason}` : `gave up after ${batch.attempt} attempts: ${reason}`,
      );
      return;
    }
    const delay = this.retryDelaysMs[Math.min(batch.attempt - 1, this.retryDelaysMs.length - 1)] ?? 0;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.pump();
    }, delay);
  }

  /** Up to 10 queued events; with `unstorable` on, sometimes 9 and an odd one among them. */
  private nextBatch(): Queued[] {
    const odd =
      this.unstorable && this.unstorable.kinds.length > 0 && this.random() < this.unstorable.rate
        ? this.oddEvent(this.unstorable.kinds)
        : undefined;
    const events = this.queue.splice(0, odd ? MAX_BATCH - 1 : MAX_BATCH);
    if (odd) events.splice(Math.floor(events.length / 2), 0, odd);
    return events;
  }

  private oddEvent(kinds: UnstorableEventKind[]): Queued {
    const kind = kinds[this.stats.unstorableSent % kinds.length]!;
    this.stats.unstorableSent++;
    const neighbour = this.queue[0]?.value as { account_id?: unknown } | undefined;
    const envelope = {
      event_id: randomUUID(),
      event_type: 'order',
      event_date: Math.floor(Date.now() / 1000),
      account_id: neighbour?.account_id ?? 0,
    };
    let queued: Queued;
    if (kind === 'deep-nesting') {
      // An order event whose order_id is an object nested 5,000 levels: written by hand, JSON.stringify overflows.
      const head = JSON.stringify({ ...envelope, data: { eshop_id: 1, order_event_type: 'add', order_id: 0 } }).replace(
        /0\}\}$/,
        '',
      );
      const json = `${head}${'{"id":'.repeat(DEEP_NESTING)}1${'}'.repeat(DEEP_NESTING)}}}`;
      queued = { value: JSON.parse(json), json, injected: true };
    } else if (kind === 'lone-surrogate-id') {
      // JSON.stringify writes the lone surrogate as \udc00, which JSON.parse turns back into one. Short on
      // purpose: the gRPC encoder writes short strings itself, invalid UTF-8 included, and the server refuses them.
      queued = {
        value: {
          ...envelope,
          event_id: `\udc00${envelope.event_id.slice(0, 8)}`,
          event_type: 'loyalty-points',
          data: { points: 10 },
        },
        injected: true,
      };
    } else {
      const { event_id: _none, ...withoutId } = envelope;
      queued = { value: { ...withoutId, event_date: 'yesterday', data: 'order 1 added' }, injected: true };
    }
    this.unstorableEvents.push({ kind, event: queued.value });
    return queued;
  }

  private acked(batch: Batch): void {
    this.current = undefined;
    if (batch.duplicate) return;
    this.stats.delivered += batch.events.filter((e) => !e.injected).length;
    // A duplicate is the same batch once more, right away, and it blocks the line like any batch.
    if (this.duplicateRate > 0 && this.random() < this.duplicateRate)
      this.current = { events: batch.events, attempt: 0, duplicate: true };
  }

  private drop(batch: Batch, reason: string): void {
    this.current = undefined;
    if (batch.duplicate) return; // a lost re-send loses nothing: the receiver already has it
    this.stats.dropped += batch.events.filter((e) => !e.injected).length;
    this.droppedBatches.push({ events: batch.events.map((e) => e.value), reason });
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
