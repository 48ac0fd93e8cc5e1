import { createHmac, randomUUID } from 'node:crypto';
import { request } from 'undici';
import { seededRandom } from '../random';
import type {
  Tunable,
  WebhookAttempt,
  WebhookDeliveryOptions,
  WebhookStats,
  WebhookSubscribeInput,
  WebhookSubscription,
} from './webhook-types';

export type {
  WebhookAttempt,
  WebhookDeliveryOptions,
  WebhookStats,
  WebhookSubscribeInput,
  WebhookSubscription,
} from './webhook-types';

/**
 * Webhook delivery as Shopify does it (reference §12): one POST per subscription per event, the
 * REST-shaped body signed with HMAC-SHA256 (base64) over the exact bytes sent, a webhook id that
 * stays the same on every retry of that delivery, an event id shared by all deliveries of one
 * event, retries with exponential backoff, at-least-once and unordered. Unlike Sitoo's event
 * queue nothing is held back behind a failing delivery.
 */
interface Delivery {
  subscriptionId: string;
  webhookId: string;
  eventId: string;
  /** The X-Shopify-Topic header; differs from the event's topic on a replayed copy. */
  topic: string;
  replayOf?: string;
  shopDomain: string;
  url: string;
  body: string;
  hmac: string;
  triggeredAt: string;
  failures: number;
  duplicate: boolean;
}

const MAX_LOG = 10_000;

export class ShopifyWebhooks {
  readonly stats: WebhookStats = {
    events: 0,
    enqueued: 0,
    delivered: 0,
    attempts: 0,
    failedAttempts: 0,
    duplicatesSent: 0,
    dropped: 0,
  };
  /** The most recent POSTs (bounded), for tests that check headers stay put across retries. */
  readonly attempts: WebhookAttempt[] = [];
  readonly droppedDeliveries: Array<{ webhookId: string; topic: string; reason: string }> = [];
  /** Subscriptions Shopify removed after failed deliveries (`removeAfterFailures`). */
  readonly removedSubscriptions: Array<{ id: string; topics: string[]; url: string; failures: number }> = [];
  private readonly subscriptions = new Map<string, WebhookSubscription>();
  /** Failed POSTs in a row per subscription. */
  private readonly failuresInARow = new Map<string, number>();
  /** The app's client secret: what Shopify signs deliveries of Admin API subscriptions with. */
  private appSecret: string | undefined;
  private readonly opts: Required<Omit<WebhookDeliveryOptions, 'seed'>>;
  private readonly random: () => number;
  private incoming: Delivery[] = [];
  private ready: Delivery[] = [];
  private readonly retrying = new Map<Delivery, NodeJS.Timeout>();
  private readonly inFlight = new Map<Delivery, { abort: AbortController; done: Promise<void> }>();
  private readonly waiters = new Set<() => void>();
  private running = true;
  private flushQueued = false;
  private nextSubscription = 1;

  constructor(opts: WebhookDeliveryOptions = {}) {
    this.opts = {
      shopDomain: opts.shopDomain ?? 'retail-sim.myshopify.com',
      apiVersion: opts.apiVersion ?? '2026-04',
      retries: opts.retries ?? 8,
      retryBaseMs: opts.retryBaseMs ?? 50,
      retryMaxMs: opts.retryMaxMs ?? 60_000,
      timeoutMs: opts.timeoutMs ?? 5_000,
      concurrency: opts.concurrency ?? 4,
      duplicateRate: opts.duplicateRate ?? 0,
      reorder: opts.reorder ?? 'none',
      removeAfterFailures: opts.removeAfterFailures ?? 0,
      replayUnderTopic: opts.replayUnderTopic ?? {},
      triggeredAtAgeMs: opts.triggeredAtAgeMs ?? 0,
    };
    this.random = seededRandom(opts.seed ?? 7);
  }

  /** Fault and timing switches at run time. */
  configure(partial: Partial<Pick<WebhookDeliveryOptions, Tunable>>): void {
    for (const [k, v] of Object.entries(partial)) if (v !== undefined) (this.opts as Record<string, unknown>)[k] = v;
    this.pump();
  }

