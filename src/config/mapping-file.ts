import { readFile } from 'node:fs/promises';
import { isNode, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { MASTERED_FIELDS } from '../domain/catalogue';
import { DEFAULT_TIME_ZONE, isValidTimeZone } from '../domain/business-day';
import { STORE_ID } from '../domain/ids';
import { mappingConflicts, type Mapping } from '../domain/mapping';

/**
 * The mapping file (YAML, or JSON which is YAML too): each store's Sitoo warehouse id to its ERP
 * location code and e-commerce location id, the ERP-mastered warehouses, and the web stock
 * buffers. An error names the bad field and its line.
 */
const erpLocationCode = z
  .string()
  .min(1)
  .max(10)
  .regex(/^[A-Z0-9_-]+$/, 'must be an upper-case ERP location code');
const webLocationId = z
  .string()
  .regex(/^gid:\/\/shopify\/Location\/\d+$/, 'must be a Shopify location gid like gid://shopify/Location/1');
const units = z.number().int().nonnegative();
const timeZone = z.string().refine(isValidTimeZone, 'must be an IANA time zone such as Europe/Stockholm');

const storeSchema = z.object({
  // Part of the store's ERP journal batch (Code[10]) and day journal number: never cut, so never longer.
  storeId: z.string().regex(STORE_ID, "must be 1-9 letters, digits, '-' or '_' (it becomes part of ERP journal codes)"),
  name: z.string().min(1),
  sitooWarehouseId: z.number().int().positive(),
  /** Stores are stock-mastered in Sitoo; the field exists so the file says so explicitly. */
  stockMaster: z
    .literal('sitoo', 'a store is stock-mastered in Sitoo: stockMaster must be "sitoo" or left out')
    .optional(),
  erpLocationCode,
  erpCustomerNumber: z.string().min(1).max(20),
  webLocationId,
  /** Stores of one region stand in for each other when a click & collect store is short. */
  region: z.string().min(1).optional(),
  /** The store's business day is its local day here; the account's `timeZone` when left out. */
  timeZone: timeZone.optional(),
  /** The master price list the store's till prices come from; the catalogue's Sitoo list when left out. */
  priceList: z.string().min(1).max(20).optional(),
});

/** ERP-mastered warehouses: their stock flows from the ERP to the web and to a Virtual Sitoo mirror. */
const warehouseSchema = z
  .object({
    warehouseId: z.string().min(1),
    name: z.string().min(1),
    stockMaster: z
      .literal('erp', 'a warehouse is stock-mastered in the ERP: stockMaster must be "erp" or left out')
      .optional(),
    erpLocationCode,
    webLocationId,
    sitooMirrorWarehouseId: z.number().int().positive().optional(),
  })
  .strict();

const buffersSchema = z
  .object({
    bySku: z.record(z.string().min(1), units).default({}),
    byCategory: z.record(z.string().min(1), units).default({}),
  })
  .strict();

const masteredField = z.enum(MASTERED_FIELDS);
const subscriberSchema = z
  .object({
    fields: z.array(masteredField).min(1),
    priceList: z.string().min(1).max(20).optional(),
    pricesIncludeTax: z.boolean().default(true),
    vatKeys: z.record(z.string().min(1), z.string().min(1)).optional(),
    policy: z.partialRecord(masteredField, z.enum(['revert', 'report'])).optional(),
    timeZone: timeZone.optional(),
  })
  .strict();

/** Who masters the catalogue and what each subscriber receives (docs/master-data.md). */
const catalogueSchema = z
  .object({
    master: z.literal('business-central', 'the product master must be "business-central" (the one adapter so far)'),
    vatRates: z.record(z.string().min(1), z.number().min(0).max(100)).default({}),
    defaultVatRate: z.number().min(0).max(100).optional(),
    sitoo: subscriberSchema.optional(),
    shopify: subscriberSchema.optional(),
  })
  .strict();

export const mappingSchema = z
  .object({
    /** The account's zone, for stores that name none. */
    timeZone: timeZone.default(DEFAULT_TIME_ZONE),
    stores: z.array(storeSchema).min(1),
    warehouses: z.array(warehouseSchema).default([]),
    buffers: buffersSchema.default({ bySku: {}, byCategory: {} }),
    catalogue: catalogueSchema.optional(),
  })
  .strict();

export class MappingError extends Error {
  override readonly name = 'MappingError';
}

export function parseMapping(text: string, source = 'mapping'): Mapping {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    throw new MappingError(`${source}:${e.linePos?.[0]?.line ?? '?'}: ${e.message}`);
  }
  const parsed = mappingSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      // Point at the deepest node that exists on the issue's path (a missing field points at its parent).
      let line: number | undefined;
      for (let depth = issue.path.length; depth >= 0 && line === undefined; depth--) {
        const node = doc.getIn(issue.path.slice(0, depth) as (string | number)[], true);
        if (isNode(node) && node.range) line = lineCounter.linePos(node.range[0]).line;
      }
      return `${source}:${line ?? '?'}: ${issue.path.join('.') || '(root)'}: ${issue.message}`;
    });
    throw new MappingError(`Invalid mapping file:\n${lines.join('\n')}`);
  }
  const conflicts = mappingConflicts(parsed.data);
  if (conflicts.length)
    throw new MappingError(`Invalid mapping file ${source}:\n${conflicts.map((c) => `  ${c}`).join('\n')}`);
  // Every store carries its zone, so nothing downstream needs to know where the default lives.
  return {
    ...parsed.data,
    stores: parsed.data.stores.map((s) => ({ ...s, timeZone: s.timeZone ?? parsed.data.timeZone })),
  };
}

export async function loadMappingFile(path: string): Promise<Mapping> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new MappingError(`Cannot read mapping file ${path}: ${(err as Error).message}`);
  }
  return parseMapping(text, path);
}
