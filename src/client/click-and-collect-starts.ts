import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import {
  CLICK_AND_COLLECT_TASK_QUEUE,
  clickAndCollectWorkflowId,
  webOrderCancelledSignal,
  type ClickAndCollectInput,
  type ClickAndCollectWorkflow,
  type ClickAndCollectStartConfig,
  type WebOrderCancelled,
} from '../workflows/click-and-collect-contract';

export type ClickAndCollectStartOutcome = 'started' | 'already-closed';

function options(cfg: ClickAndCollectStartConfig, webOrderId: string) {
  const input: ClickAndCollectInput = { ...cfg, webOrderId };
  return {
    workflowId: clickAndCollectWorkflowId(webOrderId),
    taskQueue: CLICK_AND_COLLECT_TASK_QUEUE,
    args: [input] as [ClickAndCollectInput],
    staticSummary: `Click & collect of web order ${webOrderId}`,
    // One workflow per web order, ever: a finished one is not started again.
    workflowIdReusePolicy: 'REJECT_DUPLICATE' as const,
  };
}

/** Starts the order's click & collect workflow, or lands on the running one; a finished one stays finished. */
export async function startClickAndCollect(
  client: Client,
  cfg: ClickAndCollectStartConfig,
  webOrderId: string,
): Promise<ClickAndCollectStartOutcome> {
  try {
    await client.workflow.start<ClickAndCollectWorkflow>('clickAndCollectWorkflow', {
      ...options(cfg, webOrderId),
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    return 'started';
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'already-closed';
    throw err;
  }
}

/** Tells the workflow its order may be cancelled (starting it if nothing did); it reads the order to find out. */
export async function signalClickAndCollectCancelled(
  client: Client,
  cfg: ClickAndCollectStartConfig,
  webOrderId: string,
  noticeId: string,
): Promise<ClickAndCollectStartOutcome> {
  try {
    await client.workflow.signalWithStart<ClickAndCollectWorkflow, [WebOrderCancelled]>('clickAndCollectWorkflow', {
      ...options(cfg, webOrderId),
      signal: webOrderCancelledSignal,
      signalArgs: [{ webhookId: noticeId }],
    });
    return 'started';
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'already-closed';
    throw err;
  }
}
