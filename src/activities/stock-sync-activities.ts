import { Context } from '@temporalio/activity';
import { activityInfo } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { EcommercePort } from '../connectors/ecommerce/port';
import type { ErpPort } from '../connectors/erp/port';
import type { SitooPort } from '../connectors/sitoo/port';
import {
  findStockLocation,
  masterRefusal,
  stockBuffers,
  stockLocations,
  UNKNOWN_STORE,
  type Mapping,
  type StockLocation,
} from '../domain/mapping';
import { bufferFor, erpRecordsThroughOrders, webOnHand, type WarehouseLevel } from '../domain/stock';
import type { ExceptionType } from '../domain/exceptions';
import type {
  RefusedStockWork,
  StockFlushInput,
  StockFlushSummary,
  StockKey,
  StockLevelChange,
} from '../domain/stock-flush';
import { callOrFail, FAILURE_TYPES } from './failures';
import { WebStockWriter, type WebTarget } from './web-stock-writer';

export interface StockActivityDeps {
  sitoo: SitooPort;
  erp: ErpPort;
  ecommerce: EcommercePort;
  mapping: () => Mapping;
  /**
   * Told, once the web write of a flush is done, how long each Sitoo transaction in it took from
   * its creation to here (a metric; the worker records it). Never an order or transaction id.
   */
  stockLatency?: (source: 'sitoo', store: string, seconds: number) => void;
}

const SAMPLE = 20;
/** Item categories change rarely; re-read them now and then so a re-categorised item gets its new buffer. */
const CATEGORY_TTL_MS = 10 * 60_000;

/**
 * Stock propagation, on the inventory task queue. Every flush reads each touched location's
 * master afresh and writes absolute on_hand values, so it does not matter how many events led
 * here or in which order they came: the web holds what the master holds now, minus buffers and
 * reservations, and offers that less what it has committed to its own open orders.
 */
