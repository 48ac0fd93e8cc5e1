import { defineQuery } from '@temporalio/workflow';
import type { SubscriberSystem } from '../domain/catalogue';
import type { MasterStreamCursor, ProductCursor } from '../domain/product-master';
import type { ProductNotice } from '../domain/catalogue';
import type { ParkableStatus } from './parking';
import { TASK_QUEUES } from './task-queues';

/**
 * The catalogue flows' contract (issue 15): the product master's changes reach the subscribers,
 * future prices start on a durable timer, edits made in a subscriber are put back and reported.
 * All of it runs on its own task queue, so it can never hold up a stock write.
 */
export { resolveSignal, resolveUpdate } from './parking';

export const CATALOGUE_TASK_QUEUE = TASK_QUEUES.catalogue;
export const CATALOGUE_SYNC_SCHEDULE_ID = 'catalogue-sync';
export const CATALOGUE_RECONCILE_SCHEDULE_ID = 'catalogue-reconcile';

/** Where the incremental sync stopped: kept in the schedule's arguments, like the other polls. */
export interface CatalogueCursor {
  products?: ProductCursor;
  priceLines?: MasterStreamCursor;
  /** Unix seconds: Sitoo products modified after this were checked for edits made there. */
  sitooEditsSince?: number;
}

export interface CatalogueSyncInput {
  scheduleId: string;
  cursor: CatalogueCursor;
  /** Products read per batch (default 200). */
  batchSize?: number;
}

export interface SubscriberSummary {
  created: number;
  updated: number;
  unchanged: number;
  stale: number;
  rejected: number;
}

export interface CatalogueSyncResult {
  changedProducts: number;
  subscribers: Partial<Record<SubscriberSystem, SubscriberSummary>>;
  priceChangesScheduled: number;
  conflicts: number;
  salesResumed: number;
}

/** A full or partial push on demand: one SKU, a category, or everything (the reconciliation). */
export interface CataloguePushInput {
  skus?: string[];
  category?: string;
  all?: boolean;
  /** Who asked (a person's name, or the reconciliation schedule). */
  requestedBy: string;
  batchSize?: number;
}

export interface CataloguePushStatus {
  step: 'reading' | 'pushing' | 'done';
  /** Products read from the master so far, and pushed to every subscriber. */
  read: number;
  pushed: number;
  subscribers: Partial<Record<SubscriberSystem, SubscriberSummary>>;
  startedAt: string;
}
export const cataloguePushStatusQuery = defineQuery<CataloguePushStatus>('status');

export function cataloguePushWorkflowId(input: CataloguePushInput, at: Date): string {
  const what = input.all
    ? 'all'
    : input.category
      ? `category-${input.category}`
      : `skus-${(input.skus ?? []).join('_')}`;
  return `catalogue-push-${what.slice(0, 80)}-${at.toISOString().replace(/[-:.]/g, '')}`;
}

/** A product a subscriber refused: parked for merchandising until fixed in the master (retry) or skipped. */
export interface ProductRejectedInput {
  system: SubscriberSystem;
  sku: string;
  masterId: string;
  reason: string;
}

/**
 * One per product and master version: a refusal skipped stays skipped until the product changes in
 * the master, and the refusal of a later version parks again.
 */
export function productRejectedWorkflowId(system: SubscriberSystem, sku: string, version?: string): string {
  return `product-rejected-${system}-${sku}${version ? `-${version.replace(/[-:.]/g, '')}` : ''}`;
}

export interface ProductRejectedStatus extends ParkableStatus<'pushing' | 'done' | 'skipped'> {
  system: SubscriberSystem;
  sku: string;
  lastReason: string;
}
export const productRejectedStatusQuery = defineQuery<ProductRejectedStatus>('status');

/**
 * Prices that change at one moment (now, or a future start or end): written when the moment
 * comes, then read back from every subscriber until they show it, parked as `price-update-delay`
 * past PRICE_UPDATE_SLA and resolved by itself once they do.
 */
export interface PriceChangeInput {
  /** ISO instant the prices take effect. */
  effectiveAt: string;
  /** Item SKUs whose prices change then. */
  skus: string[];
  /** How long after effectiveAt the prices must read back (e.g. "5m"). */
  sla: string;
  /** How often to read back while waiting (default 15s). */
  checkEvery?: string;
}

export function priceChangeWorkflowId(effectiveAt: string, skusDigest: string): string {
  return `price-change-${effectiveAt.replace(/[-:.]/g, '')}-${skusDigest}`;
}

export interface LatePrice {
  system: SubscriberSystem;
  /** The Sitoo price list's key, or `default`. */
  target: string;
  sku: string;
  expectedCents: number;
  seenCents?: number;
}

export interface PriceChangeStatus extends ParkableStatus<
  'waiting' | 'writing' | 'verifying' | 'visible' | 'acknowledged'
> {
  effectiveAt: string;
  skus: string[];
  late: LatePrice[];
  /** When every subscriber showed the prices (ISO), and how long after effectiveAt. */
  visibleAt?: string;
  visibleAfterMs?: number;
}
export const priceChangeStatusQuery = defineQuery<PriceChangeStatus>('status');

/** A products/update webhook from Shopify, checked against the master (the payload is only a notice). */
export interface ProductEditCheckInput {
  system: SubscriberSystem;
  /** Item SKUs to check (read back from the subscriber, never taken from the notice). */
  skus?: string[];
  /** The subscriber's product id, when the notice names no SKU we trust. */
  productId?: string;
  /**
   * What the signed notice showed: compared with the master first, so an echo of our own write
   * costs no read from the subscriber; anything else is read back and decided on the copy.
   */
  notice?: ProductNotice;
}

export function productEditCheckWorkflowId(system: SubscriberSystem, productId: string, updatedAt: string): string {
  return `product-edit-${system}-${productId.split('/').pop()}-${updatedAt.replace(/[-:.+]/g, '')}`;
}
