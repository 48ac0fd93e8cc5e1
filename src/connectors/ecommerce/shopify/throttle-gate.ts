import { setTimeout as sleep } from 'node:timers/promises';
import { parseRetryAfter, type HttpResponse } from '../../http';
import type { EcommerceCallStats } from '../port';
import type { QueryCost, ThrottleStatus } from './schemas';

export type OperationKind = 'query' | 'mutation';

/** Until Shopify has told us what an operation costs: its documented mutation cost, and a middling query. */
const DEFAULT_COST: Record<OperationKind, number> = { query: 50, mutation: 10 };
/** setTimeout fires at once for larger delays. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Permission to send one request; hand it back through `settle` whatever the outcome. */
export interface Ticket {
  readonly operation: string;
  readonly cost: number;
  readonly waitedMs: number;
}

/**
 * Keeps one client inside Shopify's cost bucket, shared by all its concurrent calls. Shopify
 * refuses a request the bucket cannot cover, and a refused call has to wait anyway: waiting
 * here first avoids the round trip, and keeps a burst of calls from draining the bucket so
 * that all of them bounce. Calls take their turn in arrival order, so none starves.
 */
export class ThrottleGate {
  readonly stats: EcommerceCallStats = { requests: 0, throttledResponses: 0, throttleWaitMs: 0 };
  private status: ThrottleStatus | undefined;
  private statusAt = 0;
  private inFlightCost = 0;
  private inFlightCount = 0;
  private readonly costs = new Map<string, number>();
  private turn: Promise<void> = Promise.resolve();
  private readonly wakers = new Set<() => void>();

  /**
   * `reserve`: the share of the bucket (0..0.9) this client leaves alone, so another client of the
   * same app and shop (the stock writes) always finds room: the catalogue's client waits for
   * `cost + reserve x bucket` while the stock client waits for `cost` only.
   */
  constructor(
    private readonly now: () => number = Date.now,
    private readonly reserve = 0,
  ) {}

  /** The bucket size as last reported; lets callers size their requests to it. */
  get maximumAvailable(): number | undefined {
    return this.status?.maximumAvailable;
  }

  estimate(operation: string, kind: OperationKind): number {
    return this.costs.get(operation) ?? DEFAULT_COST[kind];
  }

  /**
   * Waits until the bucket should hold the call's estimated cost, then counts it as in flight.
   * Never waits longer than `budgetMs`: past that the request goes out anyway and Shopify's
   * answer decides, so a wrong estimate cannot hold a call forever. A resend after a THROTTLED
   * answer passes that answer's requested cost as `knownCost`.
   */
  async acquire(
    operation: string,
    kind: OperationKind,
    budgetMs: number,
    signal?: AbortSignal,
    knownCost?: number,
  ): Promise<Ticket> {
    const start = this.now();
    const deadline = start + Math.max(0, budgetMs);
    const cost = knownCost ?? this.estimate(operation, kind);
    const ahead = this.turn;
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    // Chained rather than assigned, so a caller that gives up early cannot let the next one jump the queue.
    this.turn = ahead.then(() => mine);
    try {
      let reached = false;
      void ahead.then(() => (reached = true));
      await Promise.resolve();
      while (!reached && this.now() < deadline) await this.pause(deadline - this.now(), signal, ahead);
      for (;;) {
        const delay = this.delayFor(cost);
        const left = deadline - this.now();
        if (delay <= 0 || left <= 0) break;
        await this.pause(Math.min(delay, left), signal);
      }
    } finally {
      done();
    }
    this.inFlightCost += cost;
    this.inFlightCount++;
    this.stats.requests++;
    const waitedMs = this.now() - start;
    this.stats.throttleWaitMs += waitedMs;
    return { operation, cost, waitedMs };
  }

  /** Takes back a ticket; `cost` is the answer's extensions.cost when there was one. */
  settle(ticket: Ticket, cost?: QueryCost, throttled = false): void {
    this.inFlightCost -= ticket.cost;
    this.inFlightCount--;
    if (throttled) this.stats.throttledResponses++;
    if (cost?.throttleStatus) {
      this.status = cost.throttleStatus;
      // The server measured the bucket before we read its answer: projecting from now underestimates the refill, never overestimates it.
      this.statusAt = this.now();
    }
    // A throttled answer's requested cost may be invented (the simulator's throttle fault does); learn only from executed calls.
    if (!throttled && cost?.requestedQueryCost != null && cost.requestedQueryCost > 0)
      this.costs.set(ticket.operation, cost.requestedQueryCost);
    for (const wake of [...this.wakers]) wake();
  }

  /** The wait after a THROTTLED answer, counted with the others. */
  async backoff(ms: number, signal?: AbortSignal): Promise<void> {
    const start = this.now();
    try {
      await sleep(ms, undefined, { signal });
    } finally {
      this.stats.throttleWaitMs += this.now() - start;
    }
  }

  /** 0 to go now, else how long until the projected bucket holds `cost` (Infinity: until an answer frees room). */
  private delayFor(cost: number): number {
    const s = this.status;
    // Until an answer says how big the bucket is, calls go one at a time.
    if (!s) return this.inFlightCount > 0 ? Infinity : 0;
    const need = Math.min(cost + this.reserve * s.maximumAvailable, s.maximumAvailable);
    const elapsedS = Math.max(0, this.now() - this.statusAt) / 1000;
    const projected = Math.min(s.maximumAvailable, s.currentlyAvailable + s.restoreRate * elapsedS) - this.inFlightCost;
    if (projected >= need) return 0;
    // Refill stops at the cap, so room held by calls in flight comes back only with their answers.
    if (s.restoreRate <= 0 || s.maximumAvailable - this.inFlightCost < need) return Infinity;
    return Math.ceil(((need - projected) / s.restoreRate) * 1000);
  }

  /** Sleeps up to `ms`; an answer arriving (or `wakeOn` settling) ends it early so the caller re-checks. */
  private pause(ms: number, signal: AbortSignal | undefined, wakeOn?: Promise<unknown>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      // eslint-disable-next-line prefer-const -- `finish` reads it, so it is declared before the early return that skips setting it
      let timer: NodeJS.Timeout | undefined;
      const finish = (err?: unknown) => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        signal?.removeEventListener('abort', onAbort);
        if (err === undefined) resolve();
        else reject(err);
      };
      const wake = () => finish();
      const onAbort = () => finish(signal?.reason ?? new Error('aborted'));
      if (signal?.aborted) return onAbort();
      timer = setTimeout(wake, Math.min(Math.max(1, ms), MAX_TIMER_MS));
      this.wakers.add(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
      wakeOn?.then(wake, wake);
    });
  }
}

/**
 * How long until the bucket holds the requested cost again: (requested - available) / restoreRate.
 * The larger of that and Retry-After wins; never zero, so a retry loop cannot spin.
 */
export function throttleWaitMs(cost: QueryCost | undefined, res: Pick<HttpResponse, 'headers'>): number {
  const fromHeader = parseRetryAfter(res.headers['retry-after']) ?? 0;
  const s = cost?.throttleStatus;
  const requested = cost?.requestedQueryCost;
  const computed =
    s && requested != null && s.restoreRate > 0
      ? Math.ceil(((requested - s.currentlyAvailable) / s.restoreRate) * 1000)
      : 0;
  const wait = Math.max(fromHeader, computed);
  return wait > 0 ? wait : 1000;
}
