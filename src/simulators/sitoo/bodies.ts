import { z } from 'zod';
import { requireCents } from './money';
import type { NewOrder } from './state';

/**
 * What the simulator accepts on order writes. Stricter than Sitoo is known to be where Sitoo is
 * silent, so an adapter bug shows up here as a 400 instead of as wrong data later.
 */
const money = z.string().regex(/^-?\d+(\.\d{1,2})?$/, 'money must be a decimal string with up to 2 decimals');
const stringMap = z.record(z.string(), z.string());

const orderItemBody = z
  .object({
    productname: z.string().min(1),
    sku: z.string().default(''),
    quantity: z.number().int(),
    /** VAT-inclusive row total (write-only helper, sitoo-api.md §3.4). */
    moneyrowprice: money.optional(),
    moneyrowdiscount: money.optional(),
    /** Net unit price, the alternative when no row price is given. */
    moneynetpriceperunit: money.optional(),
    // Sitoo would take the product's VAT; the simulator has no product register, so 25 % it is.
    vatvalue: z.number().min(0).max(100).default(25),
    additionaldata: stringMap.optional(),
  })
  .refine(
    (i) => i.moneyrowprice !== undefined || i.moneynetpriceperunit !== undefined,
    'orderitem needs moneyrowprice or moneynetpriceperunit',
  );

export const newOrderBody = z.object({
  ordertypeid: z.number().int(),
  orderstateid: z.number().int().optional(),
  paymentstateid: z.number().int().optional(),
  warehouseid: z.number().int().nullable().optional(),
  externalid: z.string().nullable().optional(),
  creditorderid: z.number().int().nullable().optional(),
  registerid: z.string().nullable().optional(),
  orderdate: z.number().int().optional(),
  datereserved: z.number().int().nullable().optional(),
  currencycode: z.string().length(3).optional(),
  email: z.string().optional(),
  namefirst: z.string().optional(),
  namelast: z.string().optional(),
  company: z.string().optional(),
  comment: z.string().optional(),
  checkouttypename: z.string().optional(),
  additionaldata: stringMap.optional(),
  orderitems: z.array(orderItemBody).default([]),
  payments: z
    .array(
      z.object({
        name: z.string().min(1),
        moneyamount: money,
        externalid: z.string().nullable().optional(),
        reftype: z.string().nullable().optional(),
        refid: z.string().nullable().optional(),
        cardissuer: z.string().nullable().optional(),
        additionaldata: stringMap.optional(),
      }),
    )
    .default([]),
});

/** The fields a PUT may change; anything else (ids, items, computed money) is refused. */
export const orderPatchBody = z
  .object({
    orderstateid: z.number().int(),
    paymentstateid: z.number().int(),
    warehouseid: z.number().int().nullable(),
    externalid: z.string().nullable(),
    datereserved: z.number().int().nullable(),
    email: z.string(),
    namefirst: z.string(),
    namelast: z.string(),
    company: z.string(),
    comment: z.string(),
    additionaldata: stringMap,
  })
  .partial()
  .strict();

export type OrderPatch = z.infer<typeof orderPatchBody>;

/** Add Order Log Item (transcribed `orderlogitem-write`); which types are allowed is the state's rule. */
export const orderLogItemBody = z.object({
  orderlogtypeid: z.number().int(),
  strvalue: z.string().optional(),
  fvalue: z.number().optional(),
});

export function toNewOrder(body: z.infer<typeof newOrderBody>): NewOrder {
  const { orderitems, payments, ...rest } = body;
  return {
    ...rest,
    items: orderitems.map((i) => {
      const rowGrossCents =
        i.moneyrowprice !== undefined
          ? requireCents(i.moneyrowprice)
          : // Net unit price given: gross = net * (1 + vat), VAT in hundredths of a percent to stay integral.
            Math.round(
              (requireCents(i.moneynetpriceperunit ?? '0') * i.quantity * (10_000 + Math.round(i.vatvalue * 100))) /
                10_000,
            );
      return {
        sku: i.sku,
        productname: i.productname,
        quantity: i.quantity,
        rowGrossCents,
        rowDiscountCents: i.moneyrowdiscount !== undefined ? requireCents(i.moneyrowdiscount) : undefined,
        vatvalue: i.vatvalue,
        additionaldata: i.additionaldata,
      };
    }),
    payments,
  };
}

/** First zod issue as one line, for Sitoo's `errortext`. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`;
}

/** Stock quantities are 3-decimal strings; more decimals than Sitoo keeps are refused rather than rounded. */
const decimal3 = z
  .string()
  .regex(/^-?\d+(\.\d{1,3})?$/, 'must be a decimal string with up to 3 decimals, like "5.000"')
  .transform(Number);

export const warehouseTransactionsBody = z
  .array(
    z.object({
      warehouseid: z.number().int(),
      transactiontype: z.number().int(),
      description: z.string().optional(),
      externalid: z.string().nullable().optional(),
      reasoncode: z.string().nullable().optional(),
      items: z
        .array(
          z.object({ sku: z.string().min(1), decimalquantity: decimal3.refine((q) => q !== 0, 'must not be zero') }),
        )
        .min(1),
    }),
  )
  .min(1);

/**
 * One row of the warehouse-items PUT, checked row by row so a bad row gets its own 400 in the
 * batch answer. Strict: reserved and available are derived by Sitoo, so writing them is a bug.
 */
export const warehouseItemRow = z
  .object({
    sku: z.string().regex(/\S/, 'sku must not be blank'),
    decimaltotal: decimal3.optional(),
    binlocation: z.string().optional(),
    decimalthreshold: decimal3.optional(),
  })
  .strict();
