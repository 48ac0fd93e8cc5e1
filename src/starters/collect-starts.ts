import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { clickAndCollectWorkflowId } from '../domain/ids';
import type { clickAndCollectWorkflow } from '../workflows/click-and-collect';
import { webOrderCancelledSignal, type ClickAndCollectInput, type CollectStartConfig, type WebOrderCancelled } from '../workflows/click-and-collect-contract';
import { TASK_QUEUES } from '../workflows/task-queues';

export type CollectStartOutcome = 'started' | 'already-closed';

function options(cfg: CollectStartConfig, webOrderId: string) {
  const input: ClickAndCollectInput = { ...cfg, webOrderId };
  return {
    workflowId: clickAndCollectWorkflowId(webOrderId),
    taskQueue: TASK_QUEUES.main,
    args: [input] as [ClickAndCollectInput],
    // One workflow per web order, ever: a finished one is not started again.
    workflowIdReusePolicy: 'REJECT_DUPLICATE' as const,
  };
}

/** Starts the order's click & collect workflow, or lands on the running one; a finished one stays finished. */
export async function startCollect(client: Client, cfg: CollectStartConfig, webOrderId: string): Promise<CollectStartOutcome> {
  try {
    await client.workflow.start<typeof clickAndCollectWorkflow>('clickAndCollectWorkflow', { ...options(cfg, webOrderId), workflowIdConflictPolicy: 'USE_EXISTING' });
    return 'started';
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'already-closed';
    throw err;
  }
}

/** Tells the workflow its order may be cancelled (starting it if nothing did); it reads the order to find out. */
export async function signalCollectCancelled(client: Client, cfg: CollectStartConfig, webOrderId: string, noticeId: string): Promise<CollectStartOutcome> {
  try {
    await client.workflow.signalWithStart<typeof clickAndCollectWorkflow, [WebOrderCancelled]>('clickAndCollectWorkflow', {
      ...options(cfg, webOrderId), signal: webOrderCancelledSignal, signalArgs: [{ webhookId: noticeId }],
    });
    return 'started';
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'already-closed';
    throw err;
  }
}
