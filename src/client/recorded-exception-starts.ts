import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import {
  RECORDED_EXCEPTION_TASK_QUEUE,
  recordedExceptionSummary,
  type RecordedExceptionInput,
  type RecordedExceptionWorkflow,
} from '../workflows/recorded-exception-contract';

/**
 * Records an exception under its id, once: a duplicate delivery of the same event lands on the
 * exception already recorded, and one resolved stays resolved.
 */
export async function recordException(
  client: Client,
  workflowId: string,
  input: RecordedExceptionInput,
): Promise<void> {
  try {
    await client.workflow.start<RecordedExceptionWorkflow>('recordedExceptionWorkflow', {
      workflowId,
      taskQueue: RECORDED_EXCEPTION_TASK_QUEUE,
      args: [input],
      staticSummary: recordedExceptionSummary(input),
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
