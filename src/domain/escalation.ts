import { NEXT_ACTION, type ExceptionType, type Owner } from './exceptions';

/** One parked exception as visibility lists it. */
export interface ListedException {
  workflowId: string;
  type: ExceptionType;
  owner: Owner;
  storeId?: string;
  /** ExceptionSince, ISO. */
  since: string;
}

/**
 * What the escalation needs from Temporal, injected by the worker (activities hold no client):
 * the parked exceptions of one type parked before a time, whether one is already marked overdue,
 * and the mark itself (the `overdue` signal).
 */
export interface ExceptionDesk {
  listParkedBefore(type: ExceptionType, before: Date): Promise<ListedException[]>;
  isMarkedOverdue(workflowId: string, since: string): Promise<boolean>;
  markOverdue(
    workflowId: string,
    mark: { parkedSince: string; sla: string; at: string; notified: boolean },
  ): Promise<void>;
  /** A link to the workflow in the Temporal UI, when its address is configured. */
  linkTo?(workflowId: string): string | undefined;
}

/** The message a team receives: business ids, store, age and what to do; never customer data. */
export function overdueMessage(e: ListedException, sla: string, link: string | undefined): string {
  return [
    `Overdue ${e.type} for ${e.owner}${e.storeId ? ` at ${e.storeId}` : ''}: parked since ${e.since.slice(0, 16).replace('T', ' ')} UTC, past its ${sla} SLA.`,
    `Workflow ${e.workflowId}. Next: ${NEXT_ACTION[e.type]}.`,
    ...(link ? [link] : []),
  ].join('\n');
}
