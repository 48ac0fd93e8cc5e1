import { z } from 'zod';

/**
 * The Sitoo Events SPI wire shapes (sitoo-api.md §9). Only the body as a whole is strict: a JSON
 * array of events. Each event is judged on its own, field by field, by what the receiver needs it
 * for, so one odd event is parked without refusing the events around it:
 *  - `event_type`, `account_id`: routing; without them the event cannot be processed (parked).
 *  - `data`: an object, read per type afterwards (an unreadable one is parked).
 *  - `event_id`: only a dedupe key, checked by the receiver; an unusable one is replaced by a hash
 *    of the event, never a reason to refuse it.
 *  - `event_date`: no flow reads it; any value passes.
 */
export const sitooEventSchema = z.object({
  event_type: z.string().min(1).max(100),
  account_id: z.number().int(),
  data: z.record(z.string(), z.unknown()),
});

/** An event as routed: `event_id` is the receiver's dedupe key (the event's own id, or a hash standing in for it). */
export type SitooEvent = z.infer<typeof sitooEventSchema> & { event_id: string };

/** Sitoo sends at most 10; we accept more rather than drop events if that ever changes. */
export const sitooEventBatchSchema = z.array(z.unknown()).min(1).max(100);

export const orderEventDataSchema = z.object({
  eshop_id: z.number().int(),
  order_id: z.number().int().positive(),
  warehouse_id: z.number().int().nullable().optional(),
  order_event_type: z.enum(['add', 'update', 'ready-for-pickup', 'pickup-rejected', 'email-receipt']),
  order_state_changed: z.enum(['open', 'closed', 'cancelled']).optional(),
});
export type OrderEventData = z.infer<typeof orderEventDataSchema>;

/**
 * Sitoo names the `warehouse-transaction` event but its payload is NOT FOUND (sitoo-api.md §9).
 * Our reading, shaped like OrderData: ids to dereference with a REST GET. Confirm in a sandbox.
 */
export const warehouseTransactionEventDataSchema = z.object({
  eshop_id: z.number().int(),
  warehouse_id: z.number().int().positive(),
  warehouse_transaction_id: z.number().int().positive(),
});
export type WarehouseTransactionEventData = z.infer<typeof warehouseTransactionEventDataSchema>;

/** Event types Sitoo documents that no flow subscribes to yet: acknowledged and counted. */
export const KNOWN_UNHANDLED_EVENT_TYPES = new Set([
  'order-delivery',
  'booking',
  'shipment',
  'shipment-v3',
  'z-report',
  'store-z-report',
]);
