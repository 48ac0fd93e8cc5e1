import { proxyActivities } from '@temporalio/workflow';
import type { ErpStockPollActivities, ErpStockPollResult } from '../activities/erp-stock-poll-activities';
import type { ErpStockPollInput } from './stock-contract';
import { TASK_QUEUES } from './task-queues';
import { PAGED_READ } from './activity-options';

const poll = proxyActivities<ErpStockPollActivities>({ ...PAGED_READ, taskQueue: TASK_QUEUES.inventory });

export async function erpStockPollWorkflow(input: ErpStockPollInput): Promise<ErpStockPollResult> {
  const result = await poll.pollErpStock({
    afterEntryNumber: input.afterEntryNumber,
    pageSize: input.pageSize,
    maxPages: input.maxPages,
  });
  if (result.nextAfterEntryNumber !== input.afterEntryNumber) {
    await poll.saveErpStockCursor({ scheduleId: input.scheduleId, afterEntryNumber: result.nextAfterEntryNumber });
  }
  return result;
}
