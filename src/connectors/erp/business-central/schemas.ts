import { z } from 'zod';
import { decodeEnum } from './wire';

/**
 * Wire shapes we depend on, and nothing more: BC adds fields between releases, and parsing only
 * what we read keeps those additions from breaking us.
 */
export const odataErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});

/** Entra ID's token response. `expires_in` has been seen as a string on older endpoints. */
export const tokenResponseSchema = z.object({
  token_type: z.string().refine((t) => t.toLowerCase() === 'bearer', 'token_type must be Bearer'),
  expires_in: z.coerce.number().positive(),
  access_token: z.string().min(1),
});

export const tokenErrorSchema = z.object({
  error: z.string(),
  error_description: z.string().optional(),
});

/** A field BC types as an enum, read as its caption ('G/L Account', not 'G_x002F_L_x0020_Account'). */
const bcEnum = z.string().transform(decodeEnum);

export function collectionSchema<T extends z.ZodType>(item: T) {
  return z.object({
    value: z.array(item),
    '@odata.nextLink': z.string().optional(),
  });
}

export const salesOrderSchema = z.object({
  id: z.string(),
  number: z.string(),
  externalDocumentNumber: z.string(),
  status: bcEnum,
  customerNumber: z.string().default(''),
  totalAmountIncludingTax: z.number().default(0),
});
export type SalesOrderWire = z.infer<typeof salesOrderSchema>;

export const salesInvoiceSchema = salesOrderSchema.extend({
  orderId: z.string().optional(),
  orderNumber: z.string().optional(),
});
export type SalesInvoiceWire = z.infer<typeof salesInvoiceSchema>;
export const salesInvoiceTotalSchema = salesOrderSchema.extend({
  postingDate: z.string(),
  totalAmountIncludingTax: z.number(),
});

const creditMemoLineSchema = z.object({
  lineType: bcEnum,
  lineObjectNumber: z.string(),
  description: z.string(),
  quantity: z.number(),
  locationId: z.string().optional(),
});

/** Posted credit memos with their lines' gross, for end of day's look at the day's returns. */
export const creditMemoLineTotalsSchema = z.object({
  id: z.string(),
  status: bcEnum,
  salesCreditMemoLines: z.array(
    z.object({ lineType: bcEnum, description: z.string(), amountIncludingTax: z.number() }),
  ),
});

/** Read with `$expand=salesCreditMemoLines`, so the lines are part of the shape. */
export const salesCreditMemoSchema = salesOrderSchema.extend({
  totalAmountIncludingTax: z.number(),
  pricesIncludeTax: z.boolean().default(true),
  salesCreditMemoLines: z.array(creditMemoLineSchema),
});
export type SalesCreditMemoWire = z.infer<typeof salesCreditMemoSchema>;
export const creditMemoStatusSchema = z.object({ id: z.string(), status: bcEnum });

/** The body of `POST salesCreditMemos` with deep-inserted lines. */
export interface SalesCreditMemoCreateBody {
  externalDocumentNumber: string;
  customerNumber: string;
  creditMemoDate: string;
  /** Sent, not left to BC's default (the work date): the ledger must carry the store's business day. */
  postingDate: string;
  salesCreditMemoLines: {
    /** The member name, encodeEnum('Item'). */
    lineType: string;
    lineObjectNumber: string;
    description: string;
    quantity: number;
    unitPrice: number;
    locationId: string;
  }[];
}

export const locationSchema = z.object({ id: z.string(), code: z.string() });
export const itemSchema = z.object({ id: z.string(), number: z.string() });

/** The body of `POST salesOrders` with deep-inserted lines. */
export interface SalesOrderCreateBody {
  externalDocumentNumber: string;
  customerNumber: string;
  orderDate: string;
  /** Sent, not left to BC's default (the work date): invoices must post on the store's business day. */
  postingDate: string;
  currencyCode?: string;
  /** Editable on salesOrders (not on credit memos): our prices are VAT-inclusive, whatever the customer card says. */
  pricesIncludeTax: true;
  salesOrderLines: {
    /** The member name, encodeEnum('Item'). */
    lineType: string;
    lineObjectNumber: string;
    quantity: number;
    unitPrice: number;
    discountAmount?: number;
    locationId: string;
  }[];
}

export const itemCategorySchema = z.object({ number: z.string(), itemCategoryCode: z.string().optional() });

/** `itemLedgerEntries` (standard, read-only). Only what LedgerEntry carries is required. */
export const itemLedgerEntrySchema = z.object({
  entryNumber: z.number().int(),
  itemNumber: z.string(),
  postingDate: z.string(),
  entryType: bcEnum,
  documentNumber: z.string(),
  quantity: z.number(),
});

