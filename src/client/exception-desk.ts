import type { Client } from '@temporalio/client';
import type { ExceptionDesk, ListedException } from '../domain/escalation';
import { DEFAULT_OWNER, OWNERS, type ExceptionType, type Owner, type ParkedException } from '../domain/exceptions';
import { overdueSignal } from '../workflows/exception-escalation-contract';
import { SA } from '../workflows/search-attributes';

/**
 * The exception escalation's view of Temporal: visibility finds the parked exceptions of a type
 * parked before a time (ExceptionSince), each workflow's `status` query says whether the one
 * parked now is already marked, and the `overdue` signal marks it.
 */
export function createExceptionDesk(client: Client, uiUrl?: string): ExceptionDesk {
  const ns = client.options.namespace;
  return {
    async listParkedBefore(type: ExceptionType, before: Date): Promise<ListedException[]> {
      const query = `ExecutionStatus = "Running" AND ExceptionType = "${type}" AND ExceptionSince < "${before.toISOString()}"`;
      const found: ListedException[] = [];
      for await (const info of client.workflow.list({ query, pageSize: 500 })) {
        const since = info.typedSearchAttributes.get(SA.exceptionSince);
        if (!since) continue;
        const owner = info.typedSearchAttributes.get(SA.exceptionOwner);
        found.push({
          workflowId: info.workflowId,
          type,
          owner: (OWNERS as readonly string[]).includes(owner ?? '') ? (owner as Owner) : DEFAULT_OWNER[type],
          storeId: info.typedSearchAttributes.get(SA.storeId),
          since: since.toISOString(),
        });
      }
      return found;
    },
    async isMarkedOverdue(workflowId, since) {
      const status = await client.workflow.getHandle(workflowId).query<{ exception?: ParkedException }>('status');
      // Resolved (or parked again) since visibility listed it: nothing of that exception to mark.
      return status.exception?.since !== since || status.exception.overdue !== undefined;
    },
    async markOverdue(workflowId, mark) {
      await client.workflow.getHandle(workflowId).signal(overdueSignal, mark);
    },
    linkTo: (workflowId) =>
      uiUrl ? `${uiUrl.replace(/\/+$/, '')}/namespaces/${ns}/workflows/${encodeURIComponent(workflowId)}` : undefined,
  };
}
