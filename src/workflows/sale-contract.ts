import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ParkedException } from '../domain/exceptions';
import type { ResolutionRecord, ResolveRefusal } from './parking';
import { TASK_QUEUES } from './task-queues';

/**
 * The sale flow's contract: its id, task queue, input, messages and status, in one small file
 * that the workflow, the starters (events receiver, Sitoo poll) and the tests all import.
 */
export { saleWorkflowId } from '../domain/ids';
export { resolveSignal, resolveUpdate } from './parking';

export const SALE_TASK_QUEUE = TASK_QUEUES.main;

export interface SaleWorkflowInput {
  accountId: number;
  eshopId: number;
  orderId: number;
  /** How long to wait for the payment to be confirmed before parking (ms number or '2h' style). */
  paymentConfirmationTimeout: string | number;
  /** Where the start came from: an events delivery or the polling fallback. */
  source: 'event' | 'poll' | 'manual';
  /**
   * The longest the ERP may take to commit a request the client gave up on ('20m' style; BC
   * online queues a request up to 8 minutes and runs it up to 10). When booking the sale took more
   * than one attempt, the sale sweeps for a late twin once this has passed. Default 20m.
   */
  erpLateCommitWindow?: string;
}

export interface SitooOrderUpdated {
  eventId: string;
  orderStateChanged?: string;
  /** Set for the store's pickup steps, which change no order state (absent means `update`). */
  orderEventType?: 'update' | 'ready-for-pickup' | 'pickup-rejected';
}

export type SaleStep =
  | 'reading-order'
  | 'resolving-location'
  | 'updating-web-stock'
  | 'awaiting-payment'
  | 'creating-erp-order'
  | 'posting-erp-order'
  | 'sweeping-erp-twins'
  | 'parked'
  | 'completed'
  | 'skipped'
  | 'ignored'
  | 'relaying-to-click-and-collect'
  | 'handed-over';

export interface WebStockChange {
  sku: string;
  locationId: string;
  from: number;
  to: number;
}

export interface SaleStatus {
  orderId: number;
  step: SaleStep;
  storeId?: string;
  exception?: ParkedException;
  /** ISO time after which an unpaid sale is parked as payment-not-confirmed. */
  paymentDeadline?: string;
  paymentState?: number;
  webStock: WebStockChange[];
  erpOrder?: { id: string; number: string; posted: boolean; twinsRemoved?: number; lateTwinPossible?: boolean };
  /** Twin ERP orders found and taken back (after create, before posting, or by the late sweep). */
  erpTwinsRemoved?: number;
  resolutions: ResolutionRecord[];
  lastRefusal?: ResolveRefusal;
}

export interface SaleResult {
  /** `handed-over`: a web pickup order or a return, which have their own workflows. */
  outcome: 'completed' | 'skipped' | 'ignored' | 'handed-over';
  orderId: number;
  storeId?: string;
  erpOrderNumber?: string;
  webStock: WebStockChange[];
  /** Why the sale was skipped or ignored. */
  reason?: string;
}

export const sitooOrderUpdatedSignal = defineSignal<[SitooOrderUpdated]>('sitooOrderUpdated');
export const statusQuery = defineQuery<SaleStatus>('status');

/** The workflow's signature, for typed starts and signals through the client (type name `saleWorkflow`). */
export type SaleWorkflow = (input: SaleWorkflowInput) => Promise<SaleResult>;
