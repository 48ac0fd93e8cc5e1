import { TASK_QUEUES } from './task-queues';

/**
 * The exception escalation: a schedule runs `exceptionEscalationWorkflow` every
 * EXCEPTION_ESCALATION_INTERVAL; it marks each exception past its type's SLA overdue (the
 * `overdue` signal every parked flow takes) and tells its owning team once.
 */
export { overdueSignal, type OverdueNotice } from './parking';

export { EXCEPTION_ESCALATION_SCHEDULE_ID } from '../domain/ids';
export const EXCEPTION_ESCALATION_TASK_QUEUE = TASK_QUEUES.main;
