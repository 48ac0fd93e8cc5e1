import { proxyActivities } from '@temporalio/workflow';
import type { CatalogueActivities, ConflictReport, ProductSyncOutcome } from '../activities/catalogue-activities';
import { digest, type SubscriberSystem } from '../domain/catalogue';
import { CATALOGUE_WORK, summarised } from './activity-options';
import {
  priceChangeWorkflowId,
  productRejectedWorkflowId,
  type CatalogueCursor,
  type CatalogueSyncInput,
  type CatalogueSyncResult,
  type PriceChangeInput,
  type ProductRejectedInput,
  type SubscriberSummary,
} from './catalogue-contract';
import type { RecordedExceptionInput } from './recorded-exception-contract';
import { recordedExceptionSummary } from './recorded-exception-contract';
import { startOnce } from './start-once';
import { TASK_QUEUES } from './task-queues';

const catalogue = summarised(proxyActivities<CatalogueActivities>(CATALOGUE_WORK), {
  readProductChanges: ({ maxProducts }) => `Read up to ${maxProducts} changed products from the master`,
  syncProducts: ({ system, skus }) => `Push ${skus.length} products to ${system}`,
  bulkSyncShopify: ({ skus }) => `Bulk-load ${skus.length} products into Shopify`,
  readPriceChanges: ({ maxLines }) => `Read up to ${maxLines} changed price lines`,
  checkEdits: ({ system }) => `Look for edits made in ${system}`,
  saveCatalogueCursor: () => 'Move the catalogue cursor',
  resumeUnknownSkuSales: ({ skus }) => `Resume sales waiting for ${skus.length} SKUs`,
});

const DEFAULT_BATCH = 200;
/** Batches per run: a run that is behind saves its cursor and leaves the rest to the next run. */
const MAX_BATCHES = 20;

export function emptySummary(): SubscriberSummary {
  return { created: 0, updated: 0, unchanged: 0, stale: 0, rejected: 0 };
}

export function addSummary(into: SubscriberSummary, o: ProductSyncOutcome): void {
  into.created += o.created;
  into.updated += o.updated;
  into.unchanged += o.unchanged;
  into.stale += o.stale;
  into.rejected += o.rejected.length;
}

/** Hands each refused product to a flow of its own, parked for merchandising, so the batch goes on. */
export async function parkRejected(o: ProductSyncOutcome): Promise<void> {
  for (const r of o.rejected) {
    const input: ProductRejectedInput = { system: o.system, sku: r.sku, masterId: r.masterId, reason: r.reason };
    await startOnce(
      'productRejectedWorkflow',
      productRejectedWorkflowId(o.system, r.sku, r.version),
      TASK_QUEUES.catalogue,
      [input],
      `product-rejected: ${r.sku} in ${o.system}`,
    );
  }
}

/** Records each edit made in a subscriber as a master-data-conflict report for merchandising. */
export async function recordConflicts(reports: ConflictReport[]): Promise<void> {
  for (const r of reports) {
    const fields = r.conflicts.map((c) => c.field).join(', ');
    const input: RecordedExceptionInput = {
      type: 'master-data-conflict',
      message: `${r.system} holds another ${fields} for ${r.sku} than the master; ${r.reverted ? "put back to the master's value" : 'reported only (policy)'}`,
      details: {
        system: r.system,
        sku: r.sku,
        masterId: r.masterId,
        modifiedAt: r.modifiedAt,
        reverted: r.reverted,
        conflicts: r.conflicts,
      },
      allowed: ['acknowledge'],
    };
    const id = `master-data-conflict-${r.system}-${r.sku}-${r.modifiedAt.replace(/[-:.]/g, '')}`;
    await startOnce('recordedExceptionWorkflow', id, TASK_QUEUES.main, [input], recordedExceptionSummary(input));
  }
}

