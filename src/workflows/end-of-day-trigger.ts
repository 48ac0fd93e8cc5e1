import { workflowInfo } from '@temporalio/workflow';
import { localDate } from '../domain/business-day';
import { endOfDayWorkflowId } from '../domain/ids';
import { endOfDayWorkflow } from './end-of-day';
import type { EndOfDayTriggerInput } from './end-of-day-contract';
import { startOnce } from './start-once';
import { TASK_QUEUES } from './task-queues';

/**
 * Started by the store's schedule at closing time. Schedules give workflows generated ids, so this
 * starts the day's end of day under its business id, `eod-<store>-<date>`, and the few days before
 * it that never ran; a day that already ran is not started again.
 */
export async function endOfDayTriggerWorkflow(input: EndOfDayTriggerInput): Promise<string[]> {
  const attrs = workflowInfo().searchAttributes as Record<string, unknown[] | undefined> | undefined;
  const scheduled = attrs?.TemporalScheduledStartTime?.[0];
  const at = scheduled ? new Date(scheduled as string) : workflowInfo().startTime;
  const started: string[] = [];
  const { timeZone, catchUpDays, ...day } = input;
  for (let back = catchUpDays; back >= 0; back--) {
    const date = localDate(Math.floor(at.getTime() / 1000) - back * 86_400, timeZone);
    const id = endOfDayWorkflowId(input.storeId, date);
    const summary = `End of day ${input.storeId} ${date}`;
    if (await startOnce(endOfDayWorkflow, id, TASK_QUEUES.main, [{ ...day, date }], summary)) started.push(id);
  }
  return started;
}
