import type { Client } from '@temporalio/client';
import type { ParkedException } from '../domain/exceptions';
import { resolveSignal } from '../workflows/sale-contract';

/** Who resumes a sale by itself: recorded as the resolver, so the audit trail says it was automatic. */
export const AUTOMATIC_RESOLVER = 'product-sync (automatic)';

/** The SKUs a parked `unknown-sku` exception waits for: its details name one (`sku`) or several (`skus`). */
function awaitedSkus(exception: ParkedException | undefined): string[] {
  if (exception?.type !== 'unknown-sku') return [];
  const { sku, skus } = exception.details;
  if (Array.isArray(skus)) return skus.filter((s): s is string => typeof s === 'string');
  return typeof sku === 'string' ? [sku] : [];
}

/**
 * Sends `retry` to every flow parked as `unknown-sku` for a SKU the sync just put in place: the product sync
 * calls it after it has created them, so a sale rung up before its product reached the systems
 * goes on by itself. Each workflow's own status decides (visibility only finds candidates, and
 * may be a moment behind); the flow looks the SKUs up again on retry and parks again if one is
 * still missing. Returns the workflow ids it resumed.
 */
export async function resumeUnknownSkuSales(client: Client, known: Iterable<string>): Promise<string[]> {
  const have = new Set(known);
  if (have.size === 0) return [];
  const resumed: string[] = [];
  const query = 'ExecutionStatus = "Running" AND ExceptionType = "unknown-sku"';
  for await (const info of client.workflow.list({ query, pageSize: 500 })) {
    const handle = client.workflow.getHandle(info.workflowId, info.runId);
    let exception: ParkedException | undefined;
    try {
      ({ exception } = await handle.query<{ exception?: ParkedException }>('status'));
    } catch {
      continue; // closed meanwhile, or no worker to answer: the next sync tries again
    }
    const waiting = awaitedSkus(exception);
    if (!exception?.allowedActions.includes('retry')) continue;
    // One of them is new: the sale looks them all up again, and parks again if one is still missing
    // (its SKUs may arrive in different batches, and the others may have arrived before it parked).
    const arrived = waiting.filter((s) => have.has(s));
    if (arrived.length === 0) continue;
    await handle.signal(resolveSignal, {
      action: 'retry',
      resolvedBy: AUTOMATIC_RESOLVER,
      reason: `automatic: the product sync created ${arrived.join(', ')}`,
    });
    resumed.push(info.workflowId);
  }
  return resumed;
}
