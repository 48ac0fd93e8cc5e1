import { z } from 'zod';

/**
 * Sitoo REST v2 wire shapes, only the fields the integration reads (sitoo-api.md §3.4, §6).
 * Unknown fields are stripped, so Sitoo adding fields never breaks us; a missing or mistyped
 * field we rely on fails loudly at the boundary instead of deep inside a workflow.
 */
export const money = z.string().regex(/^-?\d+(\.\d{1,2})?$/, 'expected a money string like "123.50"');
/** Stock quantities, 3-decimal strings ("5.000"). */
export const decimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'expected a decimal string like "5.000"');

/** Sitoo returns null or "" (and for ids sometimes 0) where there is nothing; we normalise to null. */
const optionalString = z
  .string()
  .nullish()
  .transform((v) => (v ? v : null));
const optionalId = z
  .number()
  .int()
  .nullish()
  .transform((v) => (v ? v : null));

/** Unix seconds, with 0 or null for "none" (as Sitoo does for ids). */
const optionalTimestamp = z
  .number()
  .int()
  .nullish()
  .transform((v) => (v ? v : null));

/**
 * `additionaldata` is documented as a string map. Sitoo is PHP, which serialises an empty map as
 * `[]`, and plugins may store numbers or booleans: all read as strings, so one odd tag cannot make
 * a whole order unreadable. Nulls are dropped.
 */
const additionalData = z
  .union([z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])), z.array(z.unknown()).max(0)])
  .nullish()
  .transform((v): Record<string, string> => {
    const out: Record<string, string> = {};
    if (v && !Array.isArray(v)) for (const [k, value] of Object.entries(v)) if (value !== null) out[k] = String(value);
    return out;
  });

export const orderItemSchema = z.object({
  orderitemid: z.number().int().optional(),
  // Non-product lines (discounts) may come without a SKU.
  sku: z
    .string()
    .nullish()
    .transform((v) => v ?? ''),
  productname: z.string(),
  quantity: z.number().int(),
  moneynetpriceperunit: money.optional(),
  moneyitemtotal_net: money,
  moneyitemtotal_vat: money,
  vatvalue: z.number(),
});

export const paymentSchema = z.object({
  name: z.string(),
  moneyamount: money,
});

export const orderSchema = z.object({
  orderid: z.number().int(),
  eshopid: z.number().int(),
  warehouseid: optionalId,
  orderstateid: z.number().int(),
  paymentstateid: z.number().int(),
  ordertypeid: z.number().int(),
  orderdate: z.number().int(),
  currencycode: z.string(),
  externalid: optionalString,
  creditorderid: optionalId,
  registerid: optionalString,
  datereserved: optionalTimestamp,
  additionaldata: additionalData,
  orderitems: z.array(orderItemSchema).default([]),
  payments: z.array(paymentSchema).default([]),
});
export type WireOrder = z.infer<typeof orderSchema>;

/** The list shape every Sitoo collection uses. */
export function envelopeSchema<T extends z.ZodType>(item: T) {
  return z.object({ totalcount: z.number().int().min(0), items: z.array(item) });
}

export const warehouseItemSchema = z.object({
  sku: z.string(),
  decimaltotal: decimal,
});

/** Reserved is read leniently: older accounts or a `fields` list may omit it, and none means 0. */
export const warehouseLevelSchema = warehouseItemSchema.extend({
  decimalreserved: decimal.nullish(),
});

export const warehouseTransactionSchema = z.object({
  warehousetransactionid: z.number().int().positive(),
  warehouseid: z.number().int(),
  datecreated: z.number().int(),
  transactiontype: z.number().int(),
  externalid: optionalString,
  items: z.array(z.object({ sku: z.string(), decimalquantity: decimal, decimaltotal: decimal })).default([]),
});
export type WireWarehouseTransaction = z.infer<typeof warehouseTransactionSchema>;
export const WAREHOUSE_TRANSACTION_FIELDS = [
  'warehousetransactionid',
  'warehouseid',
  'datecreated',
  'transactiontype',
  'externalid',
  'items',
] as const;

/**
 * A batch endpoint's answer: per-item `{statuscode, return}`, or the bare value when Sitoo
 * answers a single-item batch without the envelope (sitoo-api.md §2.3).
 */
export const batchResultSchema = z.union([
  z.array(z.object({ statuscode: z.number().int(), return: z.unknown().optional(), errortext: z.string().optional() })),
  z.literal(true),
]);

/** `{statuscode, errortext}`; read leniently because a proxy in front of Sitoo may answer with anything. */
export const errorBodySchema = z.object({
  statuscode: z.number().int().optional(),
  errortext: z.string().optional(),
});

/** What the order fields list asks for: exactly what `orderSchema` reads. */
export const ORDER_FIELDS = [
  'orderid',
  'eshopid',
  'warehouseid',
  'orderstateid',
  'paymentstateid',
  'ordertypeid',
  'orderdate',
  'currencycode',
  'externalid',
  'creditorderid',
  'registerid',
  'datereserved',
  'additionaldata',
  'orderitems',
  'payments',
] as const;

/** One order log entry (transcribed `orderlogitem-read`); log items have no id of their own. */
export const orderLogItemSchema = z.object({
  datelog: z.number().int().nullish(),
  orderlogtypeid: z.number().int(),
});

