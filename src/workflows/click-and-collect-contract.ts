import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ClickAndCollectInput } from '../domain/click-and-collect';
import type { ParkedException } from '../domain/exceptions';
import type { ResolutionRecord, ResolveRefusal } from './parking';
import { TASK_QUEUES } from './task-queues';

export { clickAndCollectWorkflowId } from '../domain/ids';
export { resolveSignal, resolveUpdate } from './parking';

export const CLICK_AND_COLLECT_TASK_QUEUE = TASK_QUEUES.main;

/** Click & collect's contract: input, messages and status, for the workflow, starters and tests. */
export type { ClickAndCollectInput, ClickAndCollectStartConfig } from '../domain/click-and-collect';

/** A step the store took in Sitoo, relayed by the pickup order's Sitoo-side workflow. */
export interface StorePickupUpdate {
  sitooOrderId: number;
  /** Deduplicates re-deliveries: the Sitoo event id, or the order state for a state change. */
  key: string;
  kind: 'ready-for-pickup' | 'pickup-rejected' | 'collected' | 'cancelled';
}

export interface WebOrderCancelled {
  webhookId: string;
}

export type ClickAndCollectStep =
  | 'reading-order'
  | 'checking-stock'
  | 'creating-pickup-order'
  | 'awaiting-store'
  | 'ready-for-pickup'
  | 'booking-collection'
  | 'sweeping-erp-twins'
  | 'cancelling'
  | 'parked'
  | 'collected'
  | 'cancelled'
  | 'expired'
  | 'not-pickup';

export interface ClickAndCollectStatus {
  webOrderId: string;
  step: ClickAndCollectStep;
  storeId?: string;
  sitooOrderId?: number;
  /** ISO time the customer must collect by; then the order is cancelled and refunded. */
  deadline?: string;
  /** Every step with when it began, for the audit trail. */
  steps: Array<{ step: ClickAndCollectStep; at: string }>;
  erpOrderNumber?: string;
  /**
   * Each cancel notice (webhook) and what Shopify said when the order was read back: a notice is
   * not a fact (the topic header is not signed), so only `cancelled: true` cancels anything.
   */
  webCancelChecks?: Array<{ webhookId: string; at: string; cancelled: boolean }>;
  exception?: ParkedException;
  resolutions: ResolutionRecord[];
  lastRefusal?: ResolveRefusal;
}

export interface ClickAndCollectResult {
  outcome: 'collected' | 'cancelled' | 'expired' | 'not-pickup';
  webOrderId: string;
  storeId?: string;
  sitooOrderId?: number;
  erpOrderNumber?: string;
  reason?: string;
}

export const storePickupUpdateSignal = defineSignal<[StorePickupUpdate]>('storePickupUpdate');
export const webOrderCancelledSignal = defineSignal<[WebOrderCancelled]>('webOrderCancelled');
export const clickAndCollectStatusQuery = defineQuery<ClickAndCollectStatus>('status');

/** The workflow's signature, for typed starts through the client (type name `clickAndCollectWorkflow`). */
export type ClickAndCollectWorkflow = (input: ClickAndCollectInput) => Promise<ClickAndCollectResult>;
