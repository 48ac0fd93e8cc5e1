import { proxyActivities } from '@temporalio/workflow';
import type { PollActivities, PollResult } from '../activities/poll-activities';

/** Started by the per-account Temporal Schedule; the schedule's arguments carry the cursor. */
export interface SitooPollInput {
  scheduleId: string;
  fromOrderId: number;
  pageSize: number;
  maxPages: number;
}

const poll = proxyActivities<PollActivities>({
  startToCloseTimeout: '5m',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

export async function sitooPollWorkflow(input: SitooPollInput): Promise<PollResult> {
  const result = await poll.pollSitooOrders({ fromOrderId: input.fromOrderId, pageSize: input.pageSize, maxPages: input.maxPages });
  if (result.nextOrderId !== input.fromOrderId) {
    await poll.saveSitooPollCursor({ scheduleId: input.scheduleId, nextOrderId: result.nextOrderId });
  }
  return result;
}
