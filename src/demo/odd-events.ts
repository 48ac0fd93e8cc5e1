import type { LocalStack } from '../local/stack';
import type { UnstorableEventKind } from '../simulators/sitoo/events';
import { deliveryKey } from '../starters/safe-copy';
import { recordedExceptionStatusQuery, sitooEventExceptionWorkflowId } from '../workflows/recorded-exception-contract';

/**
 * Authentic Sitoo events no receiver can store as they are (nested 5,000 levels, a lone-surrogate
 * event id, a malformed envelope), slipped in among the trading hour's events. Sitoo blocks a
 * stream until a batch is acknowledged, so each must be parked and acknowledged, never refused or
 * retried forever, and the sales around it must still go through.
 */
const KINDS: UnstorableEventKind[] = ['deep-nesting', 'lone-surrogate-id', 'malformed'];

export function sendOddEvents(stack: LocalStack, rate: number): void {
  stack.sitoo.events.configure({ unstorable: rate > 0 ? { kinds: KINDS, rate } : null });
}

/** Problems found: an odd event without its parked exception, or a batch Sitoo gave up on. */
export async function checkOddEvents(stack: LocalStack): Promise<{ sent: number; problems: string[] }> {
  const problems: string[] = [];
  const sent = stack.sitoo.events.unstorableEvents;
  for (const { kind, event } of sent) {
    const key = deliveryKey((event as { event_id?: unknown }).event_id, event);
    const handle = stack.client.workflow.getHandle(sitooEventExceptionWorkflowId(stack.env.SITOO_ACCOUNT_ID, key));
    const status = await handle.query(recordedExceptionStatusQuery).catch(() => undefined);
    if (status?.exception?.type !== 'unprocessable-event')
      problems.push(`odd Sitoo event (${kind}, key ${key}) was not parked as unprocessable-event`);
  }
  if (stack.sitoo.events.stats.dropped > 0)
    problems.push(
      `Sitoo gave up on ${stack.sitoo.events.stats.dropped} events: ${stack.sitoo.events.droppedBatches.map((b) => b.reason).join('; ')}`,
    );
  return { sent: sent.length, problems };
}