/** `[A-Za-z0-9_-]`, 1 to 40 characters, unique per Sitoo system (sitoo-api.md §3.4). */
export const externalIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,40}$/, 'externalid must be 1-40 characters of [A-Za-z0-9_-]');

/**
 * The Add Order body we send for a web order (sitoo-api.md §3.5, §5). No `delivery_*` fields:
 * with an address Sitoo treats the order as ship-from-store instead of a pickup.
 */
export const orderWriteSchema = z
  .object({
    ordertypeid: z.literal(10),
    orderstateid: z.number().int(),
    paymentstateid: z.number().int(),
    externalid: externalIdSchema,
    warehouseid: z.number().int().positive(),
    currencycode: z.string().regex(/^[A-Z]{3}$/, 'currencycode must be ISO 4217 alpha-3, uppercase'),
    datereserved: z.number().int().positive().optional(),
    additionaldata: z.record(z.string(), z.string()).optional(),
    orderitems: z
      .array(
        z.object({
          productname: z.string().min(1),
          sku: z.string().min(1),
          quantity: z.number().int().positive(),
          /** VAT-inclusive row total (write-only helper, §3.4). */
          moneyrowprice: money,
          vatvalue: z.number().min(0).max(100),
        }),
      )
      .min(1),
    payments: z
      .array(z.object({ name: z.string().min(1), moneyamount: money, externalid: z.string().optional() }))
      .optional(),
  })
  .strict();
export type OrderWriteBody = z.infer<typeof orderWriteSchema>;

/** Only 900 ReadyForPickup and 910 PickupRejected may be posted (transcribed spec). */
export const orderLogItemWriteSchema = z.object({ orderlogtypeid: z.union([z.literal(900), z.literal(910)]) }).strict();

// --- A store's business day (sitoo-api.md §3.4 payments, §8 Z-reports, §10 settings) ---

/** Money Sitoo may leave out or null where there is none (PHP); read as zero. */
const moneyOrZero = money.nullish().transform((v) => v ?? '0.00');

export const dayOrderSchema = z.object({
  orderid: z.number().int(),
  warehouseid: optionalId,
  registerid: optionalString,
  orderdate: z.number().int(),
  currencycode: z.string(),
  creditorderid: optionalId,
  externalid: optionalString,
  additionaldata: additionalData,
  moneytotal_gross_roundoff: moneyOrZero,
  orderitems: z.array(orderItemSchema).default([]),
  // refid is what a card terminal's processor knows; giftcard and PSP keys sit in additionaldata.
  payments: z
    .array(
      paymentSchema.extend({
        externalid: optionalString,
        refid: optionalString,
        reftype: optionalString,
        cardissuer: optionalString,
        additionaldata: additionalData,
      }),
    )
    .default([]),
});
export type WireDayOrder = z.infer<typeof dayOrderSchema>;
export type WireDayPayment = WireDayOrder['payments'][number];
export const DAY_ORDER_FIELDS = [
  'orderid',
  'warehouseid',
  'registerid',
  'orderdate',
  'currencycode',
  'creditorderid',
  'externalid',
  'additionaldata',
  'moneytotal_gross_roundoff',
  'orderitems',
  'payments',
] as const;

/** `pospaymenttypes.json`, a bare array: payment names (what orders carry) to payment methods. */
export const posPaymentTypesSchema = z.array(z.object({ paymentmethodid: z.number().int(), name: z.string() }));

export const cashRegisterSchema = z.object({ registerid: z.string(), warehouseid: optionalId });

export const siteSettingsSchema = z.object({ timezone: z.string().nullish() });

const zVatGroupSchema = z.object({ vatvalue: z.number(), moneytotalnet: moneyOrZero, moneytotalvat: moneyOrZero });
const zPaymentSchema = z.object({ name: z.string(), moneytotal: moneyOrZero });

/** `PosZReport`, the totals reconciliation compares; everything else on the report is ignored. */
export const zReportSchema = z.object({
  zreportid: z.number().int(),
  registerid: z.string(),
  eshopid: z.number().int(),
  // Documented as the store's externalid (a string); a number is read as its text.
  store_id: z
    .union([z.string(), z.number()])
    .nullish()
    .transform((v) => (v === null || v === undefined || v === '' ? null : String(v))),
  datecreated: z.number().int(),
  dateopened: optionalTimestamp,
  dateadded: z.number().int(),
  currencycode: z.string(),
  moneysalestotal: moneyOrZero,
  moneyrefundtotal: moneyOrZero,
  moneyroundoff: moneyOrZero,
  numsales: z
    .number()
    .int()
    .nullish()
    .transform((v) => v ?? 0),
  numrefund: z
    .number()
    .int()
    .nullish()
    .transform((v) => v ?? 0),
  vatgroupssales: z
    .array(zVatGroupSchema)
    .nullish()
    .transform((v) => v ?? []),
  vatgroupsrefund: z
    .array(zVatGroupSchema)
    .nullish()
    .transform((v) => v ?? []),
  paymentssales: z
    .array(zPaymentSchema)
    .nullish()
    .transform((v) => v ?? []),
  paymentsrefund: z
    .array(zPaymentSchema)
    .nullish()
    .transform((v) => v ?? []),
  moneycash_diff: money.nullish(),
});
export type WireZReport = z.infer<typeof zReportSchema>;
