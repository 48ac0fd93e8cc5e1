import { z } from 'zod';
import { envelopeSchema, money } from './schemas';

/**
 * Sitoo product register wire shapes (sitoo-api.md §7, master-data-api.md §2), only the fields
 * the catalogue sync reads. Lenient where Sitoo (PHP) may send null, "" or 0 for "none".
 */
const text = z
  .string()
  .nullish()
  .transform((v) => (v ? v : undefined));

export const productSchema = z.object({
  productid: z.number().int(),
  sku: z.string(),
  title: text,
  barcode: text,
  moneyprice: money.nullish(),
  vatid: z.number().int().nullish(),
  active: z.boolean().nullish(),
  activepos: z.boolean().nullish(),
  custom1: text,
  custom2: text,
  custom3: text,
  variantparentid: z
    .number()
    .int()
    .nullish()
    .transform((v) => (v ? v : null)),
  datemodified: z.number().int(),
});
export type WireProduct = z.infer<typeof productSchema>;
export const PRODUCT_FIELDS = Object.keys(productSchema.shape).join(',');
export const productPageSchema = envelopeSchema(productSchema);

export const variantSetSchema = z.object({
  groups: z.array(z.object({ name: z.string(), options: z.array(z.string()) })).default([]),
  variants: z
    .array(
      z.object({
        productid: z.number().int(),
        sku: z.string(),
        title: text,
        moneyprice: money.nullish(),
        barcode: text,
        activepos: z.boolean().nullish(),
        attributes: z.array(z.string()).default([]),
      }),
    )
    .default([]),
});

export const priceListSchema = z.object({
  pricelistid: z.number().int(),
  pricelistname: z.string().nullish(),
  active: z.boolean().nullish(),
  externalid: text,
  tags: z.array(z.string()).nullish(),
});
export const priceListPageSchema = envelopeSchema(priceListSchema);

export const priceItemSchema = z.object({ sku: z.string(), moneyprice: money });
export const priceItemPageSchema = envelopeSchema(priceItemSchema);

/** A batch answer, per item; the error text of a refused item may come in `return` or `errortext` (our inference, §2.2). */
export const productBatchSchema = z.array(
  z.object({ statuscode: z.number().int(), return: z.unknown().optional(), errortext: z.string().optional() }),
);

/** A POST that adds one object answers its bare id (sitoo-api.md §2.3). */
export const newIdSchema = z.number().int().positive();
