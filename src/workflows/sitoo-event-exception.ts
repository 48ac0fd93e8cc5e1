import { defineQuery, upsertSearchAttributes } from '@temporalio/workflow';
import type { ParkedException } from '../domain/exceptions';
import { installParking, type ResolutionRecord } from './parking';
import { SA } from './search-attributes';

/**
 * An authentic Sitoo event the receiver could not process (unknown type, no order id, another
 * account, nested too deep to store, refused by Temporal). The receiver acknowledges it so one bad
 * event never blocks a store's stream, and records it here: parked, visible to its owner, closed
 * by a `resolve` update with `skip`.
 */
export interface SitooEventExceptionInput {
  accountId: number;
  /** The event's id, or `sha256-<hash>` of the event when its id is missing or unusable. */
  eventId: string;
  reason: string;
  /** A bounded copy of the event as received (depth, size and strings capped), for the operator to read. */
  event: unknown;
}

export interface SitooEventExceptionStatus {
  step: 'parked' | 'resolved';
  eventId: string;
  exception?: ParkedException;
  resolutions: ResolutionRecord[];
}

export const sitooEventExceptionStatusQuery = defineQuery<SitooEventExceptionStatus>('status');

export async function sitooEventExceptionWorkflow(input: SitooEventExceptionInput): Promise<ResolutionRecord> {
  const status: SitooEventExceptionStatus = { eventId: input.eventId, step: 'parked', resolutions: [] };
  const parking = installParking({ status, statusQuery: sitooEventExceptionStatusQuery, refusalActions: [] });
  const orderId = orderIdOf(input.event);
  if (orderId) upsertSearchAttributes([{ key: SA.sitooOrderId, value: orderId }]);
  await parking.park('unprocessable-event', input.reason, { eventId: input.eventId, event: input.event }, ['skip']);
  status.step = 'resolved';
  return parking.run(async () => parking.resolutions[parking.resolutions.length - 1]!);
}

function orderIdOf(event: unknown): string | undefined {
  const id = (event as { data?: { order_id?: unknown } } | null)?.data?.order_id;
  return typeof id === 'number' || typeof id === 'string' ? String(id) : undefined;
}