/** Custom API `locationStocks` (docs/erp-extension.md). */
export const locationStockSchema = z.object({
  itemNumber: z.string(),
  locationCode: z.string(),
  inventory: z.number(),
});

/** Custom API `stockAdjustments` (docs/erp-extension.md). */
export const stockAdjustmentSchema = z.object({
  id: z.string(),
  number: z.string(),
  externalDocumentNumber: z.string(),
  status: bcEnum.optional(),
});

/** The body of `POST stockAdjustments` with deep-inserted lines; the extension posts it on insert. */
export interface StockAdjustmentCreateBody {
  externalDocumentNumber: string;
  postingDate: string;
  locationCode: string;
  description?: string;
  stockAdjustmentLines: { itemNumber: string; quantity: number }[];
}

/** `journals` (general journal batches). */
export const journalSchema = z.object({ id: z.string(), code: z.string() });

/** `journalLines`: what the connector compares when it completes a partly created draft. */
export const journalLineSchema = z.object({
  id: z.string(),
  lineNumber: z.number(),
  accountType: bcEnum,
  accountNumber: z.string(),
  postingDate: z.string(),
  documentNumber: z.string(),
  externalDocumentNumber: z.string(),
  amount: z.number(),
  description: z.string(),
});
export type JournalLineWire = z.infer<typeof journalLineSchema>;

/** The body of `POST journals({id})/journalLines`. */
export interface JournalLineCreateBody {
  /** The member name of 'G/L Account' or 'Customer' (encodeEnum). */
  accountType: string;
  accountNumber: string;
  postingDate: string;
  documentNumber: string;
  externalDocumentNumber: string;
  amount: number;
  description: string;
}

/** `generalLedgerEntries` (standard, read-only). */
export const glEntrySchema = z.object({
  entryNumber: z.number().int(),
  postingDate: z.string(),
  documentNumber: z.string(),
  documentType: bcEnum,
  accountNumber: z.string(),
  description: z.string(),
  debitAmount: z.number(),
  creditAmount: z.number(),
});

/** BC's `lastModifiedDateTime` (SystemModifiedAt), normalised to fixed-width ISO with milliseconds. */
const bcInstant = z
  .string()
  .refine((s) => Number.isFinite(Date.parse(s)), 'lastModifiedDateTime must be an ISO date-time')
  .transform((s) => new Date(Date.parse(s)).toISOString());

/** `itemVariants`: a variant is code + description on API v2.0 (no price, GTIN or blocked). */
export const itemVariantSchema = z.object({
  id: z.string(),
  itemId: z.string(),
  code: z.string(),
  description: z.string().default(''),
  lastModifiedDateTime: bcInstant,
});

/** `itemVariants` read only to learn which items changed (`$select=id,itemId,lastModifiedDateTime`). */
export const itemVariantChangeSchema = itemVariantSchema.pick({ id: true, itemId: true, lastModifiedDateTime: true });

/** An item as the product master reads it, with `$expand=itemVariants`. */
export const masterItemSchema = z.object({
  id: z.string(),
  number: z.string(),
  displayName: z.string(),
  gtin: z.string().default(''),
  itemCategoryCode: z.string().default(''),
  baseUnitOfMeasureCode: z.string().default(''),
  taxGroupCode: z.string().default(''),
  blocked: z.boolean(),
  unitPrice: z.number(),
  priceIncludesTax: z.boolean(),
  lastModifiedDateTime: bcInstant,
  itemVariants: z.array(itemVariantSchema).default([]),
});
export type MasterItemWire = z.infer<typeof masterItemSchema>;

/**
 * `priceListLines` of the retailer's catalogue API (docs/erp-extension.md): a custom API page on
 * Price List Line, since API v2.0 has no price entity (master-data-api.md §1.4). Dates are BC
 * dates (`0001-01-01` = none); `startingTime` is the extension's one table field (`00:00:00` =
 * from midnight).
 */
export const priceListLineSchema = z.object({
  id: z.string(),
  priceListCode: z.string(),
  assetType: bcEnum,
  assetNo: z.string(),
  variantCode: z.string().default(''),
  unitOfMeasureCode: z.string().default(''),
  unitPrice: z.number(),
  priceIncludesTax: z.boolean(),
  startingDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  endingDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  startingTime: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?$/)
    .default('00:00:00'),
  status: bcEnum,
  lastModifiedDateTime: bcInstant,
});
export type PriceListLineWire = z.infer<typeof priceListLineSchema>;
