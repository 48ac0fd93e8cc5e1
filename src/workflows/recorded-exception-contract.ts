import { defineQuery } from '@temporalio/workflow';
import { DEFAULT_OWNER, type ExceptionType, type ParkedException, type ResolutionAction } from '../domain/exceptions';
import type { ResolutionRecord, ResolveRefusal } from './parking';
import { TASK_QUEUES } from './task-queues';

/**
 * The recorded exception's contract. One workflow, `recordedExceptionWorkflow`, records every
 * exception that has no business workflow of its own to park in: an unprocessable Sitoo event or
 * Shopify webhook (started by the receivers), a refused stock flush or a drift repair (started by
 * the stock flow), a missing webhook subscription (the order poll). Its id says where it came from.
 */
export {
  shopifyWebhookExceptionWorkflowId,
  sitooEventExceptionWorkflowId,
  stockDriftReportWorkflowId,
  stockFlushRefusedExceptionId,
  stockHeldExceptionId,
  stockLevelsRejectedExceptionId,
  webhookSubscriptionExceptionId,
} from '../domain/ids';
export { resolveSignal, resolveUpdate } from './parking';

export const RECORDED_EXCEPTION_TASK_QUEUE = TASK_QUEUES.main;

export interface RecordedExceptionInput {
  type: ExceptionType;
  message: string;
  details: Record<string, unknown>;
  /** Set as the StoreId search attribute, so the exception shows in the store's view. */
  storeId?: string;
  /** Set as the SitooOrderId search attribute (an event that names an order). */
  sitooOrderId?: string;
  allowed: ResolutionAction[];
}

/** The Temporal UI's summary of a recorded exception: its type, owner, store and order; never its message. */
export function recordedExceptionSummary(input: RecordedExceptionInput): string {
  const store = input.storeId ? ` at ${input.storeId}` : '';
  const order = input.sitooOrderId ? `, Sitoo order ${input.sitooOrderId}` : '';
  return `Exception ${input.type} for ${DEFAULT_OWNER[input.type]}${store}${order}`;
}

export interface RecordedExceptionStatus {
  step: 'parked' | 'resolved';
  exception?: ParkedException;
  resolutions: ResolutionRecord[];
  lastRefusal?: ResolveRefusal;
}

export const recordedExceptionStatusQuery = defineQuery<RecordedExceptionStatus>('status');

/**
 * An authentic Sitoo event the receiver could not process (unknown type, no order id, another
 * account, nested too deep to store, refused by Temporal): acknowledged, so one bad event never
 * blocks a store's stream, and recorded for integration-ops, closed by `resolve` with `skip`.
 */
export interface SitooEventException {
  accountId: number;
  /** The event's id, or `sha256-<hash>` of the event when its id is missing or unusable. */
  eventId: string;
  reason: string;
  /** A bounded copy of the event as received (depth, size and strings capped), for the operator to read. */
  event: unknown;
}

export function sitooEventExceptionInput(e: SitooEventException): RecordedExceptionInput {
  const orderId = (e.event as { data?: { order_id?: unknown } } | null)?.data?.order_id;
  return {
    type: 'unprocessable-event',
    message: e.reason,
    details: { eventId: e.eventId, event: e.event },
    ...(typeof orderId === 'number' || typeof orderId === 'string' ? { sitooOrderId: String(orderId) } : {}),
    allowed: ['skip'],
  };
}

/** The workflow's signature, for typed starts through the client (type name `recordedExceptionWorkflow`). */
export type RecordedExceptionWorkflow = (input: RecordedExceptionInput) => Promise<ResolutionRecord>;
