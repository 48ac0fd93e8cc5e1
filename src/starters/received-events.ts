import { hostname } from 'node:os';
import type { ReceivedEvents } from '../client/store-health';

/**
 * What the Sitoo events receiver took per warehouse, for the store health page: counts in
 * 15-minute buckets (every time zone's midnight falls on one, so a store's day in its own zone is
 * a sum of whole buckets) and the last arrival. Kept for three days, in memory: each receiver
 * replica counts what it took, from its start.
 */
const BUCKET_MS = 15 * 60_000;
const KEPT_MS = 3 * 86_400_000;

export function receivedEvents(now: () => number = Date.now, receiver = hostname()) {
  const buckets = new Map<number, Map<number, number>>();
  const lastAt = new Map<number, number>();
  const since = now();
  let pruneAt = since + BUCKET_MS;

  function prune(at: number) {
    if (at < pruneAt) return;
    pruneAt = at + BUCKET_MS;
    for (const perWarehouse of buckets.values())
      for (const start of perWarehouse.keys()) if (start < at - KEPT_MS) perWarehouse.delete(start);
  }

  const events: ReceivedEvents & { record(warehouseId: number): void } = {
    since,
    receiver,
    record(warehouseId) {
      const at = now();
      const start = Math.floor(at / BUCKET_MS) * BUCKET_MS;
      const perWarehouse = buckets.get(warehouseId) ?? buckets.set(warehouseId, new Map()).get(warehouseId)!;
      perWarehouse.set(start, (perWarehouse.get(start) ?? 0) + 1);
      lastAt.set(warehouseId, at);
      prune(at);
    },
    count(warehouseId, fromMs, toMs) {
      let n = 0;
      for (const [start, count] of buckets.get(warehouseId) ?? []) if (start >= fromMs && start < toMs) n += count;
      return n;
    },
    last: (warehouseId) => lastAt.get(warehouseId),
  };
  return events;
}
