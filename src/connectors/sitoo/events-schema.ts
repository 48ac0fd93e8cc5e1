import { z } from 'zod';

/**
 * The Sitoo Events SPI wire shapes (sitoo-api.md §9). The batch envelope is strict: a body that
 * is not a batch is refused. The per-type `data` is parsed separately, so one odd event can be
 * recorded as an exception without refusing the events around it.
 */
export const sitooEventSchema = z.object({
  event_id: z.string().min(1).max(100),
  event_type: z.string().min(1),
  event_date: z.number().int(),
  account_id: z.number().int(),
  data: z.record(z.string(), z.unknown()),
});
export type SitooEvent = z.infer<typeof sitooEventSchema>;

/** Sitoo sends at most 10; we accept more rather than drop events if that ever changes. */
export const sitooEventBatchSchema = z.array(sitooEventSchema).min(1).max(100);

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
export const KNOWN_UNHANDLED_EVENT_TYPES = new Set(['order-delivery', 'booking', 'shipment', 'shipment-v3', 'z-report', 'store-z-report']);