export function createStockActivities(deps: StockActivityDeps) {
  const writer = new WebStockWriter(deps.ecommerce);
  const categories = new Map<string, { category: string | undefined; at: number }>();

  async function masterLevels(location: StockLocation, skus?: string[]): Promise<Map<string, WarehouseLevel>> {
    if (location.master === 'sitoo') {
      return callOrFail(FAILURE_TYPES.sitooRejected, () =>
        deps.sitoo.getWarehouseLevels(location.sitooWarehouseId!, skus),
      );
    }
    const stock = await callOrFail(FAILURE_TYPES.erpRejected, () =>
      deps.erp.getLocationStock(location.erpLocationCode, skus),
    );
    return new Map([...stock].map(([sku, onHand]) => [sku, { onHand, reserved: 0 }]));
  }

  async function buffersFor(skus: string[]): Promise<Map<string, number>> {
    const rules = stockBuffers(deps.mapping());
    const now = Date.now();
    if (Object.keys(rules.byCategory).length > 0) {
      const stale = skus.filter(
        (s) => rules.bySku[s] === undefined && !(now - (categories.get(s)?.at ?? -Infinity) < CATEGORY_TTL_MS),
      );
      if (stale.length) {
        const found = await callOrFail(FAILURE_TYPES.erpRejected, () => deps.erp.getItemCategories(stale));
        for (const s of stale) categories.set(s, { category: found.get(s), at: now });
      }
    }
    return new Map(skus.map((s) => [s, bufferFor(rules, s, categories.get(s)?.category)]));
  }

  /**
   * Targets for the given SKUs at one location: master level -> web on_hand; Virtual mirrors get
   * on hand. A refusal of this location's master read, its buffers or its mirror is returned as
   * refused work (the coalescer holds it), so it never holds back the other locations of a flush.
   */
  async function targetsAt(location: StockLocation, skus: string[], calls: { calls: number }) {
    const keys = skus.map((sku) => ({ locationId: location.locationId, sku }));
    const refused: RefusedStockWork[] = [];
    const held = (part: RefusedStockWork) => ({ targets: [], mirrored: 0, notOnWeb: 0, refused: [part] });
    let levels: Map<string, WarehouseLevel>;
    let buffers: Map<string, number>;
    try {
      levels = await masterLevels(location, skus);
    } catch (err) {
      return held(refusedWork(err, location.locationId, 'unmapped-warehouse', keys));
    }
    try {
      buffers = await buffersFor(skus);
    } catch (err) {
      return held(refusedWork(err, 'buffers', 'erp-rejected', keys));
    }
    const ids = await writer.itemIdsFor(skus, calls);
    const targets: WebTarget[] = [];
    for (const sku of skus) {
      const id = ids.get(sku);
      if (!id) continue;
      const level = levels.get(sku) ?? { onHand: 0, reserved: 0 };
      targets.push({
        locationId: location.locationId,
        sku,
        level: { inventoryItemId: id, locationId: location.webLocationId },
        onHand: webOnHand(level, buffers.get(sku) ?? 0),
      });
    }
    let mirrored = 0;
    // Sitoo gets a copy only where it is not the master: a store's own levels are never written back.
    if (location.sitooWarehouseId !== undefined && masterRefusal(location, 'sitoo') === undefined) {
      const writes = skus.map((sku) => ({ sku, onHand: levels.get(sku)?.onHand ?? 0 }));
      try {
        await callOrFail(FAILURE_TYPES.sitooRejected, () =>
          deps.sitoo.setVirtualWarehouseStock(location.sitooWarehouseId!, writes),
        );
        mirrored = writes.length;
      } catch (err) {
        refused.push(refusedWork(err, `${location.locationId}/mirror`, 'unmapped-warehouse', keys));
      }
    }
    return { targets, mirrored, notOnWeb: skus.length - targets.length, refused };
  }

  /**
   * Reads every touched location's master side by side, then writes all their web levels in one
   * compare-and-set call: the call count per flush stays one however many locations a burst touched.
   * Levels in `reread` are read from the shop first instead of trusting what the writer believes.
   */
  async function propagate(
    work: Array<[StockLocation, string[]]>,
    keyPrefix: string,
    uri: string,
    reread: Set<string> = new Set(),
  ) {
    const calls = { calls: 0 };
    // Learn unknown item ids in one call for all locations before they fan out.
    await writer.itemIdsFor([...new Set(work.flatMap(([, skus]) => skus))], calls);
    const perLocation = await Promise.all(work.map(([location, skus]) => targetsAt(location, skus, calls)));
    writer.forget(
      perLocation
        .flatMap((p) => p.targets)
        .filter((t) => reread.has(stockKeyOf(t)))
        .map((t) => t.level),
    );
    const outcome = await writer.write(
      perLocation.flatMap((p) => p.targets),
      keyPrefix,
      uri,
    );
    const sum = (f: (p: (typeof perLocation)[number]) => number) => perLocation.reduce((n, p) => n + f(p), 0);
    const refused = [...perLocation.flatMap((p) => p.refused), ...webRefusals(outcome.rejected)];
    return {
      ...outcome,
      calls: outcome.calls + calls.calls,
      notOnWeb: sum((p) => p.notOnWeb) + outcome.notStocked,
      mirrored: sum((p) => p.mirrored),
      refused,
    };
  }

  return {
    /** One coalesced flush: everything that changed since the last one, in one web write where possible. */
    async syncStock(input: StockFlushInput): Promise<StockFlushSummary> {
      const mapping = deps.mapping();
      const locations = stockLocations(mapping);
      const summary: StockFlushSummary = {
        flushSeq: input.flushSeq,
        transactions: 0,
        keys: 0,
        written: 0,
        ecommerceCalls: 0,
        staleRetries: 0,
        mirrored: 0,
        erpRecords: [],
        unmappedWarehouses: [],
        notOnWeb: 0,
        rejected: [],
        sample: [],
      };
      const dirty = new Map<string, Set<string>>();
      const mark = (k: StockKey) =>
        (dirty.get(k.locationId) ?? dirty.set(k.locationId, new Set()).get(k.locationId)!).add(k.sku);
      input.keys.forEach(mark);
      const refused: RefusedStockWork[] = [];
      // Each transaction read, by where it moved what and when it was made, for its latency once written.
      const created: Array<{ locationId: string; skus: string[]; createdAt: number }> = [];
      if (input.transactionIds.length) {
        let transactions: Awaited<ReturnType<SitooPort['listWarehouseTransactions']>> = [];
        try {
          transactions = await callOrFail(FAILURE_TYPES.sitooRejected, () =>
            deps.sitoo.listWarehouseTransactions({ ids: input.transactionIds }),
          );
        } catch (err) {
          // The keys of this flush still go out; the transactions are held until Sitoo lets us read them.
          refused.push(refusedWork(err, 'transactions', 'unprocessable-event', [], input.transactionIds));
        }
        summary.transactions = transactions.length;
        for (const t of transactions) {
          const location = locations.find((l) => l.sitooWarehouseId === t.warehouseId);
          if (!location) {
            if (!summary.unmappedWarehouses.includes(t.warehouseId)) summary.unmappedWarehouses.push(t.warehouseId);
          } else {
            for (const item of t.items) mark({ locationId: location.locationId, sku: item.sku });
            created.push({ locationId: location.locationId, skus: t.items.map((i) => i.sku), createdAt: t.createdAt });
          }
          // Recorded even when unmapped: the stock adjustment parks there, visible, until the mapping is fixed.
          if (!erpRecordsThroughOrders(t.kind))
            summary.erpRecords.push({ transactionId: t.transactionId, warehouseId: t.warehouseId });
        }
      }
      const keyPrefix = `${runKey()}:${input.flushSeq}`;
      const uri = `gid://retail-integration/StockSync/${input.accountId}-${input.flushSeq}`;
      const work: Array<[StockLocation, string[]]> = [];
      for (const [locationId, skus] of dirty) {
        const location = findStockLocation(mapping, locationId);
        if (!location) continue; // removed from the mapping since the change was signalled
        summary.keys += skus.size;
        work.push([location, [...skus]]);
      }
      // A key says "look at this level again": the shop may have moved its on_hand itself (a web
      // fulfilment, a cancel without restock, a restocked return), which the writer cannot know.
      // Transactions, the hot path of store sales, keep trusting what the writer believes.
      const r = await propagate(work, keyPrefix, uri, new Set(input.keys.map(stockKeyOf)));
      summary.written = r.changes.length;
      summary.ecommerceCalls = r.calls;
      summary.staleRetries = r.staleRetries;
      summary.mirrored = r.mirrored;
      summary.notOnWeb = r.notOnWeb;
      summary.rejected = r.rejected;
      summary.refused = [...refused, ...r.refused];
      if (deps.stockLatency) {
        // Only a transaction this flush carried to the web: one read again later (the polling
        // fallback re-signals what the events already brought) changes nothing and is not counted.
        const written = new Set(r.changes.map(stockKeyOf));
        const now = Date.now() / 1000;
        for (const t of created)
          if (t.skus.some((sku) => written.has(stockKeyOf({ locationId: t.locationId, sku }))))
            deps.stockLatency('sitoo', t.locationId, Math.max(0, now - t.createdAt));
      }
      const changes: StockLevelChange[] = r.changes;
      summary.sample = changes.slice(0, SAMPLE);
      return summary;
    },

    /** Every stocked location in the mapping, for the drift check to walk through. */
    async listStockLocations(): Promise<Array<{ locationId: string; master: string }>> {
      return stockLocations(deps.mapping()).map((l) => ({ locationId: l.locationId, master: l.master }));
    },

    /**
     * The drift check's first look: where does the web's on_hand differ from what the master says?
     * Units the web has committed to its own orders are not drift: they are in on_hand either way.
     */
    async compareLocationStock(input: { locationId: string }): Promise<{
      locationId: string;
      checked: number;
      differing: Array<{ sku: string; webOnHand: number; target: number }>;
    }> {
      const location = findStockLocation(deps.mapping(), input.locationId);
      if (!location)
        throw ApplicationFailure.nonRetryable(`location ${input.locationId} is not in the mapping`, UNKNOWN_STORE);
      const web = await callOrFail(FAILURE_TYPES.ecommerceRejected, () =>
        deps.ecommerce.listLocationLevels(location.webLocationId),
      );
      const levels = await masterLevels(location);
      const skus = web.flatMap((w) => (w.sku ? [w.sku] : []));
      const buffers = await buffersFor(skus);
      const differing: Array<{ sku: string; webOnHand: number; target: number }> = [];
      for (const w of web) {
        if (!w.sku) continue;
        writer.remember({ inventoryItemId: w.inventoryItemId, locationId: location.webLocationId }, w.sku, w.onHand);
        const target = webOnHand(levels.get(w.sku) ?? { onHand: 0, reserved: 0 }, buffers.get(w.sku) ?? 0);
        if (target !== w.onHand) differing.push({ sku: w.sku, webOnHand: w.onHand, target });
      }
      return { locationId: input.locationId, checked: web.length, differing };
    },

    /**
     * Corrects the SKUs a comparison found, after reading master and web again: a difference that
     * was only a change still on its way has settled by now and is not reported as drift.
     */
    async repairLocationStock(input: {
      locationId: string;
      skus: string[];
      checkId: string;
      /** What the check found: an earlier attempt's write is reported from it (see below). */
      found?: Array<{ sku: string; webOnHand: number; target: number }>;
    }): Promise<StockLevelChange[]> {
      const location = findStockLocation(deps.mapping(), input.locationId);
      if (!location)
        throw ApplicationFailure.nonRetryable(`location ${input.locationId} is not in the mapping`, UNKNOWN_STORE);
      const ids = await writer.itemIdsFor(input.skus, { calls: 0 });
      writer.forget(
        [...ids.values()].map((inventoryItemId) => ({ inventoryItemId, locationId: location.webLocationId })),
      );
      const r = await propagate(
        [[location, input.skus]],
        `${runKey()}:${input.checkId}:${location.locationId}`,
        `gid://retail-integration/StockDriftRepair/${input.checkId}`,
      );
      const refusal = r.refused[0];
      if (refusal)
        throw ApplicationFailure.nonRetryable(
          `drift repair at ${input.locationId} refused: ${refusal.message}`,
          refusal.failureType,
        );
      // A retry after an attempt whose write went through but whose answer was lost finds the
      // level right and writes nothing: what the check found is what that attempt corrected, so
      // the drift is still reported. (A level that came right by itself during the settle would
      // be reported too on a retry; the first attempt tells the two apart, a retry cannot.)
      if (Context.current().info.attempt > 1 && input.found) {
        const written = new Set(r.changes.map((c) => c.sku));
        for (const f of input.found)
          if (!written.has(f.sku))
            r.changes.push({ locationId: input.locationId, sku: f.sku, from: f.webOnHand, to: f.target });
      }
      return r.changes;
    },
  };
}

