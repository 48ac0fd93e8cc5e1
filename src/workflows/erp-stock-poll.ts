import { proxyActivities } from '@temporalio/workflow';
import type { ErpStockPollActivities, ErpStockPollResult } from '../activities/erp-stock-poll-activities';
import type { ErpStockPollInput } from './stock-contract';
import { TASK_QUEUES } from './task-queues';
import { PAGED_READ, summarised } from './activity-options';

const poll = summarised(proxyActivities<ErpStockPollActivities>({ ...PAGED_READ, taskQueue: TASK_QUEUES.inventory }), {
  pollErpStock: ({ afterEntryNumber }) => `Read ERP item ledger entries after ${afterEntryNumber}`,
  saveErpStockCursor: ({ afterEntryNumber }) => `Move the cursor to entry ${afterEntryNumber}`,
});

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
