import type { Client } from '@temporalio/client';
import type { ExceptionType, ParkedException, Resolution, ResolutionAction } from '../domain/exceptions';
import { SA } from '../workflows/search-attributes';

/**
 * What the demo leaves parked for a person, each with one `temporal workflow update` command to
 * paste: the README's resolve examples are taken from this list, so they work on the demo as it
 * is left running.
 */
export interface ParkedItem {
  workflowId: string;
  type: string;
  owner: string;
  storeId?: string;
  message: string;
  resolution: Resolution;
  command: string;
}

/** The reason the printed command gives, per type: what an operator would write after looking. */
const REASON: Partial<Record<ExceptionType, string>> = {
  'payment-not-confirmed': 'customer left without paying',
  'unknown-sku': 'sample item, booked by hand',
  'unmapped-warehouse': 'pop-up not in the ERP yet, booked by hand',
  'reconciliation-gap': 'the sale listed is parked for master data',
  'return-exceeds-purchase': 'refunded at the till by mistake, settled with the customer',
  'orphaned-return': 'no receipt, refunded as store credit',
  'inventory-sync-failure': 'hand edit in Shopify admin',
  'unprocessable-event': 'test event from the Sitoo sandbox',
  'master-data-conflict': 'seen; prices and titles are changed in the ERP',
};

/**
 * The action printed, the first the exception allows: a report is acknowledged, a gap accepted
 * (with a reason), anything else skipped; retry only where nothing else is allowed, as the demo
 * cannot fix the cause first.
 */
const PREFERRED: ResolutionAction[] = ['acknowledge', 'accept', 'skip', 'retry'];

export async function listParked(
  client: Client,
  temporal: { namespace: string; address?: string },
): Promise<ParkedItem[]> {
  const items: ParkedItem[] = [];
  for await (const info of client.workflow.list({
    query: 'ExceptionType IS NOT NULL AND ExecutionStatus = "Running"',
  })) {
    const status = await client.workflow
      .getHandle(info.workflowId, info.runId)
      .query<{ exception?: ParkedException }>('status');
    const parked = status.exception;
    if (!parked) continue;
    const action = PREFERRED.find((a) => parked.allowedActions.includes(a)) ?? parked.allowedActions[0]!;
    const resolution: Resolution = {
      action,
      reason: REASON[parked.type] ?? 'resolved from the demo',
      resolvedBy: `${parked.owner}@example.com`,
    };
    const address = temporal.address ? ` --address ${temporal.address}` : '';
    items.push({
      workflowId: info.workflowId,
      type: parked.type,
      owner: parked.owner,
      ...(info.typedSearchAttributes.get(SA.storeId) ? { storeId: info.typedSearchAttributes.get(SA.storeId) } : {}),
      message: parked.message,
      resolution,
      command: `temporal workflow update execute${address} -n ${temporal.namespace} -w ${info.workflowId} --name resolve --input '${JSON.stringify(resolution)}'`,
    });
  }
  // By owner, then type, then id: each team finds its block.
  return items.sort(
    (a, b) =>
      a.owner.localeCompare(b.owner) || a.type.localeCompare(b.type) || a.workflowId.localeCompare(b.workflowId),
  );
}

export function renderParked(items: ParkedItem[]): string {
  const out = [`Left parked for a person (${items.length}), one command each to resolve it:`];
  for (const item of items)
    out.push(
      `  ${item.workflowId}  ${item.type} at ${item.storeId ?? '(no store)'}, owner ${item.owner}`,
      `    ${item.command}`,
    );
  return out.join('\n');
}
