import { basicAuth, send } from '../../connectors/http';

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
}

export interface DroppedBatch {
  events: unknown[];
  reason: string;
}

interface Batch {
  events: unknown[];
  attempt: number;
  duplicate: boolean;
}

const MAX_BATCH = 10;

export class SitooEventDelivery {
  readonly stats: EventDeliveryStats = { enqueued: 0, delivered: 0, batchesSent: 0, attempts: 0, failedAttempts: 0, duplicatesSent: 0, dropped: 0 };
  readonly droppedBatches: DroppedBatch[] = [];
  private readonly queue: unknown[] = [];
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

  constructor(opts: EventDeliveryOptions = {}, private readonly random: () => number = Math.random) {
    if (opts.receiverUrl) this.receiver = { url: opts.receiverUrl, username: opts.username, password: opts.password };
    this.retryDelaysMs = opts.retryDelaysMs?.length ? opts.retryDelaysMs : [100, 200, 500, 1000, 2000];
    this.maxAttempts = opts.maxAttempts ?? 30;
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.duplicateRate = opts.duplicateRate ?? 0;
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
    this.queue.push(event);
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
    return this.queue.length + (this.current && !this.current.duplicate ? this.current.events.length : 0);
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
        reject(new Error(`Sitoo events not drained within ${timeoutMs} ms: ${this.pending} pending, stats ${JSON.stringify(this.stats)}`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  private pump(): void {
    if (!this.running || !this.receiver || this.inFlight || this.retryTimer) return;
    if (!this.current) {
      if (this.queue.length === 0) return this.notify();
      this.current = { events: this.queue.splice(0, MAX_BATCH), attempt: 0, duplicate: false };
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
    let reason = '';
    try {
      const res = await send({
        system: 'sitoo-events',
        method: 'POST',
        url: `${receiver.url.replace(/\/+$/, '')}/events`,
        headers: receiver.username !== undefined ? { authorization: basicAuth(receiver.username, receiver.password ?? '') } : {},
        body: batch.events,
        timeoutMs: this.timeoutMs,
        signal: this.abort.signal,
      });
      reason = `HTTP ${res.status}`;
      outcome = res.status >= 200 && res.status < 300 ? 'ack' : res.status === 429 || res.status >= 500 ? 'retry' : 'drop';
    } catch (err) {
      // send() turns timeouts and connection failures into TransientError; Sitoo retries all of them.
      reason = err instanceof Error ? err.message : String(err);
      outcome = 'retry';
    }
    if (!this.running && outcome !== 'ack') return; // stopped mid-flight: keep the batch for after start()
    if (outcome === 'ack') return this.acked(batch);
    this.stats.failedAttempts++;
    batch.attempt++;
    if (outcome === 'drop' || batch.attempt >= this.maxAttempts) {
      this.drop(batch, outcome === 'drop' ? `receiver refused: ${reason}` : `gave up after ${batch.attempt} attempts: ${reason}`);
      return;
    }
    const delay = this.retryDelaysMs[Math.min(batch.attempt - 1, this.retryDelaysMs.length - 1)] ?? 0;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.pump();
    }, delay);
  }

  private acked(batch: Batch): void {
    this.current = undefined;
    if (batch.duplicate) return;
    this.stats.delivered += batch.events.length;
    // A duplicate is the same batch once more, right away, and it blocks the line like any batch.
    if (this.duplicateRate > 0 && this.random() < this.duplicateRate) this.current = { events: batch.events, attempt: 0, duplicate: true };
  }

  private drop(batch: Batch, reason: string): void {
    this.current = undefined;
    if (batch.duplicate) return; // a lost re-send loses nothing: the receiver already has it
    this.stats.dropped += batch.events.length;
    this.droppedBatches.push({ events: batch.events, reason });
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
