import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import {
  CATALOGUE_RECONCILE_SCHEDULE_ID,
  CATALOGUE_SYNC_SCHEDULE_ID,
  CATALOGUE_TASK_QUEUE,
  cataloguePushWorkflowId,
  productEditCheckWorkflowId,
  type ProductEditCheckInput,
  type CatalogueCursor,
  type CataloguePushInput,
  type CatalogueSyncInput,
} from '../workflows/catalogue-contract';
import type { ProductNotice } from '../domain/catalogue';
import { ensureIntervalSchedule, updateScheduleArgs } from './interval-schedule';

/** The incremental product sync every `every` (CATALOGUE_SYNC_INTERVAL); its cursor lives in the schedule. */
export function ensureCatalogueSyncSchedule(client: Client, every: string): Promise<string> {
  const args: CatalogueSyncInput = { scheduleId: CATALOGUE_SYNC_SCHEDULE_ID, cursor: {} };
  return ensureIntervalSchedule(client, {
    scheduleId: CATALOGUE_SYNC_SCHEDULE_ID,
    workflowType: 'catalogueSyncWorkflow',
    taskQueue: CATALOGUE_TASK_QUEUE,
    every,
    args,
    note: "Products and prices from the master to Sitoo and Shopify; the master's cursor is in the action arguments",
    summary: 'Catalogue sync: changed products and prices to the subscribers',
  });
}

/**
 * The full reconciliation every `every` (CATALOGUE_RECONCILE_INTERVAL): every product pushed
 * again, what each subscriber already holds skipped by its fingerprint, so only drift is written.
 */
export function ensureCatalogueReconcileSchedule(client: Client, every: string): Promise<string> {
  const args: CataloguePushInput = { all: true, requestedBy: 'reconciliation schedule' };
  return ensureIntervalSchedule(client, {
    scheduleId: CATALOGUE_RECONCILE_SCHEDULE_ID,
    workflowType: 'cataloguePushWorkflow',
    taskQueue: CATALOGUE_TASK_QUEUE,
    every,
    args,
    note: 'Full catalogue reconciliation: every product pushed again, unchanged ones skipped',
    summary: 'Catalogue reconciliation: the whole master to the subscribers',
  });
}

/** Moves the sync's cursor; each part only forward, so a late save of an older run cannot rewind it. */
export async function saveCatalogueCursor(client: Client, scheduleId: string, cursor: CatalogueCursor): Promise<void> {
  await updateScheduleArgs<CatalogueSyncInput>(client, scheduleId, (current) => {
    const was = current.cursor ?? {};
    const newer = <T extends { after: string }>(a: T | undefined, b: T | undefined) =>
      !a ? b : !b ? a : a.after > b.after ? a : b;
    const products = { ...was.products };
    for (const [stream, c] of Object.entries(cursor.products ?? {}))
      products[stream] = newer(was.products?.[stream], c)!;
    const priceLines = newer(was.priceLines, cursor.priceLines);
    const sitooEditsSince = Math.max(was.sitooEditsSince ?? 0, cursor.sitooEditsSince ?? 0) || undefined;
    return {
      ...current,
      cursor: {
        ...(Object.keys(products).length ? { products } : {}),
        ...(priceLines ? { priceLines } : {}),
        ...(sitooEditsSince ? { sitooEditsSince } : {}),
      },
    };
  });
}

/** A push on demand (one SKU, a category, everything); returns the workflow id to follow. */
export async function startCataloguePush(client: Client, input: CataloguePushInput): Promise<string> {
  const workflowId = cataloguePushWorkflowId(input, new Date());
  const what = input.all
    ? 'the whole catalogue'
    : input.category
      ? `category ${input.category}`
      : `${input.skus?.length ?? 0} SKUs`;
  await client.workflow.start('cataloguePushWorkflow', {
    workflowId,
    taskQueue: CATALOGUE_TASK_QUEUE,
    args: [input],
    staticSummary: `Catalogue push of ${what}, asked by ${input.requestedBy}`,
  });
  return workflowId;
}

/**
 * A products/update notice from Shopify: the product is checked against the master, once per
 * product and change time (a redelivery lands on the same workflow). Returns whether this started it.
 */
export async function startProductEditCheck(
  client: Client,
  productId: string,
  updatedAt: string,
  notice?: ProductNotice,
): Promise<boolean> {
  try {
    await client.workflow.start('productEditCheckWorkflow', {
      workflowId: productEditCheckWorkflowId('shopify', productId, updatedAt),
      taskQueue: CATALOGUE_TASK_QUEUE,
      args: [{ system: 'shopify', productId, ...(notice ? { notice } : {}) } satisfies ProductEditCheckInput],
      staticSummary: `Check Shopify product ${productId.split('/').pop()} against the master`,
    });
    return true;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw err;
  }
}
