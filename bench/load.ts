import type { LocalStack } from '../src/local/stack';
import { PaymentState } from '../src/domain/sale';
import type { PosSale } from '../src/simulators/sitoo';
import { percentiles, sleep, type Percentiles } from './stats';

/**
 * The inventory benchmark's load: an open-loop generator (sale i is due at t0 + i/R, a late tick
 * fires every sale that fell due, none is skipped) and the latency tracker that follows each Sitoo
 * warehouse transaction from the receiver's acknowledgement to the web shop showing it.
 */

export interface OpenLoopResult {
  offeredRate: number;
  /** Ticks fired. */
  fired: number;
  /** fired / (time from t0 to the last tick + one interval): equals the offered rate when on time. */
  achievedRate: number;
  /** The latest a tick fired after it was due. */
  maxLagMs: number;
  startedAt: number;
  endedAt: number;
}

/** Calls `tick(i)` at `rate` per second for `seconds`; stops early (and says so by `fired`) when the signal aborts. */
export async function runOpenLoop(
  rate: number,
  seconds: number,
  tick: (i: number) => void,
  signal?: AbortSignal,
): Promise<OpenLoopResult> {
  const total = Math.max(1, Math.round(rate * seconds));
  const interval = 1000 / rate;
  const startedAt = Date.now();
  const t0 = performance.now();
  let fired = 0;
  let maxLagMs = 0;
  let last = t0;
  while (fired < total && !signal?.aborted) {
    const now = performance.now();
    while (fired < total && t0 + fired * interval <= now) {
      maxLagMs = Math.max(maxLagMs, now - (t0 + fired * interval));
      tick(fired++);
      last = now;
    }
    if (fired < total) await sleep(Math.max(0, t0 + fired * interval - performance.now()), signal);
  }
  return {
    offeredRate: rate,
    fired,
    achievedRate: fired / ((last - t0 + interval) / 1000),
    maxLagMs,
    startedAt,
    endedAt: Date.now(),
  };
}

export interface LoadShape {
  stores: Array<{ warehouseId: number }>;
  catalogue: Array<{ sku: string; unitPriceGross: string; vatPercent: number }>;
  /** Share of sales lines that go to the hot set (0.5 = half). */
  hotShare: number;
  /** Share of SKUs in the hot set (0.05 = 5 %). */
  hotFraction: number;
}

/** Store sales as the load plays them: a store uniformly, 1-3 distinct SKUs (hot set with `hotShare`), quantity 1, paid. */
export function saleMaker(shape: LoadShape, random: () => number): () => PosSale {
  const hotCount = Math.max(
    1,
    Math.min(shape.catalogue.length - 1, Math.ceil(shape.catalogue.length * shape.hotFraction)),
  );
  const hot = shape.catalogue.slice(0, hotCount);
  const cold = shape.catalogue.slice(hotCount);
  const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)]!;
  return () => {
    const store = pick(shape.stores);
    const lineCount = 1 + Math.floor(random() * 3);
    const chosen = new Map<string, (typeof shape.catalogue)[number]>();
    for (let tries = 0; chosen.size < lineCount && tries < 20; tries++) {
      const item = random() < shape.hotShare || cold.length === 0 ? pick(hot) : pick(cold);
      chosen.set(item.sku, item);
    }
    return {
      warehouseId: store.warehouseId,
      paymentStateId: PaymentState.Successful,
      lines: [...chosen.values()].map((c) => ({
        sku: c.sku,
        quantity: 1,
        unitPriceGross: c.unitPriceGross,
        vatPercent: c.vatPercent,
      })),
    };
  };
}

interface TrackedTx {
  id: number;
  step: string;
  soldAt: number;
  acceptedAt?: number;
  /** SKUs whose web level has not shown this transaction yet. */
  open: number;
  reflectedAt: number;
}

export interface StepLatency {
  transactions: number;
  /** Acknowledged by the receiver (onStockSignalled) and shown on the web. */
  measured: number;
  /** Receiver acknowledgement -> web level shows the transaction (max over its SKUs). */
  acceptedToWeb: Percentiles;
  /** recordSale -> web level shows it: adds Sitoo's event delivery queue. */
  saleToWeb: Percentiles;
  /** recordSale -> receiver acknowledgement. */
  saleToAccepted: Percentiles;
  /** The web already showed it before the receiver acknowledged it (a flush read Sitoo after the sale): counted as 0 ms. */
  reflectedBeforeAccepted: number;
  unreflected: number;
  unaccepted: number;
  /** When the step's last transaction showed on the web (ms since epoch; 0 when none did). */
  lastReflectedAt: number;
}

/**
 * Follows warehouse transactions to the web. A transaction is reflected at the first Shopify
 * simulator history entry, at the store's web location and for each of its SKUs, whose
 * quantityAfterChange is at or below the level Sitoo recorded after it (stock only falls here).
 */
