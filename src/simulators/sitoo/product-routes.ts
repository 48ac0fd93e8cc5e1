import { z } from 'zod';
import type { SimRequest, SimResponse, SimRoute } from '../http-server';
import { SitooInputError } from './common';
import { describeIssue } from './bodies';
import { DEFAULT_PRICE_LIST, MAX_PRICE_LISTS, type ProductWrite, type SitooProducts } from './products';
import { BadQuery, envelope, guarded, intList, single, sitooError } from './rest';

const money = z.string().regex(/^-?\d+(\.\d{1,2})?$/, 'money must be a decimal string with up to 2 decimals');
const optionalText = z.string().nullable().optional();

/** The product fields a write may carry (sitoo-api.md §7); others are ignored, as Sitoo's read-only ones are. */
const productWrite = z.object({
  sku: z.string().optional(),
  title: z.string().optional(),
  barcode: z.string().nullable().optional(),
  barcodealiases: z.array(z.string()).optional(),
  moneyprice: money.optional(),
  vatid: z.number().int().optional(),
  defaultcategoryid: z.number().int().nullable().optional(),
  activepos: z.boolean().optional(),
  active: z.boolean().optional(),
  custom1: optionalText,
  custom2: optionalText,
  custom3: optionalText,
  custom4: optionalText,
  custom5: optionalText,
});
const productUpdate = productWrite.extend({ productid: z.number().int().positive() });
const variantWrite = productWrite.extend({
  productid: z.number().int().min(0),
  attributes: z.array(z.string()).optional(),
});
const variantSet = z.object({
  groups: z.array(z.object({ name: z.string().min(1), options: z.array(z.string().min(1)).min(1) })),
  variants: z.array(variantWrite),
});
const priceListWrite = z.object({
  pricelistname: z.string().min(1),
  pricelistdescription: z.string().optional(),
  active: z.boolean().optional(),
  externalid: z.string().nullable().optional(),
  currencycode: z.string().nullable().optional(),
  tags: z.array(z.string()).optional(),
});
const priceItemWrite = z.object({ sku: z.string().min(1), moneyprice: money, moneypricevolume: z.null().optional() });
const priceItemDelete = z.object({ sku: z.string().min(1) });

type BatchItem = { statuscode: number; return: unknown };

/**
 * Runs each item of a batch on its own: one refused item is a non-200 `statuscode` with Sitoo's
 * text in `return` and the others are applied. That shape is our inference (master-data-api.md
 * §2.2: the failed-item shape is NOT FOUND).
 */
