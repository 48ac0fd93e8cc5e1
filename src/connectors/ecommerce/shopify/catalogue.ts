import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { CatalogueProduct, SubscriberRef } from '../../../domain/catalogue';
import { formatCents, parseCents } from '../../../domain/money';
import { PermanentError, send, throwForStatus, type HttpCall } from '../../http';
import type {
  BulkLoadStatus,
  CatalogueCallOptions,
  PriceTarget,
  PriceWrite,
  PriceWriteOutcome,
  ProductWriteOutcome,
  ShopifyCataloguePort,
  SubscriberCopy,
} from '../../catalogue/port';
import type { GraphqlCall } from './orders';
import { allNodes } from './paging';
import { skuSearch } from './queries';
import { userErrorSchema } from './schemas';

/**
 * Shopify as a catalogue subscriber (issue 15, master-data-api.md §3). Every product is written
 * with `productSet` keyed by `identifier.customId` = the master id, held in the `id`-type
 * metafield `retail.master_id`, which Shopify keeps unique: a retry after a lost response or a
 * late commit updates the product the first attempt created instead of making a twin. Beside it
 * the product carries (all in namespace `retail`):
 *  - `master_id` (type `id`): the upsert key and the cross-reference;
 *  - `item_sku` (type `id`): the item SKU, how readProducts finds a product by SKU;
 *  - `master_version`, `master_fingerprint` (`single_line_text_field`): the version guard.
 * productSet replaces list fields, so every write sends the whole variant list with the ids it
 * read back (a variant left out, or sent without its id, would be deleted with its stock).
 */
const SYSTEM = 'shopify';
export const CATALOGUE_NAMESPACE = 'retail';
export const CATALOGUE_METAFIELDS = {
  masterId: 'master_id',
  itemSku: 'item_sku',
  version: 'master_version',
  fingerprint: 'master_fingerprint',
} as const;
/** Our products have one option; Shopify calls the option of a one-variant product "Title". */
const OPTION_NAME = 'Title';
/** Variants read per product; a master item with more is refused rather than half-written. */
const MAX_VARIANTS = 100;
const SKUS_PER_QUERY = 50;
const PAGE_SIZE = 100;

const PRODUCT_FIELDS = /* GraphQL */ `
      id
      title
      status
      productType
      updatedAt
      masterId: metafield(namespace: "retail", key: "master_id") { value }
      version: metafield(namespace: "retail", key: "master_version") { value }
      fingerprint: metafield(namespace: "retail", key: "master_fingerprint") { value }
      variants(first: 100) {
        nodes { id sku barcode price }
        pageInfo { hasNextPage endCursor }
      }
`;

export const PRODUCT_BY_IDENTIFIER = /* GraphQL */ `
  query ProductByIdentifier($identifier: ProductIdentifierInput!) {
    productByIdentifier(identifier: $identifier) {${PRODUCT_FIELDS}    }
  }
`;

/** One product by GID, as a products/update notice names it; its item SKU is in our metafield. */
export const PRODUCT_BY_ID = /* GraphQL */ `
  query ProductById($id: ID!) {
    product(id: $id) {${PRODUCT_FIELDS}      itemSku: metafield(namespace: "retail", key: "item_sku") { value }
    }
  }
`;

