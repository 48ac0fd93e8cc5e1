import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, startChild, WorkflowIdReusePolicy } from '@temporalio/workflow';

/**
 * Starts a detached child under a business id, once: a second start under the same id (a
 * duplicate event, a retried flush) is a no-op. Detached, so the child outlives its starter's
 * continue-as-new or completion. Returns whether this call started it. `workflow` is the function,
 * or its registered type name where that differs from the function's name. `staticSummary` is
 * what the Temporal UI shows first about the child (business ids, no personal data).
 */
export async function startOnce<A extends unknown[]>(
  workflow: string | ((...args: A) => Promise<unknown>),
  workflowId: string,
  taskQueue: string,
  args: A,
  staticSummary?: string,
): Promise<boolean> {
  try {
    // startChild names a function's type by the function's name, as this does.
    await startChild(typeof workflow === 'string' ? workflow : workflow.name, {
      workflowId,
      taskQueue,
      args,
      ...(staticSummary ? { staticSummary } : {}),
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
    return true;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw err;
  }
}