  subscribe(input: WebhookSubscribeInput): string {
    const topics = input.topics ?? (input.topic ? [input.topic] : []);
    if (topics.length === 0) throw new Error('subscribe needs a topic or topics');
    const id = `gid://shopify/WebhookSubscription/${this.nextSubscription++}`;
    this.subscriptions.set(id, {
      id,
      topics,
      url: input.url,
      secret: input.secret,
      createdAt: new Date().toISOString(),
    });
    return id;
  }

  /** The app's client secret, which signs deliveries of subscriptions made through the Admin API. */
  useAppSecret(secret: string): void {
    this.appSecret = secret;
  }

  /** webhookSubscriptionCreate: one topic to one address, signed with the app secret. */
  createFromApi(topic: string, url: string): WebhookSubscription {
    if (!this.appSecret)
      throw new Error(
        'Shopify simulator: no app secret (webhooks.useAppSecret) to sign API-created subscriptions with',
      );
    const id = this.subscribe({ topic, url, secret: this.appSecret });
    return this.subscriptions.get(id)!;
  }

  /** What webhookSubscriptions lists: every subscription still in force. */
  list(): WebhookSubscription[] {
    return [...this.subscriptions.values()];
  }

  unsubscribe(id: string): boolean {
    return this.subscriptions.delete(id);
  }

  /** Queues one delivery per subscription to the topic; the body is serialised once so retries send the same bytes. */
  emit(topic: string, payload: unknown): number {
    const subs = [...this.subscriptions.values()].filter((s) => s.topics.includes(topic));
    if (subs.length === 0) return 0;
    this.stats.events++;
    const body = JSON.stringify(payload);
    const eventId = randomUUID();
    const triggeredAt = new Date(Date.now() - this.opts.triggeredAtAgeMs).toISOString();
    const shopDomain = this.opts.shopDomain;
    const replayAs = this.opts.replayUnderTopic[topic];
    for (const s of subs) {
      // The address, secret and headers are those in force when the event fired, as Shopify does.
      const delivery: Delivery = {
        subscriptionId: s.id,
        webhookId: randomUUID(),
        eventId,
        topic,
        shopDomain,
        url: s.url,
        body,
        hmac: sign(body, s.secret),
        triggeredAt,
        failures: 0,
        duplicate: false,
      };
      this.incoming.push(delivery);
      this.stats.enqueued++;
      // Someone who captured the delivery sends it again under another topic: same signed body, new webhook id.
      if (replayAs) this.incoming.push({ ...delivery, webhookId: randomUUID(), topic: replayAs, replayOf: topic });
    }
    this.scheduleFlush();
    return subs.length;
  }

  start(): void {
    this.running = true;
    this.scheduleFlush();
  }

  /** Pauses delivery; POSTs in flight are aborted and re-sent after start(), without counting as failures. */
  async stop(): Promise<void> {
    this.running = false;
    for (const [d, timer] of this.retrying) {
      clearTimeout(timer);
      this.ready.unshift(d);
    }
    this.retrying.clear();
    const flights = [...this.inFlight.values()];
    for (const f of flights) f.abort.abort();
    await Promise.all(flights.map((f) => f.done));
  }

  get pending(): number {
    return this.incoming.length + this.ready.length + this.retrying.size + this.inFlight.size;
  }

  /** Resolves once nothing is queued, in flight or waiting to retry. */
  idle(timeoutMs = 10_000): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (this.pending !== 0) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(
          new Error(
            `Shopify webhooks not idle within ${timeoutMs} ms: ${this.pending} pending${this.running ? '' : ' (stopped)'}, stats ${JSON.stringify(this.stats)}`,
          ),
        );
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  async close(): Promise<void> {
    await this.stop();
    this.incoming = [];
    this.ready = [];
    this.notify();
  }