/** One document for the single upsert and for each line of a bulk load. */
export const PRODUCT_SET = /* GraphQL */ `
  mutation ProductSet($identifier: ProductSetIdentifiers, $input: ProductSetInput!, $synchronous: Boolean) {
    productSet(identifier: $identifier, input: $input, synchronous: $synchronous) {
      product {
        id
        createdAt
        updatedAt
        variants(first: 100) {
          nodes {
            id
            sku
          }
        }
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;

export const VARIANT_PRICES_BY_SKU = /* GraphQL */ `
  query VariantPricesBySku($first: Int!, $after: String, $query: String!) {
    productVariants(first: $first, after: $after, query: $query) {
      nodes {
        id
        sku
        price
        product {
          id
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;

/**
 * From this many products in one price write, one bulk operation instead of a call per product.
 * Microsoft's BC connector goes bulk at 100 changed prices (master-data-api.md §3.3); 50 products
 * cost 500 points one by one, half the standard plan's bucket, which is where a bulk run is cheaper.
 */
export const BULK_PRICES_FROM = 50;

export const VARIANTS_BULK_UPDATE = /* GraphQL */ `
  mutation VariantsBulkUpdate($productId: ID!, $variants: [ProductVariantsBulkInput!]!) {
    productVariantsBulkUpdate(productId: $productId, variants: $variants, allowPartialUpdates: true) {
      productVariants {
        id
        sku
        price
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;

export const STAGED_UPLOADS_CREATE = /* GraphQL */ `
  mutation StagedUploadsCreate($input: [StagedUploadInput!]!) {
    stagedUploadsCreate(input: $input) {
      stagedTargets {
        url
        parameters {
          name
          value
        }
      }
      userErrors {
        field
        message
      }
    }
  }
`;

export const BULK_OPERATION_RUN_MUTATION = /* GraphQL */ `
  mutation BulkOperationRunMutation($mutation: String!, $stagedUploadPath: String!, $clientIdentifier: String) {
    bulkOperationRunMutation(
      mutation: $mutation
      stagedUploadPath: $stagedUploadPath
      clientIdentifier: $clientIdentifier
    ) {
      bulkOperation {
        id
        status
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;

export const BULK_OPERATION = /* GraphQL */ `
  query BulkOperation($id: ID!) {
    bulkOperation(id: $id) {
      id
      status
      errorCode
      objectCount
      url
      partialDataUrl
    }
  }
`;

const pageInfoSchema = z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() });
const valueSchema = z.object({ value: z.string() }).nullable();
const productSchema = z.object({
  id: z.string(),
  title: z.string(),
  status: z.string(),
  productType: z.string(),
  updatedAt: z.string(),
  masterId: valueSchema,
  version: valueSchema,
  fingerprint: valueSchema,
  variants: z.object({
    nodes: z.array(
      z.object({ id: z.string(), sku: z.string().nullable(), barcode: z.string().nullable(), price: z.string() }),
    ),
    pageInfo: pageInfoSchema,
  }),
});
type ShopifyProduct = z.infer<typeof productSchema>;
const productByIdentifierSchema = z.object({ productByIdentifier: productSchema.nullable() });
const priceResultLineSchema = z.object({
  __lineNumber: z.number().int(),
  data: z
    .object({ productVariantsBulkUpdate: z.object({ userErrors: z.array(userErrorSchema) }) })
    .nullable()
    .optional(),
  errors: z.array(z.object({ message: z.string() })).optional(),
});
const productByIdSchema = z.object({ product: productSchema.extend({ itemSku: valueSchema }).nullable() });
const productSetPayloadSchema = z.object({
  product: z
    .object({
      id: z.string(),
      createdAt: z.string(),
      updatedAt: z.string(),
      variants: z.object({ nodes: z.array(z.object({ id: z.string(), sku: z.string().nullable() })) }),
    })
    .nullable(),
  userErrors: z.array(userErrorSchema),
});
const productSetDataSchema = z.object({ productSet: productSetPayloadSchema });
const variantPricesSchema = z.object({
  productVariants: z.object({
    nodes: z.array(
      z.object({
        id: z.string(),
        sku: z.string().nullable(),
        price: z.string(),
        product: z.object({ id: z.string() }).nullable(),
      }),
    ),
    pageInfo: pageInfoSchema,
  }),
});
const variantsBulkUpdateSchema = z.object({
  productVariantsBulkUpdate: z.object({
    productVariants: z.array(z.object({ id: z.string() })).nullable(),
    userErrors: z.array(userErrorSchema),
  }),
});
const stagedUploadsSchema = z.object({
  stagedUploadsCreate: z.object({
    stagedTargets: z
      .array(
        z.object({
          url: z.string().nullable(),
          parameters: z.array(z.object({ name: z.string(), value: z.string() })),
        }),
      )
      .nullable(),
    userErrors: z.array(z.object({ field: z.array(z.string()).nullish(), message: z.string() })),
  }),
});
const bulkRunSchema = z.object({
  bulkOperationRunMutation: z.object({
    bulkOperation: z.object({ id: z.string(), status: z.string() }).nullable(),
    userErrors: z.array(userErrorSchema),
  }),
});
const bulkStatusSchema = z.enum(['CREATED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELING', 'CANCELED', 'EXPIRED']);
const bulkOperationSchema = z.object({
  bulkOperation: z
    .object({
      id: z.string(),
      status: bulkStatusSchema,
      errorCode: z.string().nullable(),
      objectCount: z.union([z.string(), z.number()]).transform(Number),
      url: z.string().nullable(),
      partialDataUrl: z.string().nullable(),
    })
    .nullable(),
});
const resultLineSchema = z.object({
  __lineNumber: z.number().int().min(0),
  data: z.object({ productSet: productSetPayloadSchema }).optional(),
  errors: z.array(z.object({ message: z.string() })).optional(),
});

type UserError = z.infer<typeof userErrorSchema>;

export interface ShopifyCatalogueOptions {
  /** For the staged upload and the result file, which are not Admin API calls. */
  timeoutMs?: number;
  dispatcher?: HttpCall['dispatcher'];
}

/** What productSet should make of one master product, and what the guard compares. */
interface Plan {
  variables: { identifier: unknown; input: Record<string, unknown>; synchronous: true };
  /** The mastered values as Shopify would show them, to see whether the copy already holds them. */
  expect: {
    title?: string;
    productType?: string;
    status?: string;
    variants: Array<{ sku: string; price?: string; barcode?: string }>;
  };
}

export class ShopifyCatalogue implements ShopifyCataloguePort {
  readonly system = 'shopify' as const;

  constructor(
    private readonly graphql: GraphqlCall,
    private readonly opts: ShopifyCatalogueOptions = {},
  ) {}

  async upsertProducts(products: CatalogueProduct[], opts: CatalogueCallOptions = {}): Promise<ProductWriteOutcome[]> {
    const out: ProductWriteOutcome[] = [];
    for (const [i, p] of products.entries()) {
      out.push(await this.upsertOne(p, opts));
      opts.progress?.(i + 1);
    }
    return out;
  }

  private async upsertOne(p: CatalogueProduct, opts: CatalogueCallOptions): Promise<ProductWriteOutcome> {
    const base = { masterId: p.masterId, sku: p.sku };
    const held = await this.productBy(CATALOGUE_METAFIELDS.masterId, p.masterId, opts);
    if (held?.variants.pageInfo.hasNextPage)
      return {
        ...base,
        result: 'rejected',
        reason: `the Shopify product has more than ${MAX_VARIANTS} variants`,
        ref: refOf(held),
      };
    if (!held) {
      const adopted = await this.adoptable(p, opts);
      if (adopted && 'reason' in adopted) return { ...base, result: 'rejected', reason: adopted.reason };
      if (adopted) {
        // The shop sold this SKU before the integration: that product becomes the master's, not a twin of it.
        const plan = planProduct(p, adopted);
        const variables = { ...plan.variables, identifier: { id: adopted.id } };
        const data = await this.graphql('ProductSet', PRODUCT_SET, variables, productSetDataSchema, opts, 'mutation');
        return outcomeOf(p, data.productSet, 'updated');
      }
    }
    const plan = planProduct(p, held);
    if (held) {
      const heldVersion = held.version?.value;
      if (heldVersion !== undefined && heldVersion > p.version)
        return { ...base, result: 'stale', heldVersion, ref: refOf(held) };
      // The stored fingerprint alone would hide an edit made in the admin since: the copy must also show the values.
      if (held.fingerprint?.value === p.fingerprint && holds(held, plan))
        return { ...base, result: 'unchanged', ref: refOf(held) };
    }
    const data = await this.graphql('ProductSet', PRODUCT_SET, plan.variables, productSetDataSchema, opts, 'mutation');
    return outcomeOf(p, data.productSet, held ? 'updated' : 'created');
  }

  /**
   * A product that already sells one of these SKUs without our master id (the shop's own catalogue
   * before the integration): adopted by its id. One held by another master id, or the SKUs spread
   * over several products, is refused: merchandising decides which product is the master's.
   */
  private async adoptable(
    p: CatalogueProduct,
    opts: CatalogueCallOptions,
  ): Promise<ShopifyProduct | { reason: string } | undefined> {
    const found = await this.variantsBySku(
      p.variants.map((v) => v.sku),
      opts,
    );
    const owners = new Set([...found.values()].map((v) => v.product?.id).filter((id): id is string => !!id));
    if (owners.size === 0) return undefined;
    if (owners.size > 1)
      return { reason: `SKUs of ${p.sku} are on ${owners.size} Shopify products (${[...owners].join(', ')})` };
    const [productId] = [...owners];
    const data = await this.graphql('ProductById', PRODUCT_BY_ID, { id: productId }, productByIdSchema, opts);
    const product = data.product;
    if (!product) return undefined;
    if (product.masterId && product.masterId.value !== p.masterId)
      return { reason: `SKU ${p.sku} is on Shopify product ${product.id} of master id ${product.masterId.value}` };
    return product;
  }

  async setPrices(
    target: PriceTarget,
    prices: PriceWrite[],
    opts: CatalogueCallOptions = {},
  ): Promise<PriceWriteOutcome[]> {
    onlyDefault(target);
    const found = await this.variantsBySku(
      prices.map((p) => p.sku),
      opts,
    );
    const outcome = new Map<string, PriceWriteOutcome>();
    const byProduct = new Map<string, Array<{ sku: string; id: string; priceCents: number }>>();
    for (const p of prices) {
      const v = found.get(p.sku);
      if (!v?.product) {
        outcome.set(p.sku, {
          sku: p.sku,
          result: 'rejected',
          reason: `no product variant with SKU ${p.sku} in Shopify`,
        });
        continue;
      }
      let list = byProduct.get(v.product.id);
      if (!list) byProduct.set(v.product.id, (list = []));
      list.push({ sku: p.sku, id: v.id, priceCents: p.priceCents });
    }
    let done = 0;
    if (byProduct.size >= BULK_PRICES_FROM) {
      const entries = [...byProduct];
      const results = await this.bulkPriceUpdate(
        entries.map(([productId, list]) => ({
          productId,
          variants: list.map((v) => ({ id: v.id, price: formatCents(v.priceCents) })),
        })),
        opts,
      );
      entries.forEach(([, list], lineNumber) => {
        const result = results.get(lineNumber);
        for (const [i, v] of list.entries()) {
          const errors = Array.isArray(result)
            ? result.filter((e) => e.field?.[0] !== 'variants' || Number(e.field[1]) === i)
            : undefined;
          outcome.set(
            v.sku,
            result === undefined
              ? { sku: v.sku, result: 'rejected', reason: 'no result line from the bulk operation' }
              : !Array.isArray(result)
                ? { sku: v.sku, result: 'rejected', reason: result.failed }
                : errors!.length
                  ? { sku: v.sku, result: 'rejected', reason: describe(errors!) }
                  : { sku: v.sku, result: 'applied' },
          );
        }
      });
      return prices.map((p) => outcome.get(p.sku)!);
    }
    for (const [productId, list] of byProduct) {
      const variables = { productId, variants: list.map((v) => ({ id: v.id, price: formatCents(v.priceCents) })) };
      const data = await this.graphql(
        'VariantsBulkUpdate',
        VARIANTS_BULK_UPDATE,
        variables,
        variantsBulkUpdateSchema,
        opts,
        'mutation',
      );
      const refused = new Map<number, UserError[]>();
      const whole: UserError[] = [];
      for (const e of data.productVariantsBulkUpdate.userErrors) {
        const index = e.field?.[0] === 'variants' ? Number(e.field[1]) : NaN;
        if (Number.isInteger(index)) refused.set(index, [...(refused.get(index) ?? []), e]);
        else whole.push(e);
      }
      list.forEach((v, i) => {
        const errors = [...whole, ...(refused.get(i) ?? [])];
        outcome.set(
          v.sku,
          errors.length
            ? { sku: v.sku, result: 'rejected', reason: describe(errors) }
            : { sku: v.sku, result: 'applied' },
        );
      });
      opts.progress?.((done += list.length));
    }
    return prices.map((p) => outcome.get(p.sku)!);
  }

  async readPrices(
    target: PriceTarget,
    skus: string[],
    opts: CatalogueCallOptions = {},
  ): Promise<Record<string, number>> {
    onlyDefault(target);
    const found = await this.variantsBySku(skus, opts);
    const out: Record<string, number> = {};
    for (const [sku, v] of found) {
      const cents = parseCents(v.price);
      if (cents !== undefined) out[sku] = cents;
    }
    return out;
  }

  async readProducts(skus: string[], opts: CatalogueCallOptions = {}): Promise<SubscriberCopy[]> {
    const out: SubscriberCopy[] = [];
    for (const sku of new Set(skus)) {
      const p = await this.productBy(CATALOGUE_METAFIELDS.itemSku, sku, opts);
      if (p) out.push(copyOf(p, sku));
    }
    return out;
  }

  /** A product we never wrote (no item SKU stored) is not ours to compare: undefined. */
  async readProductById(productId: string, opts: CatalogueCallOptions = {}): Promise<SubscriberCopy | undefined> {
    const data = await this.graphql('ProductById', PRODUCT_BY_ID, { id: productId }, productByIdSchema, opts);
    const p = data.product;
    return p?.itemSku ? copyOf(p, p.itemSku.value) : undefined;
  }

  /**
   * A full load without reading first: each line is productSet's variables, keyed by customId
   * like a single upsert. Variants go without ids, so this is for products Shopify does not hold
   * yet (an empty shop); a product already there gets new variants (and inventory items) unless
   * Shopify matches them by option values, which is NOT FOUND.
   */
  async startBulkUpsert(
    products: CatalogueProduct[],
    opts: CatalogueCallOptions = {},
  ): Promise<{ operationId: string }> {
    const jsonl = products.map((p) => `${JSON.stringify(planProduct(p, undefined).variables)}\n`).join('');
    return { operationId: await this.startBulk(PRODUCT_SET, jsonl, `catalogue-${products.length}`, opts) };
  }

  /** Stages the JSONL of one mutation's variables and starts the bulk operation; returns its id. */
  private async startBulk(
    mutation: string,
    jsonl: string,
    clientIdentifier: string,
    opts: CatalogueCallOptions,
  ): Promise<string> {
    const filename = 'catalogue.jsonl';
    const staged = await this.graphql(
      'StagedUploadsCreate',
      STAGED_UPLOADS_CREATE,
      { input: [{ resource: 'BULK_MUTATION_VARIABLES', filename, mimeType: 'text/jsonl', httpMethod: 'POST' }] },
      stagedUploadsSchema,
      opts,
      'mutation',
    );
    const target = staged.stagedUploadsCreate.stagedTargets?.[0];
    if (!target?.url)
      throw new PermanentError(
        `${SYSTEM} StagedUploadsCreate refused: ${staged.stagedUploadsCreate.userErrors.map((e) => e.message).join('; ') || 'no target'}`,
        SYSTEM,
        200,
        'STAGED_UPLOAD_REFUSED',
      );
    const key = target.parameters.find((p) => p.name === 'key')?.value;
    if (!key) throw new PermanentError(`${SYSTEM} staged upload target has no key`, SYSTEM, 200, 'UnexpectedResponse');
    await this.upload(target.url, target.parameters, filename, jsonl, opts);
    const run = await this.graphql(
      'BulkOperationRunMutation',
      BULK_OPERATION_RUN_MUTATION,
      { mutation, stagedUploadPath: key, clientIdentifier },
      bulkRunSchema,
      opts,
      'mutation',
    );
    const op = run.bulkOperationRunMutation.bulkOperation;
    if (!op) {
      const errors = run.bulkOperationRunMutation.userErrors;
      throw new PermanentError(
        `${SYSTEM} BulkOperationRunMutation refused: ${describe(errors)}`,
        SYSTEM,
        200,
        errors[0]?.code ?? 'USER_ERROR',
      );
    }
    return op.id;
  }

  /**
   * Many products' prices as one bulk operation of productVariantsBulkUpdate lines, waited for to
   * the end: a few calls instead of one (10 points) per product, so a large price change shows
   * within its SLA on the standard plan's bucket. Returns each line's user errors by line number.
   */
  private async bulkPriceUpdate(
    lines: Array<{ productId: string; variants: Array<{ id: string; price: string }> }>,
    opts: CatalogueCallOptions,
  ): Promise<Map<number, UserError[] | { failed: string }>> {
    const jsonl = lines.map((l) => `${JSON.stringify(l)}\n`).join('');
    const operationId = await this.startBulk(VARIANTS_BULK_UPDATE, jsonl, `prices-${lines.length}`, opts);
    for (let wait = 250; ; wait = Math.min(wait * 2, 2_000)) {
      const data = await this.graphql('BulkOperation', BULK_OPERATION, { id: operationId }, bulkOperationSchema, opts);
      const op = data.bulkOperation;
      if (!op) throw new PermanentError(`${SYSTEM} bulk operation ${operationId} not found`, SYSTEM, 200, 'NOT_FOUND');
      opts.progress?.(op.objectCount);
      const url = op.status === 'COMPLETED' ? op.url : op.status === 'FAILED' ? op.partialDataUrl : null;
      if (op.status === 'COMPLETED' || op.status === 'FAILED' || op.status === 'CANCELED' || op.status === 'EXPIRED') {
        const out = new Map<number, UserError[] | { failed: string }>();
        for (const text of (url ? await this.download(url, opts) : '').split('\n')) {
          if (!text.trim()) continue;
          const line = priceResultLineSchema.parse(JSON.parse(text));
          out.set(
            line.__lineNumber,
            line.errors?.length
              ? { failed: line.errors.map((e) => e.message).join('; ') }
              : (line.data?.productVariantsBulkUpdate.userErrors ?? []),
          );
        }
        return out;
      }
      await sleep(wait, undefined, opts.signal ? { signal: opts.signal } : undefined);
    }
  }

  async bulkStatus(
    operationId: string,
    products: CatalogueProduct[],
    opts: CatalogueCallOptions = {},
  ): Promise<BulkLoadStatus> {
    const data = await this.graphql('BulkOperation', BULK_OPERATION, { id: operationId }, bulkOperationSchema, opts);
    const op = data.bulkOperation;
    if (!op) throw new PermanentError(`${SYSTEM} bulk operation ${operationId} not found`, SYSTEM, 200, 'NOT_FOUND');
    const status: BulkLoadStatus = {
      operationId,
      status: op.status,
      objectCount: op.objectCount,
      ...(op.errorCode ? { errorCode: op.errorCode } : {}),
    };
    const url = op.status === 'COMPLETED' ? op.url : op.status === 'FAILED' ? op.partialDataUrl : null;
    if (op.status === 'COMPLETED' || (op.status === 'FAILED' && url)) {
      status.outcomes = joinResults(products, url ? await this.download(url, opts) : '');
    }
    return status;
  }

  private async productBy(key: string, value: string, opts: CatalogueCallOptions): Promise<ShopifyProduct | undefined> {
    const data = await this.graphql(
      'ProductByIdentifier',
      PRODUCT_BY_IDENTIFIER,
      { identifier: { customId: { namespace: CATALOGUE_NAMESPACE, key, value } } },
      productByIdentifierSchema,
      opts,
    );
    return data.productByIdentifier ?? undefined;
  }

  /** Exact SKU matches only (Shopify's search may match loosely); the first variant of a SKU wins. */
  private async variantsBySku(skus: string[], opts: CatalogueCallOptions) {
    const wanted = [...new Set(skus.filter((s) => s.length > 0))];
    const found = new Map<string, z.infer<typeof variantPricesSchema>['productVariants']['nodes'][number]>();
    for (let i = 0; i < wanted.length; i += SKUS_PER_QUERY) {
      const chunk = new Set(wanted.slice(i, i + SKUS_PER_QUERY));
      const query = skuSearch([...chunk]);
      const nodes = await allNodes(
        async (after) =>
          (
            await this.graphql(
              'VariantPricesBySku',
              VARIANT_PRICES_BY_SKU,
              // Shopify reserves the requested cost (about one point per node asked for): ask for no more than the SKUs.
              { first: Math.min(PAGE_SIZE, chunk.size), after, query },
              variantPricesSchema,
              opts,
            )
          ).productVariants,
      );
      for (const v of nodes) if (v.sku !== null && chunk.has(v.sku) && !found.has(v.sku)) found.set(v.sku, v);
    }
    return found;
  }

  /** The staged-upload form: every parameter as a field, in order, then the file. */
  private async upload(
    url: string,
    parameters: Array<{ name: string; value: string }>,
    filename: string,
    content: string,
    opts: CatalogueCallOptions,
  ): Promise<void> {
    const boundary = `----retail-${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;
    const part = (name: string, value: string, extra = '') =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${extra}\r\n\r\n${value}\r\n`;
    const body =
      parameters.map((p) => part(p.name, p.value)).join('') +
      part('file', content, `; filename="${filename}"\r\nContent-Type: text/jsonl`) +
      `--${boundary}--\r\n`;
    const call: HttpCall = {
      system: SYSTEM,
      method: 'POST',
      url,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      body,
      timeoutMs: this.opts.timeoutMs ?? 60_000,
      signal: opts.signal,
      dispatcher: this.opts.dispatcher,
    };
    const res = await send(call);
    if (res.status < 200 || res.status >= 300) throwForStatus(call, res, { message: res.text.slice(0, 200) });
  }

  private async download(url: string, opts: CatalogueCallOptions): Promise<string> {
    const call: HttpCall = {
      system: SYSTEM,
      method: 'GET',
      url,
      timeoutMs: this.opts.timeoutMs ?? 60_000,
      signal: opts.signal,
      dispatcher: this.opts.dispatcher,
    };
    const res = await send(call);
    if (res.status < 200 || res.status >= 300) throwForStatus(call, res, { message: res.text.slice(0, 200) });
    return res.text;
  }
}

function onlyDefault(target: PriceTarget): void {
  if (target.list !== 'default')
    throw new PermanentError(
      `${SYSTEM} has one price per variant; price list ${target.key} cannot be written there`,
      SYSTEM,
      0,
      'NO_PRICE_LISTS',
    );
}

/** productSet's variables for a master product, reusing the variant ids Shopify holds. */
function planProduct(p: CatalogueProduct, held: ShopifyProduct | undefined): Plan {
  const idBySku = new Map(held?.variants.nodes.filter((v) => v.sku !== null).map((v) => [v.sku!, v.id]));
  // Option values must be unique within the product; the SKU always is.
  const titles = p.variants.map((v) => v.title);
  const names = new Set(titles).size === titles.length && titles.every(Boolean) ? titles : p.variants.map((v) => v.sku);
  const variants = p.variants.map((v, i) => {
    // The master has one GTIN per item: it goes on the product's only variant.
    const barcode = v.barcode ?? (p.variants.length === 1 ? p.barcode : undefined);
    const id = idBySku.get(v.sku);
    return {
      ...(id ? { id } : {}),
      sku: v.sku,
      optionValues: [{ optionName: OPTION_NAME, name: names[i]! }],
      ...(v.priceCents !== undefined ? { price: formatCents(v.priceCents) } : {}),
      ...(barcode !== undefined ? { barcode } : {}),
    };
  });
  const meta = (key: string, type: string, value: string) => ({ namespace: CATALOGUE_NAMESPACE, key, type, value });
  const status = p.active === undefined ? undefined : p.active ? 'ACTIVE' : 'DRAFT';
  const input: Record<string, unknown> = {
    // Shopify requires a title; a subscriber that does not receive titles shows the SKU.
    ...(p.title !== undefined ? { title: p.title } : held ? {} : { title: p.sku }),
    ...(p.categoryCode !== undefined ? { productType: p.categoryCode } : {}),
    ...(status ? { status } : {}),
    metafields: [
      meta(CATALOGUE_METAFIELDS.masterId, 'id', p.masterId),
      meta(CATALOGUE_METAFIELDS.itemSku, 'id', p.sku),
      meta(CATALOGUE_METAFIELDS.version, 'single_line_text_field', p.version),
      meta(CATALOGUE_METAFIELDS.fingerprint, 'single_line_text_field', p.fingerprint),
    ],
    productOptions: [{ name: OPTION_NAME, values: names.map((name) => ({ name })) }],
    variants,
  };
  return {
    variables: {
      identifier: {
        customId: { namespace: CATALOGUE_NAMESPACE, key: CATALOGUE_METAFIELDS.masterId, value: p.masterId },
      },
      input,
      synchronous: true,
    },
    expect: {
      ...(p.title !== undefined ? { title: p.title } : {}),
      ...(p.categoryCode !== undefined ? { productType: p.categoryCode } : {}),
      ...(status ? { status } : {}),
      variants: variants.map((v) => ({ sku: v.sku, price: v.price, barcode: v.barcode })),
    },
  };
}

/** True when the copy shows every mastered value the plan would write, with the same variants in the same order. */
function holds(held: ShopifyProduct, plan: Plan): boolean {
  const e = plan.expect;
  if (e.title !== undefined && held.title !== e.title) return false;
  if (e.productType !== undefined && held.productType !== e.productType) return false;
  if (e.status !== undefined && held.status !== e.status) return false;
  const nodes = held.variants.nodes;
  if (nodes.length !== e.variants.length) return false;
  return e.variants.every((v, i) => {
    const n = nodes[i]!;
    if (n.sku !== v.sku) return false;
    if (v.price !== undefined && parseCents(n.price) !== parseCents(v.price)) return false;
    return v.barcode === undefined || n.barcode === v.barcode;
  });
}

function refOf(p: { id: string; variants: { nodes: Array<{ id: string; sku: string | null }> } }): SubscriberRef {
  const variantIds: Record<string, string> = {};
  for (const v of p.variants.nodes) if (v.sku !== null) variantIds[v.sku] = v.id;
  return { productId: p.id, variantIds };
}

function outcomeOf(
  p: CatalogueProduct,
  payload: z.infer<typeof productSetPayloadSchema>,
  result: 'created' | 'updated',
): ProductWriteOutcome {
  const base = { masterId: p.masterId, sku: p.sku };
  if (payload.userErrors.length || !payload.product)
    return { ...base, result: 'rejected', reason: describe(payload.userErrors, p) || 'Shopify refused the product' };
  return { ...base, result, ref: refOf(payload.product) };
}

/** Shopify's own words, with the field; a variant's index becomes its SKU, which merchandising knows. */
function describe(errors: UserError[], p?: CatalogueProduct): string {
  return errors
    .map((e) => {
      const field = e.field ?? [];
      const vi = field[0] === 'input' && field[1] === 'variants' ? Number(field[2]) : NaN;
      const where =
        Number.isInteger(vi) && p?.variants[vi]
          ? `variant ${p.variants[vi].sku} ${field.slice(3).join('.')}`
          : field.join('.');
      return `${where ? `${where}: ` : ''}${e.message}${e.code ? ` (${e.code})` : ''}`;
    })
    .join('; ');
}

/** Result lines come in any order: each names its input line, which is the product's index. */
function joinResults(products: CatalogueProduct[], jsonl: string): ProductWriteOutcome[] {
  const byLine = new Map<number, z.infer<typeof resultLineSchema>>();
  for (const text of jsonl.split('\n')) {
    if (!text.trim()) continue;
    const parsed = resultLineSchema.safeParse(JSON.parse(text));
    if (!parsed.success)
      throw new PermanentError(
        `${SYSTEM} bulk result line did not match the expected shape`,
        SYSTEM,
        200,
        'UnexpectedResponse',
      );
    byLine.set(parsed.data.__lineNumber, parsed.data);
  }
  return products.map((p, i) => {
    const line = byLine.get(i);
    const base = { masterId: p.masterId, sku: p.sku };
    if (!line) return { ...base, result: 'rejected', reason: 'no result line from the bulk operation' };
    if (line.errors?.length || !line.data)
      return { ...base, result: 'rejected', reason: line.errors?.map((e) => e.message).join('; ') || 'no data' };
    const product = line.data.productSet.product;
    // The payload does not say whether it created; a product touched once has the two instants equal.
    return outcomeOf(
      p,
      line.data.productSet,
      product && product.createdAt === product.updatedAt ? 'created' : 'updated',
    );
  });
}

function copyOf(p: ShopifyProduct, sku: string): SubscriberCopy {
  const variants = p.variants.nodes;
  return {
    sku,
    ...(p.masterId ? { masterId: p.masterId.value } : {}),
    ...(p.version ? { version: p.version.value } : {}),
    ...(p.fingerprint ? { fingerprint: p.fingerprint.value } : {}),
    title: p.title,
    // The master has one GTIN per item: a product's barcode is that of its only variant.
    ...(variants.length === 1 && variants[0]!.barcode ? { barcode: variants[0]!.barcode } : {}),
    categoryCode: p.productType,
    active: p.status === 'ACTIVE',
    variants: variants.map((v) => ({
      sku: v.sku ?? '',
      ...(parseCents(v.price) !== undefined ? { priceCents: parseCents(v.price) } : {}),
      ...(v.barcode ? { barcode: v.barcode } : {}),
    })),
    modifiedAt: p.updatedAt,
    ref: refOf(p),
  };
}