/** Starts the flow that writes (at `effectiveAt`) and then verifies these SKUs' prices. */
export async function schedulePriceChange(effectiveAt: string, skus: string[], sla: string): Promise<boolean> {
  const sorted = [...new Set(skus)].sort();
  const input: PriceChangeInput = { effectiveAt, skus: sorted, sla };
  return startOnce(
    'priceChangeWorkflow',
    priceChangeWorkflowId(effectiveAt, digest(sorted.join(','))),
    TASK_QUEUES.catalogue,
    [input],
    `Prices of ${sorted.length} SKUs from ${effectiveAt}`,
  );
}

/**
 * Pushes one batch of changed products to every subscriber (Shopify in bulk when the batch is
 * large), parks what they refuse, and resumes sales that waited for these SKUs.
 */
export async function pushBatch(
  skus: string[],
  subscribers: SubscriberSystem[],
  totals: Partial<Record<SubscriberSystem, SubscriberSummary>>,
  bulkFrom = Infinity,
): Promise<number> {
  const inPlace = new Map<string, number>();
  for (const system of subscribers) {
    const o =
      system === 'shopify' && skus.length >= bulkFrom
        ? await catalogue.bulkSyncShopify({ skus })
        : await catalogue.syncProducts({ system, skus });
    addSummary((totals[system] ??= emptySummary()), o);
    await parkRejected(o);
    for (const s of o.inPlace) inPlace.set(s, (inPlace.get(s) ?? 0) + 1);
  }
  // A sale waits for a SKU to exist everywhere it looks (the ERP, the web shop): every subscriber has it now.
  const everywhere = [...inPlace].filter(([, n]) => n === subscribers.length).map(([s]) => s);
  return everywhere.length ? (await catalogue.resumeUnknownSkuSales({ skus: everywhere })).length : 0;
}

/**
 * The incremental product sync, run by the `catalogue-sync` schedule: the master's changed
 * products to every subscriber, changed price lines to price-change flows (now or on a durable
 * timer), and Sitoo's own edits checked. The cursor lives in the schedule's arguments and moves
 * only after the work it covers is done, so a crash re-reads, never skips.
 */
export async function catalogueSyncWorkflow(input: CatalogueSyncInput): Promise<CatalogueSyncResult> {
  const { subscribers, priceUpdateSla: sla } = await catalogue.catalogueSettings();
  const batchSize = input.batchSize ?? DEFAULT_BATCH;
  const cursor: CatalogueCursor = { ...input.cursor };
  const result: CatalogueSyncResult = {
    changedProducts: 0,
    subscribers: {},
    priceChangesScheduled: 0,
    conflicts: 0,
    salesResumed: 0,
  };
  const save = () => catalogue.saveCatalogueCursor({ scheduleId: input.scheduleId, cursor });

  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const changes = await catalogue.readProductChanges({ cursor: cursor.products, maxProducts: batchSize });
    if (changes.skus.length) {
      result.changedProducts += changes.skus.length;
      result.salesResumed += await pushBatch(changes.skus, subscribers, result.subscribers, batchSize / 2);
      // A changed unit price shows like any price change: read back against the SLA.
      if (await schedulePriceChange(new Date().toISOString(), changes.skus, sla)) result.priceChangesScheduled++;
    }
    cursor.products = changes.cursor;
    await save();
    if (!changes.more) break;
  }

  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const prices = await catalogue.readPriceChanges({ cursor: cursor.priceLines, maxLines: batchSize * 5 });
    if (prices.skus.length && (await schedulePriceChange(new Date().toISOString(), prices.skus, sla)))
      result.priceChangesScheduled++;
    for (const f of prices.future) if (await schedulePriceChange(f.at, f.skus, sla)) result.priceChangesScheduled++;
    cursor.priceLines = prices.cursor;
    await save();
    if (!prices.more) break;
  }

  if (subscribers.includes('sitoo')) {
    // The boundary second again: Sitoo's filter is strictly after, at 1-s precision.
    const since = cursor.sitooEditsSince ?? Math.floor(Date.now() / 1000);
    const edits = await catalogue.checkEdits({ system: 'sitoo', sinceSeconds: Math.max(0, since - 1) });
    await recordConflicts(edits.reports);
    result.conflicts += edits.reports.length;
    cursor.sitooEditsSince = Math.max(since, edits.newestSeconds ?? since);
    await save();
  }
  return result;
}
