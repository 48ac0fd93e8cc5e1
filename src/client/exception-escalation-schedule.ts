import type { Client } from '@temporalio/client';
import {
  EXCEPTION_ESCALATION_SCHEDULE_ID,
  EXCEPTION_ESCALATION_TASK_QUEUE,
} from '../workflows/exception-escalation-contract';
import { ensureIntervalSchedule } from './interval-schedule';

/** The exception escalation every `every` (EXCEPTION_ESCALATION_INTERVAL); a run still going skips the next. */
export function ensureExceptionEscalationSchedule(client: Client, every: string): Promise<string> {
  return ensureIntervalSchedule(client, {
    scheduleId: EXCEPTION_ESCALATION_SCHEDULE_ID,
    workflowType: 'exceptionEscalationWorkflow',
    taskQueue: EXCEPTION_ESCALATION_TASK_QUEUE,
    every,
    args: {},
    note: 'Exceptions past their SLA: marked overdue, their teams told once',
    summary: 'Exception escalation: exceptions past their SLA',
  });
}