export type StockActivities = ReturnType<typeof createStockActivities>;

/** A business refusal becomes refused work named by its failure type and what was refused; anything else is rethrown. */
function refusedWork(
  err: unknown,
  what: string,
  exceptionType: ExceptionType,
  keys: StockKey[],
  transactionIds: number[] = [],
): RefusedStockWork {
  if (!(err instanceof ApplicationFailure && err.nonRetryable)) throw err;
  const failureType = err.type ?? 'Refused';
  return { part: `${failureType}:${what}`, exceptionType, failureType, message: err.message, keys, transactionIds };
}

const stockKeyOf = (k: StockKey) => `${k.locationId}\u0000${k.sku}`;

/** Levels the shop refused, one refused part per location. */
function webRefusals(rejected: Array<{ locationId: string; sku: string; message: string }>): RefusedStockWork[] {
  const byLocation = new Map<string, typeof rejected>();
  for (const r of rejected) byLocation.set(r.locationId, [...(byLocation.get(r.locationId) ?? []), r]);
  return [...byLocation].map(([locationId, levels]) => ({
    part: `${FAILURE_TYPES.ecommerceRejected}:${locationId}`,
    exceptionType: 'ecommerce-rejected',
    failureType: FAILURE_TYPES.ecommerceRejected,
    message: levels
      .slice(0, 5)
      .map((l) => `${l.sku}: ${l.message}`)
      .join('; '),
    keys: levels.map(({ sku }) => ({ locationId, sku })),
    transactionIds: [],
  }));
}

/** The calling workflow run, as the unique part of idempotency keys (a new run never reuses an old key). */
function runKey(): string {
  const run = activityInfo().workflowExecution;
  return run ? `${run.workflowId}:${run.runId}` : `activity:${activityInfo().activityId}`;
}
