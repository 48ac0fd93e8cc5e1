import { z } from 'zod';

/**
 * The Stripe wire shapes we read, and nothing more: Stripe adds fields and enum values (balance
 * transaction `type` grows over time), so enums are plain strings and unknown keys are ignored.
 */
export const stripeErrorSchema = z.object({
  error: z.object({
    type: z.string(),
    code: z.string().optional(),
    message: z.string().optional(),
    param: z.string().optional(),
  }),
});

export function listSchema<T extends z.ZodType>(item: T) {
  return z.object({
    object: z.literal('list'),
    data: z.array(item),
    has_more: z.boolean(),
  });
}

const cents = z.number().int();
const unixSeconds = z.number().int().nonnegative();
const metadataSchema = z.record(z.string(), z.string()).nullish();

export const payoutSchema = z.object({
  id: z.string(),
  object: z.literal('payout'),
  amount: cents,
  currency: z.string(),
  arrival_date: unixSeconds,
  created: unixSeconds,
  automatic: z.boolean(),
  status: z.string(),
  /** Absent on API versions before it existed; components are only complete once `completed`. */
  reconciliation_status: z.string().optional(),
});
export type PayoutWire = z.infer<typeof payoutSchema>;

/** The expanded `source`: a charge, refund, payout, dispute, ... We read only the matching keys. */
const sourceObjectSchema = z.object({
  id: z.string(),
  object: z.string(),
  metadata: metadataSchema,
  /** On a refund: the charge it returns money on (an id, or the charge itself if expanded). */
  charge: z.union([z.string(), z.object({ id: z.string() })]).nullish(),
});
export type SourceWire = z.infer<typeof sourceObjectSchema>;

export const balanceTransactionSchema = z.object({
  id: z.string(),
  object: z.literal('balance_transaction'),
  amount: cents,
  fee: cents,
  fee_details: z.array(z.object({ amount: cents, currency: z.string(), type: z.string() })),
  net: cents,
  currency: z.string(),
  type: z.string(),
  reporting_category: z.string().optional(),
  source: z.union([z.string(), sourceObjectSchema]).nullable(),
  created: unixSeconds,
  available_on: unixSeconds,
});
export type BalanceTransactionWire = z.infer<typeof balanceTransactionSchema>;