  /** Emits in the same tick form one batch, so `reorder` has something to reorder. */
  private scheduleFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(() => {
      this.flushQueued = false;
      if (!this.running) return;
      const batch = this.incoming;
      this.incoming = [];
      if (this.opts.reorder === 'reverse') batch.reverse();
      if (this.opts.reorder === 'shuffle') shuffle(batch, this.random);
      this.ready.push(...batch);
      this.pump();
    });
  }

  private pump(): void {
    while (this.running && this.ready.length > 0 && this.inFlight.size < this.opts.concurrency) {
      const d = this.ready.shift()!;
      const abort = new AbortController();
      const done = this.post(d, abort.signal).finally(() => {
        this.inFlight.delete(d);
        this.pump();
        this.notify();
      });
      this.inFlight.set(d, { abort, done });
    }
    this.notify();
  }

  private async post(d: Delivery, stopSignal: AbortSignal): Promise<void> {
    if (!this.subscriptions.has(d.subscriptionId)) {
      // Removed while this delivery waited: Shopify sends nothing more to that address.
      if (!d.duplicate) this.drop(d, 'subscription removed');
      return;
    }
    this.stats.attempts++;
    if (d.duplicate) this.stats.duplicatesSent++;
    const entry: WebhookAttempt = {
      webhookId: d.webhookId,
      eventId: d.eventId,
      topic: d.topic,
      ...(d.replayOf ? { replayOf: d.replayOf } : {}),
      shopDomain: d.shopDomain,
      url: d.url,
      attempt: d.failures + 1,
      duplicate: d.duplicate,
      status: null,
      at: new Date().toISOString(),
    };
    this.attempts.push(entry);
    if (this.attempts.length > MAX_LOG) this.attempts.splice(0, this.attempts.length - MAX_LOG);
    let ok = false;
    try {
      const res = await request(d.url, {
        method: 'POST',
        headers: this.headers(d),
        body: d.body,
        signal: AbortSignal.any([AbortSignal.timeout(this.opts.timeoutMs), stopSignal]),
      });
      await res.body.dump();
      entry.status = res.statusCode;
      ok = res.statusCode >= 200 && res.statusCode < 300;
    } catch (err) {
      entry.error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
    if (stopSignal.aborted && !ok) {
      this.stats.attempts--;
      this.ready.unshift(d);
      return;
    }
    if (ok) {
      this.failuresInARow.delete(d.subscriptionId);
      return this.acked(d);
    }
    this.stats.failedAttempts++;
    d.failures++;
    if (this.failedInARow(d.subscriptionId)) return this.drop(d, 'subscription removed');
    if (d.duplicate || d.replayOf) return; // a lost re-send loses nothing, and a replayer tries once
    if (d.failures > this.opts.retries)
      return this.drop(d, `gave up after ${d.failures} attempts: ${entry.error ?? `HTTP ${entry.status}`}`);
    const delay = Math.min(this.opts.retryMaxMs, this.opts.retryBaseMs * 2 ** (d.failures - 1));
    const timer = setTimeout(() => {
      this.retrying.delete(d);
      this.ready.push(d);
      this.pump();
    }, delay);
    timer.unref();
    this.retrying.set(d, timer);
  }

  private drop(d: Delivery, reason: string): void {
    this.stats.dropped++;
    this.droppedDeliveries.push({ webhookId: d.webhookId, topic: d.topic, reason });
  }

  /** Counts a failed POST; true when that removed the subscription (`removeAfterFailures`). */
  private failedInARow(subscriptionId: string): boolean {
    const failures = (this.failuresInARow.get(subscriptionId) ?? 0) + 1;
    this.failuresInARow.set(subscriptionId, failures);
    const sub = this.subscriptions.get(subscriptionId);
    if (!sub || this.opts.removeAfterFailures <= 0 || failures < this.opts.removeAfterFailures) return false;
    this.subscriptions.delete(subscriptionId);
    this.failuresInARow.delete(subscriptionId);
    this.removedSubscriptions.push({ id: sub.id, topics: sub.topics, url: sub.url, failures });
    return true;
  }

  private acked(d: Delivery): void {
    if (d.duplicate || d.replayOf) return; // copies are not deliveries of their own
    this.stats.delivered++;
    if (this.opts.duplicateRate > 0 && this.random() < this.opts.duplicateRate)
      this.ready.push({ ...d, duplicate: true });
  }

  private headers(d: Delivery): Record<string, string> {
    return {
      'content-type': 'application/json',
      'user-agent': 'Shopify-Captain-Hook',
      'x-shopify-topic': d.topic,
      'x-shopify-hmac-sha256': d.hmac,
      'x-shopify-shop-domain': d.shopDomain,
      'x-shopify-api-version': this.opts.apiVersion,
      'x-shopify-webhook-id': d.webhookId,
      'x-shopify-event-id': d.eventId,
      'x-shopify-triggered-at': d.triggeredAt,
    };
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }
}

export const sign = (body: string, secret: string): string =>
  createHmac('sha256', secret).update(body, 'utf8').digest('base64');

function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}
