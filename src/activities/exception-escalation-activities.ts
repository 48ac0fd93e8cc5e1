import { Context, heartbeat } from '@temporalio/activity';
import { durationMs } from '../domain/duration';
import { DEFAULT_OWNER, EXCEPTION_TYPES, type ExceptionType } from '../domain/exceptions';
import { overdueMessage, type ExceptionDesk } from '../domain/escalation';
import type { TeamNotifier } from '../connectors/team-webhooks';

export interface EscalationDeps {
  desk: ExceptionDesk;
  notifier: TeamNotifier;
  /** The SLAs in force (EXCEPTION_SLAS over the defaults), read at each run. */
  slas: () => Record<ExceptionType, string>;
}

export interface EscalationResult {
  /** Exceptions past their SLA that were not marked yet, now marked. */
  marked: number;
  /** Of those, how many were posted to their team. */
  notified: number;
  /** Past their SLA and already marked by an earlier run: nothing sent again. */
  alreadyMarked: number;
}

/**
 * Finds the exceptions past their SLA, tells each owning team once and marks each exception
 * overdue. The mark is the memory: a later run, or a retry of this one, skips what is marked, so a
 * team gets one message per exception, never one per run or per retry. The post comes before the
 * mark, so a crash between the two can repeat one message but never lose one; the heartbeat
 * carries what this attempt already posted so a retried attempt does not post it again.
 */
export function createEscalationActivities(deps: EscalationDeps) {
  return {
    async escalateOverdueExceptions(): Promise<EscalationResult> {
      const done = new Set<string>((Context.current().info.heartbeatDetails as string[] | undefined) ?? []);
      const result: EscalationResult = { marked: 0, notified: 0, alreadyMarked: 0 };
      const slas = deps.slas();
      const now = Date.now();
      for (const type of EXCEPTION_TYPES) {
        const sla = slas[type];
        const listed = await deps.desk.listParkedBefore(
          type,
          new Date(now - durationMs(`EXCEPTION_SLAS ${type}`, sla)),
        );
        for (const e of listed) {
          const key = `${e.workflowId}@${e.since}`;
          heartbeat([...done]);
          if (done.has(key) || (await deps.desk.isMarkedOverdue(e.workflowId, e.since))) {
            result.alreadyMarked++;
            continue;
          }
          const owner = e.owner ?? DEFAULT_OWNER[type];
          const notified = await deps.notifier.notify(
            owner,
            overdueMessage({ ...e, owner }, sla, deps.desk.linkTo?.(e.workflowId)),
          );
          done.add(key);
          heartbeat([...done]);
          await deps.desk.markOverdue(e.workflowId, {
            parkedSince: e.since,
            sla,
            at: new Date().toISOString(),
            notified,
          });
          result.marked++;
          if (notified) result.notified++;
        }
      }
      return result;
    },
  };
}