export class LatencyTracker {
  private readonly byId = new Map<number, TrackedTx>();
  /** Per web level, transactions waiting for it in sale order (so levels after are descending). */
  private readonly waiting = new Map<string, Array<{ tx: TrackedTx; after: number }>>();
  private readonly itemIds = new Map<string, string>();
  private cursor = 0;
  private readonly webLocationByWarehouse: Map<number, string>;

  constructor(
    private readonly stack: LocalStack,
    skus: string[],
  ) {
    for (const sku of skus) this.itemIds.set(sku, stack.ecommerce.state.itemBySku(sku)!.id);
    this.webLocationByWarehouse = new Map(stack.mapping.stores.map((s) => [s.sitooWarehouseId, s.webLocationId]));
    this.cursor = stack.ecommerce.state.history.length;
  }

  /** Plays one sale and starts following the warehouse transaction it booked. */
  sell(sale: PosSale, step: string): void {
    const soldAt = Date.now();
    const order = this.stack.sitoo.pos.recordSale(sale);
    const txs = this.stack.sitoo.state.transactions();
    const tx = txs[txs.length - 1];
    if (!tx || tx.description !== `Order ${order.orderId}`)
      throw new Error(`no warehouse transaction found for order ${order.orderId}`);
    const location = this.webLocationByWarehouse.get(tx.warehouseid)!;
    const tracked: TrackedTx = { id: tx.warehousetransactionid, step, soldAt, open: tx.items.length, reflectedAt: 0 };
    this.byId.set(tracked.id, tracked);
    for (const item of tx.items) {
      const key = `${this.itemIds.get(item.sku)}|${location}`;
      (this.waiting.get(key) ?? this.waiting.set(key, []).get(key)!).push({
        tx: tracked,
        after: Number(item.decimaltotal),
      });
    }
  }

  /** The receiver's hook: Temporal accepted these transactions' events. */
  accepted(ids: number[]): void {
    const now = Date.now();
    for (const id of ids) {
      const tx = this.byId.get(id);
      if (tx && tx.acceptedAt === undefined) tx.acceptedAt = now;
    }
  }

  /** Reads the web shop's history entries written since the last scan. */
  scan(): void {
    const history = this.stack.ecommerce.state.history;
    for (; this.cursor < history.length; this.cursor++) {
      const h = history[this.cursor]!;
      const queue = this.waiting.get(`${h.itemId}|${h.locationId}`);
      if (!queue) continue;
      let n = 0;
      while (n < queue.length && queue[n]!.after >= h.quantityAfterChange) {
        const { tx } = queue[n++]!;
        tx.reflectedAt = Math.max(tx.reflectedAt, h.atMs);
        tx.open--;
      }
      if (n) queue.splice(0, n);
    }
  }

  unreflected(step?: string): number {
    this.scan();
    let n = 0;
    for (const tx of this.byId.values()) if (tx.open > 0 && (step === undefined || tx.step === step)) n++;
    return n;
  }

  /** Waits (polling) until every transaction of the step is on the web, or the deadline; returns how many are not. */
  async waitReflected(step: string | undefined, deadlineMs: number, signal?: AbortSignal): Promise<number> {
    for (;;) {
      const left = this.unreflected(step);
      if (left === 0 || Date.now() >= deadlineMs || signal?.aborted) return left;
      await sleep(100, signal);
    }
  }

  latency(step: string): StepLatency {
    this.scan();
    const acceptedToWeb: number[] = [];
    const saleToWeb: number[] = [];
    const saleToAccepted: number[] = [];
    let transactions = 0;
    let early = 0;
    let unreflected = 0;
    let unaccepted = 0;
    let lastReflectedAt = 0;
    for (const tx of this.byId.values()) {
      if (tx.step !== step) continue;
      transactions++;
      if (tx.acceptedAt === undefined) unaccepted++;
      else saleToAccepted.push(tx.acceptedAt - tx.soldAt);
      if (tx.open > 0) {
        unreflected++;
        continue;
      }
      lastReflectedAt = Math.max(lastReflectedAt, tx.reflectedAt);
      saleToWeb.push(Math.max(0, tx.reflectedAt - tx.soldAt));
      if (tx.acceptedAt === undefined) continue;
      if (tx.reflectedAt < tx.acceptedAt) early++;
      acceptedToWeb.push(Math.max(0, tx.reflectedAt - tx.acceptedAt));
    }
    return {
      transactions,
      measured: acceptedToWeb.length,
      acceptedToWeb: percentiles(acceptedToWeb),
      saleToWeb: percentiles(saleToWeb),
      saleToAccepted: percentiles(saleToAccepted),
      reflectedBeforeAccepted: early,
      unreflected,
      unaccepted,
      lastReflectedAt,
    };
  }

  /** The p99 so far of the step's reflected transactions, for progress lines. */
  currentP99(step: string): number {
    return this.latency(step).acceptedToWeb.p99;
  }
}