function batch<T>(body: unknown, item: z.ZodType<T>, apply: (value: T) => unknown): SimResponse {
  if (!Array.isArray(body) || body.length === 0) return sitooError(400, 'body must be a non-empty array');
  const results = body.map((raw, i): BatchItem => {
    const parsed = item.safeParse(raw);
    if (!parsed.success) return { statuscode: 400, return: `${i}.${describeIssue(parsed.error)}` };
    try {
      return { statuscode: 200, return: apply(parsed.data) };
    } catch (err) {
      if (err instanceof SitooInputError) return { statuscode: 400, return: err.message };
      throw err;
    }
  });
  return { status: 200, body: results };
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Products, variants and price lists under `/sites/{siteid}` (sitoo-api.md §7). */
export function productRoutes(
  products: SitooProducts,
  site: string,
  siteMissing: (req: SimRequest) => SimResponse | undefined,
): SimRoute[] {
  const onSite = (handler: (req: SimRequest) => SimResponse) => guarded((req) => siteMissing(req) ?? handler(req));

  const listProducts = (req: SimRequest): SimResponse => {
    const q = req.query;
    const skus = q.get('sku')?.split(',').filter(Boolean);
    const ids = intList(q, 'productid');
    const includeInactive = q.get('includeinactive') === 'true';
    const raw = q.get('datelastmodified');
    if (raw !== null && raw !== '' && !/^\d+$/.test(raw)) throw new BadQuery('datelastmodified must be Unix seconds');
    // "Modified after": strictly greater, to the second (master-data-api.md §2.1).
    const after = raw ? Number(raw) : undefined;
    const matches = [...products.byId.values()]
      .filter(
        (p) =>
          (!skus || skus.includes(p.sku)) &&
          (!ids || ids.includes(p.productid)) &&
          (includeInactive || p.active) &&
          (after === undefined || p.datemodified > after),
      )
      .sort((a, b) => a.productid - b.productid);
    return envelope(q, matches);
  };

  const inList = (handler: (req: SimRequest, listId: number) => SimResponse) =>
    onSite((req) => {
      const listId = Number(req.params[1]);
      return products.priceLists.has(listId) ? handler(req, listId) : sitooError(404, `price list ${listId} not found`);
    });

  const inProduct = (handler: (req: SimRequest, productId: number) => SimResponse) =>
    onSite((req) => {
      const productId = Number(req.params[1]);
      return products.byId.has(productId) ? handler(req, productId) : sitooError(404, `product ${productId} not found`);
    });

  return [
    { method: 'GET', pattern: new RegExp(`${site}/products\\.json$`), handler: onSite(listProducts) },
    {
      method: 'POST',
      pattern: new RegExp(`${site}/products\\.json$`),
      write: true,
      handler: onSite((req) =>
        batch(req.body, productWrite, (p) => products.add(stripUndefined(p) as ProductWrite).productid),
      ),
    },
    {
      method: 'PUT',
      pattern: new RegExp(`${site}/products\\.json$`),
      write: true,
      handler: onSite((req) =>
        batch(req.body, productUpdate, ({ productid, ...patch }) => {
          products.update(productid, stripUndefined(patch) as ProductWrite);
          return true;
        }),
      ),
    },
    {
      method: 'GET',
      pattern: new RegExp(`${site}/products/(\\d+)\\.json$`),
      handler: inProduct((req, id) => single(req.query, products.byId.get(id)!)),
    },
    {
      method: 'PUT',
      pattern: new RegExp(`${site}/products/(\\d+)\\.json$`),
      write: true,
      handler: inProduct((req, id) => {
        const parsed = productWrite.safeParse(req.body);
        if (!parsed.success) return sitooError(400, describeIssue(parsed.error));
        products.update(id, stripUndefined(parsed.data) as ProductWrite);
        return { status: 200, body: true };
      }),
    },
    {
      method: 'GET',
      pattern: new RegExp(`${site}/products/(\\d+)/productvariants\\.json$`),
      handler: inProduct((_req, id) => ({
        status: 200,
        body: {
          groups: products.groups.get(id) ?? [],
          variants: products.variantsOf(id).map((v) => ({
            productid: v.productid,
            activepos: v.activepos,
            title: v.title,
            sku: v.sku,
            moneyprice: v.moneyprice,
            barcode: v.barcode,
            barcodealiases: v.barcodealiases,
            attributes: v.attributes,
          })),
        },
      })),
    },
    {
      method: 'PUT',
      pattern: new RegExp(`${site}/products/(\\d+)/productvariants\\.json$`),
      write: true,
      handler: inProduct((req, id) => {
        const parsed = variantSet.safeParse(req.body);
        if (!parsed.success) return sitooError(400, describeIssue(parsed.error));
        products.replaceVariants(
          id,
          parsed.data.groups,
          parsed.data.variants.map((v) => ({ ...(stripUndefined(v) as ProductWrite), productid: v.productid })),
        );
        return { status: 200, body: true };
      }),
    },
    {
      method: 'GET',
      pattern: new RegExp(`${site}/pricelists\\.json$`),
      handler: onSite((req) => envelope(req.query, [...products.priceLists.values()])),
    },
    {
      method: 'POST',
      pattern: new RegExp(`${site}/pricelists\\.json$`),
      write: true,
      handler: onSite((req) => {
        // One list answers with its bare id, as other single adds do (sitoo-api.md §2.3).
        const parsed = priceListWrite.safeParse(req.body);
        if (!parsed.success) return sitooError(400, describeIssue(parsed.error));
        if (products.priceLists.size >= MAX_PRICE_LISTS)
          return sitooError(400, `at most ${MAX_PRICE_LISTS} price lists per site`);
        // Whether Sitoo keeps externalid unique on price lists is NOT FOUND: it does not here, so only the caller's look-up prevents a twin.
        const list = products.createPriceList({
          pricelistname: parsed.data.pricelistname,
          pricelistdescription: parsed.data.pricelistdescription ?? '',
          active: parsed.data.active ?? true,
          externalid: parsed.data.externalid ?? null,
          currencycode: parsed.data.currencycode ?? null,
          tags: parsed.data.tags ?? [],
        });
        return { status: 200, body: list.pricelistid };
      }),
    },
    {
      method: 'GET',
      pattern: new RegExp(`${site}/pricelists/(\\d+)/pricelistitems\\.json$`),
      handler: inList((req, listId) => {
        // The `sku` filter is our inference: the reference documents only paging on this list.
        const skus = req.query.get('sku')?.split(',').filter(Boolean);
        return envelope(
          req.query,
          products.priceItems(listId).filter((i) => !skus || skus.includes(i.sku)),
        );
      }),
    },
    {
      method: 'PUT',
      pattern: new RegExp(`${site}/pricelists/(\\d+)/pricelistitems\\.json$`),
      write: true,
      handler: inList((req, listId) =>
        batch(req.body, priceItemWrite, (item) => {
          products.setPriceItem(listId, item.sku, item.moneyprice);
          return true;
        }),
      ),
    },
    {
      method: 'DELETE',
      pattern: new RegExp(`${site}/pricelists/(\\d+)/pricelistitems\\.json$`),
      write: true,
      handler: inList((req, listId) =>
        listId === DEFAULT_PRICE_LIST
          ? sitooError(400, 'items of the default price list cannot be deleted')
          : batch(req.body, priceItemDelete, (item) => {
              products.deletePriceItem(listId, item.sku);
              return true;
            }),
      ),
    },
  ];
}
