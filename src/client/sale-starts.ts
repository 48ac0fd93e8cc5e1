import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import {
  SALE_TASK_QUEUE,
  saleWorkflowId,
  sitooOrderUpdatedSignal,
  type SaleWorkflow,
  type SaleWorkflowInput,
  type SitooOrderUpdated,
} from '../workflows/sale-contract';

/** What every start of a sale workflow shares, whoever starts it (events receiver, poller, ops). */
export interface SaleStartConfig {
  accountId: number;
  eshopId: number;
  paymentConfirmationTimeout: string;
  /** ERP_LATE_COMMIT_WINDOW: how long after a retried ERP booking a sale sweeps for a late twin. */
  erpLateCommitWindow?: string;
}

export type StartOutcome = 'started' | 'already-closed';

const FROM: Record<SaleWorkflowInput['source'], string> = {
  event: 'from a Sitoo event',
  poll: 'from the poll',
  manual: 'started by hand',
};

function options(cfg: SaleStartConfig, orderId: number, source: SaleWorkflowInput['source']) {
  const input: SaleWorkflowInput = {
    accountId: cfg.accountId,
    eshopId: cfg.eshopId,
    orderId,
    paymentConfirmationTimeout: cfg.paymentConfirmationTimeout,
    source,
    ...(cfg.erpLateCommitWindow ? { erpLateCommitWindow: cfg.erpLateCommitWindow } : {}),
  };
  return {
    workflowId: saleWorkflowId(cfg.accountId, orderId),
    taskQueue: SALE_TASK_QUEUE,
    args: [input] as [SaleWorkflowInput],
    // What the Temporal UI shows first; the store, once known, is in the workflow's current details.
    staticSummary: `Sitoo order ${cfg.accountId}-${orderId} (${FROM[source]})`,
    // A sale is processed once: a finished workflow is never started again for the same order.
    workflowIdReusePolicy: 'REJECT_DUPLICATE' as const,
  };
}

/** Starts the sale workflow, or lands on the running one; a finished one stays finished. */
export async function startSale(
  client: Client,
  cfg: SaleStartConfig,
  orderId: number,
  source: SaleWorkflowInput['source'],
): Promise<StartOutcome> {
  try {
    await client.workflow.start<SaleWorkflow>('saleWorkflow', {
      ...options(cfg, orderId, source),
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    return 'started';
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'already-closed';
    throw err;
  }
}

/** Tells the sale workflow its order changed (starting it if the `add` was never seen). */
export async function signalSaleUpdated(
  client: Client,
  cfg: SaleStartConfig,
  orderId: number,
  update: SitooOrderUpdated,
): Promise<StartOutcome> {
  try {
    await client.workflow.signalWithStart<SaleWorkflow, [SitooOrderUpdated]>('saleWorkflow', {
      ...options(cfg, orderId, 'event'),
      signal: sitooOrderUpdatedSignal,
      signalArgs: [update],
    });
    return 'started';
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'already-closed';
    throw err;
  }
}
