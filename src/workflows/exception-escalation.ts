import { proxyActivities } from '@temporalio/workflow';
import type { createEscalationActivities, EscalationResult } from '../activities/exception-escalation-activities';
import { PAGED_READ, summarised } from './activity-options';

const escalation = summarised(proxyActivities<ReturnType<typeof createEscalationActivities>>(PAGED_READ), {
  escalateOverdueExceptions: () => 'Mark the exceptions past their SLA and tell their teams',
});

/**
 * One run of the exception escalation (its schedule: exception-escalation-contract.ts). All the
 * work is one activity: it reads visibility and the SLAs in force at that moment, and what was
 * already told is kept on the exceptions themselves, so a run needs no state of its own.
 */
export async function exceptionEscalationWorkflow(_input: object = {}): Promise<EscalationResult> {
  return escalation.escalateOverdueExceptions();
}
